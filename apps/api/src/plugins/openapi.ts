import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import apiPackage from '../../package.json' with { type: 'json' };

/**
 * OpenAPI 3 generated from the route schemas: `/openapi.json`, interactive docs at `/docs`.
 * Its version is this package's (one number to bump, in package.json).
 */
export const openapi = fp(
  async (app: FastifyInstance) => {
    await app.register(fastifySwagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Twinwire API',
          version: apiPackage.version,
          description: 'Devices, access rules, telemetry and live streams',
        },
        // Relative: the paths are on the origin that served this document, whichever it is.
        servers: [{ url: '/', description: 'the Twinwire API instance serving this document' }],
        components: {
          securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        },
        security: [{ bearer: [] }],
      },
    });
    await app.register(fastifySwaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true } });
    app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  },
  { name: 'openapi' },
);
