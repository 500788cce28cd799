import createError from '@fastify/error';

// Stable codes a client can branch on; messages say what to do.
export const Unauthorized = createError('TWW_UNAUTHORIZED', 'sign in: %s', 401);
export const Forbidden = createError('TWW_FORBIDDEN', 'your role (%s) may not do this', 403);
export const OriginNotAllowed = createError(
  'TWW_ORIGIN_NOT_ALLOWED',
  'origin %s is not allowed; add it to CORS_ORIGINS',
  403,
);
export const BadCredentials = createError('TWW_BAD_CREDENTIALS', 'wrong username or password', 401);
export const BadRefreshToken = createError(
  'TWW_BAD_REFRESH_TOKEN',
  'the refresh token is unknown, expired or used: sign in again',
  401,
);
export const NotFound = createError('TWW_NOT_FOUND', '%s not found', 404);
export const Conflict = createError('TWW_CONFLICT', '%s', 409);
export const InvalidRequest = createError('TWW_INVALID_REQUEST', '%s', 400);
export const RateLimited = createError('TWW_RATE_LIMITED', 'too many requests; retry in %s', 429);
export const ServerBusy = createError(
  'TWW_SERVER_BUSY',
  'too many sign-ins are being verified right now; retry in a few seconds',
  503,
);
export const AclDenied = createError('TWW_ACL_DENIED', 'the access rules do not let you %s', 403);
// Framework errors (fastify's FST_*), mapped into our codes by the error handler.
export const InvalidJson = createError('TWW_INVALID_JSON', 'the body is not valid JSON: %s', 400);
export const UnsupportedMediaType = createError(
  'TWW_UNSUPPORTED_MEDIA_TYPE',
  '%s; send the body as JSON with content-type: application/json',
  415,
);
export const BodyTooLarge = createError(
  'TWW_BODY_TOO_LARGE',
  'the body is larger than the %s bytes this API accepts (BODY_LIMIT_BYTES)',
  413,
);
