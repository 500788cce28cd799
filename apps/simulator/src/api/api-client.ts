/** A REST call that did not succeed: the API's stable error code and its message. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface AdminCredentials {
  username: string;
  password: string;
}

/** `http://host:3000`, `http://host:3000/`, `http://host:3000/api/v1` → `http://host:3000`. */
function apiOrigin(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
}

/**
 * Just enough of the Twinwire REST API (`/api/v1`) for the simulator: sign in, then JSON
 * requests with the bearer token. Only ever talks to the API it was given.
 */
export class ApiClient {
  private constructor(
    readonly origin: string,
    private readonly token: string,
  ) {}

  /** Signs in with a user's name and password (an operator or admin can provision). */
  static async login(apiUrl: string, credentials: AdminCredentials): Promise<ApiClient> {
    const origin = apiOrigin(apiUrl);
    const session = await request<{ accessToken: string }>(origin, 'POST', '/auth/login', {
      body: credentials,
    });
    return new ApiClient(origin, session.accessToken);
  }

  request<T>(method: string, path: string, body?: unknown): Promise<T> {
    return request<T>(this.origin, method, path, { token: this.token, body });
  }
}

async function request<T>(
  origin: string,
  method: string,
  path: string,
  init: { token?: string; body?: unknown },
): Promise<T> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`${origin}/api/v1${path}`, {
      method,
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    const cause = error instanceof Error ? (error.cause ?? error) : error;
    throw new ApiError(0, 'TWW_UNREACHABLE', `${method} ${origin}${path}: ${String(cause)}`);
  }
  const text = await response.text();
  const body: unknown = text.length > 0 ? JSON.parse(text) : null;
  if (!response.ok) {
    const { code, message } = (body ?? {}) as { code?: string; message?: string };
    throw new ApiError(
      response.status,
      code ?? `HTTP_${response.status}`,
      `${method} ${path}: ${message ?? `HTTP ${response.status}`}`,
    );
  }
  return body as T;
}
