import type { FastifyRequest } from 'fastify';

export interface DeviceCredentials {
  deviceId: string;
  secret: string;
}

/**
 * The credentials a device offers on the upgrade: `Authorization: Basic base64(id:secret)`,
 * or `?device_id=&secret=` for clients that cannot set headers (browsers, some embedded
 * stacks). The header is preferred: a query string can end up in proxy and access logs.
 */
export function deviceCredentialsOf(request: FastifyRequest): DeviceCredentials | null {
  const header = request.headers.authorization;
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return null;
    return { deviceId: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
  }
  const query = request.query as { device_id?: unknown; secret?: unknown } | undefined;
  if (typeof query?.device_id === 'string' && typeof query.secret === 'string')
    return { deviceId: query.device_id, secret: query.secret };
  return null;
}
