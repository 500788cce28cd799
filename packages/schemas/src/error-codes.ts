/**
 * Every `TWW_*` code Twinwire says an outcome with, each with what it means: REST error bodies,
 * WebSocket `error` frames, the MQTT `devices/{id}/errors` topic and the errors packages throw.
 * Closed: a code not listed here does not typecheck where an {@link ErrorCode} is expected,
 * and a test checks that every `TWW_*` literal in the sources is listed. The API README's error
 * table lists the same codes.
 */
export const errorCodeMeanings = {
  TWW_ACL_DENIED: 'the access rules do not allow this publish, subscription or command',
  TWW_ACL_INVALID_RULES: 'an ACL rule set failed its check (each problem is listed)',
  TWW_ALREADY_SUBSCRIBED: 'this live connection already streams that filter',
  TWW_BAD_CREDENTIALS: 'wrong username or password',
  TWW_BAD_REFRESH_TOKEN: 'the refresh token is unknown, expired or spent: sign in again',
  TWW_BODY_TOO_LARGE: 'the request body is larger than BODY_LIMIT_BYTES',
  TWW_BROKER_TIMEOUT: 'a broker did not confirm a client or retained-message action in time',
  TWW_BROKER_UNAVAILABLE: 'the API has no connection to the MQTT broker right now: retry',
  TWW_CLIENT_GONE: 'the connection closed while its login waited to be verified',
  TWW_COMMAND_TIMEOUT: 'the device did not acknowledge the command within waitMs',
  TWW_CONFIG_INVALID: 'an environment variable is missing or invalid; the app does not start',
  TWW_CONFLICT: 'the request conflicts with what is stored (an id taken, a built-in rule)',
  TWW_FORBIDDEN: 'your role may not do this',
  TWW_HISTORY_UNAVAILABLE: 'live history could not be read right now: retry',
  TWW_HISTORY_UNSUPPORTED: 'history is served for one device’s telemetry filter only',
  TWW_INTERNAL: 'something failed on the server; retry later, report it if it persists',
  TWW_INVALID_FILTER: 'not a valid MQTT topic filter',
  TWW_INVALID_JSON: 'the body or payload is not valid JSON (or not UTF-8)',
  TWW_INVALID_PAYLOAD: 'the payload or frame does not match its schema (path, expected, got)',
  TWW_INVALID_REQUEST: 'the request is invalid in a way its schema cannot say (a cursor, a size)',
  TWW_INVALID_TOPIC_PART: 'a device id or command name is not one safe topic level',
  TWW_MESSAGES_DROPPED: 'live messages were dropped because the dashboard read too slowly',
  TWW_NOT_FOUND: 'no such resource, or no such route',
  TWW_NOT_STORED: 'the reading could not be stored right now: send it again',
  TWW_ORIGIN_NOT_ALLOWED: 'the browser origin is not in CORS_ORIGINS',
  TWW_PAYLOAD_TOO_LARGE: 'the payload or frame is larger than 64 KiB',
  TWW_QUERY_TIMEOUT: 'the query ran longer than the server allows: narrow the range',
  TWW_RATE_LIMITED: 'too many requests, publishes or failed logins: retry later',
  TWW_SERVER_BUSY: 'too many logins are being verified right now: retry in a few seconds',
  TWW_SESSION_ENDED: 'the admin UI’s session ended and could not be refreshed: sign in again',
  TWW_TIMESTAMP_OUT_OF_WINDOW: 'a reading’s ts is too far in the past or the future',
  TWW_TOO_MANY_BUCKETS: 'the aggregation would have more than 10,000 buckets',
  TWW_TOO_MANY_SUBSCRIPTIONS: 'the live connection holds as many subscriptions as it may',
  TWW_TOPIC_RESERVED: 'nothing may be published on this topic (e.g. under $share/)',
  TWW_TOPIC_TOO_DEEP: 'the topic has more levels than the broker allows',
  TWW_UNAUTHORIZED: 'not signed in, or the token or credential is missing or invalid',
  TWW_UNREACHABLE: 'the simulator’s API client could not reach the API',
  TWW_UNSUPPORTED_MEDIA_TYPE: 'the body was not sent as application/json',
  TWW_VALIDATION: 'a field fails its schema; the message names the field and why',
  TWW_WEBHOOK_ADDRESS_REFUSED: 'the webhook URL resolves to an address the SSRF guard refuses',
  TWW_WRITER_CLOSED: 'the telemetry writer is closed (shutting down) and takes no readings',
} as const satisfies Record<`TWW_${string}`, string>;

/** One of Twinwire's error codes: the closed union of {@link errorCodeMeanings}' keys. */
export type ErrorCode = keyof typeof errorCodeMeanings;

/** Every error code, in name order. */
export const errorCodes = Object.keys(errorCodeMeanings) as readonly ErrorCode[];

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(errorCodeMeanings, value);
}
