import createError from '@fastify/error';
import type { ErrorCode } from '@twinwire/schemas/error-codes';

/**
 * An error class answered as `{ code, message }` with `statusCode` by the error handler. The
 * code is one of the closed union in @twinwire/schemas/error-codes: another does not compile.
 * `message` may hold `%s` placeholders, filled from the constructor's arguments.
 */
export function codedError<C extends ErrorCode, S extends number>(
  code: C,
  message: string,
  statusCode: S,
) {
  return createError(code, message, statusCode);
}

// Stable codes a client can branch on; messages say what to do.
export const Unauthorized = codedError('TWW_UNAUTHORIZED', 'sign in: %s', 401);
export const Forbidden = codedError('TWW_FORBIDDEN', 'your role (%s) may not do this', 403);
export const OriginNotAllowed = codedError(
  'TWW_ORIGIN_NOT_ALLOWED',
  'origin %s is not allowed; add it to CORS_ORIGINS',
  403,
);
export const BadCredentials = codedError('TWW_BAD_CREDENTIALS', 'wrong username or password', 401);
export const BadRefreshToken = codedError(
  'TWW_BAD_REFRESH_TOKEN',
  'the refresh token is unknown, expired or used: sign in again',
  401,
);
export const NotFound = codedError('TWW_NOT_FOUND', '%s not found', 404);
export const Conflict = codedError('TWW_CONFLICT', '%s', 409);
export const InvalidRequest = codedError('TWW_INVALID_REQUEST', '%s', 400);
export const RateLimited = codedError('TWW_RATE_LIMITED', 'too many requests; retry in %s', 429);
export const ServerBusy = codedError(
  'TWW_SERVER_BUSY',
  'too many sign-ins are being verified right now; retry in a few seconds',
  503,
);
export const AclDenied = codedError('TWW_ACL_DENIED', 'the access rules do not let you %s', 403);
// Framework errors (fastify's FST_*), mapped into our codes by the error handler.
export const InvalidJson = codedError('TWW_INVALID_JSON', 'the body is not valid JSON: %s', 400);
export const UnsupportedMediaType = codedError(
  'TWW_UNSUPPORTED_MEDIA_TYPE',
  '%s; send the body as JSON with content-type: application/json',
  415,
);
export const BodyTooLarge = codedError(
  'TWW_BODY_TOO_LARGE',
  'the body is larger than the %s bytes this API accepts (BODY_LIMIT_BYTES)',
  413,
);
export const BrokerUnavailable = codedError(
  'TWW_BROKER_UNAVAILABLE',
  'the message broker is unreachable right now; retry in a few seconds',
  503,
);
