import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';

/**
 * POSTs `body` and resolves with the response status (the response body is read and
 * discarded). No redirects are followed: a destination answers for itself. Rejects on a
 * network error or when no answer came within `timeoutMs`.
 */
export function postWebhook(options: {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  lookup: LookupFunction;
}): Promise<number> {
  const url = new URL(options.url);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(
      url,
      {
        method: 'POST',
        lookup: options.lookup,
        timeout: options.timeoutMs,
        headers: {
          ...options.headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(options.body).toString(),
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => {
          resolve(response.statusCode ?? 0);
        });
        response.on('error', reject);
      },
    );
    request.on('timeout', () => {
      request.destroy(new Error(`no answer within ${options.timeoutMs} ms`));
    });
    request.on('error', reject);
    request.end(options.body);
  });
}
