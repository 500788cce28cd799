import type { FastifyCorsOptions } from '@fastify/cors';

/**
 * What a browser on an allowed origin may send: every method the API serves (the admin UI
 * edits with PATCH and deletes with DELETE; @fastify/cors allows only GET, HEAD and POST
 * unless told) and the two headers it sets. Download names and retry hints are readable.
 */
const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
const CORS_HEADERS = ['authorization', 'content-type'] as const;

export function corsOptions(origins: string[]): FastifyCorsOptions {
  return {
    origin: origins,
    credentials: true,
    methods: [...CORS_METHODS],
    allowedHeaders: [...CORS_HEADERS],
    exposedHeaders: ['content-disposition', 'retry-after'],
    // Browsers cache the preflight this long (capped at 2 h by Chromium).
    maxAge: 600,
  };
}
