/** What went wrong with an API call, sorted into what the operator can do about it. */
export type ApiErrorKind =
  | 'network'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'invalid'
  | 'rate-limited'
  | 'unavailable'
  | 'timeout'
  | 'server';

export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly kind: ApiErrorKind,
    /** The API's stable code (`TWW_…`), or one of ours for failures the API never saw. */
    readonly code: string,
    message: string,
    /** What the operator can do next. */
    readonly hint: string,
    /** HTTP status; 0 when no response arrived. */
    readonly status: number,
  ) {
    super(message);
  }
}

function kindOfStatus(status: number): ApiErrorKind {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  if (status === 429) return 'rate-limited';
  if (status === 503) return 'unavailable';
  if (status === 504) return 'timeout';
  if (status >= 500) return 'server';
  return 'invalid';
}

const hints: Record<ApiErrorKind, string> = {
  network: 'Check your connection and that the API is running, then retry.',
  unauthorized: 'Sign in again.',
  forbidden: 'Ask an admin for a role that may do this.',
  'not-found': 'It may have been deleted; go back to the list and reload.',
  conflict: 'Choose another value and retry.',
  invalid: 'Correct the highlighted input and retry.',
  'rate-limited': 'Wait a moment, then retry.',
  unavailable: 'A service the API depends on is down; retry in a moment.',
  timeout: 'Nothing answered in time; retry, or check the device.',
  server: 'Retry later; if it persists, report it with the time it happened.',
};

/** Codes whose remedy is more specific than their status's. */
const codeHints: Record<string, string> = {
  TWW_BAD_CREDENTIALS: 'Check the username and password.',
  TWW_ACL_DENIED: 'An admin can change this on the Access rules page.',
  TWW_BROKER_UNAVAILABLE: 'The API cannot reach the MQTT broker; retry when it is back.',
  TWW_COMMAND_TIMEOUT: 'Check that the device is online and handles this command.',
};

function isErrorBody(value: unknown): value is { code: string; message: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/** An error response as an ApiError, keeping the API's code and actionable message. */
export async function apiErrorFromResponse(response: Response): Promise<ApiError> {
  const kind = kindOfStatus(response.status);
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  if (isErrorBody(body)) {
    const hint = codeHints[body.code] ?? hints[kind];
    return new ApiError(kind, body.code, body.message, hint, response.status);
  }
  return new ApiError(
    kind,
    `HTTP_${response.status}`,
    `the API answered ${response.status} ${response.statusText}`.trim(),
    hints[kind],
    response.status,
  );
}

/** fetch rejected: no response at all (offline, DNS, CORS refusal, API down). */
export function networkError(baseUrl: string, cause: unknown): ApiError {
  const detail = cause instanceof Error && cause.message ? ` (${cause.message})` : '';
  return new ApiError(
    'network',
    'NETWORK_UNREACHABLE',
    `cannot reach the API at ${baseUrl}${detail}`,
    `${hints.network} If the address is wrong, fix apiBaseUrl in config.json.`,
    0,
  );
}

/** Any thrown value as something a page can show: a message and what to do. */
export function describeError(error: unknown): { message: string; hint: string } {
  if (error instanceof ApiError) return { message: error.message, hint: error.hint };
  if (error instanceof Error) return { message: error.message, hint: hints.server };
  return { message: String(error), hint: hints.server };
}
