import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { operations, paths } from './generated/openapi.ts';

/**
 * The REST API, typed by its OpenAPI document: `api.GET('/api/v1/devices', { params })`. Bodies
 * are typed as JSON; a download asks for its media type and `parseAs` (`'blob'`, `'stream'`).
 */
export type ApiClient = Client<paths, 'application/json'>;

/** The JSON body an operation answers with when it succeeds (its 200, 201 or 202 response). */
export type ResponseOf<Operation extends keyof operations> = JsonContent<
  SuccessResponses<operations[Operation]['responses']>
>;

/** The JSON body an operation takes. */
export type BodyOf<Operation extends keyof operations> =
  NonNullable<operations[Operation]['requestBody']> extends { content: infer Content }
    ? JsonOf<Content>
    : never;

/** An operation's query parameters. */
export type QueryOf<Operation extends keyof operations> = NonNullable<
  operations[Operation]['parameters']['query']
>;

type SuccessResponses<Responses> = Responses[keyof Responses & (200 | 201 | 202)];
type JsonContent<Response> = Response extends { content: infer Content } ? JsonOf<Content> : never;
type JsonOf<Content> = Content extends { 'application/json': infer Body } ? Body : never;

/** A call the API refused, with its stable code (`TWW_…`) and message. */
export class ApiResponseError extends Error {
  override readonly name = 'ApiResponseError';

  constructor(
    /** HTTP status; 0 when no response arrived. */
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiClientOptions {
  /** The API's origin (`http://localhost:3000`); the document's paths start with `/api/v1`. */
  baseUrl: string;
  /** Sends one request; `globalThis.fetch` unless given. */
  fetch?: (request: Request) => Promise<Response>;
  /**
   * The access token for a call, asked before each one; none is sent when it gives undefined.
   * Never asked for signing in, refreshing or signing out, which carry no bearer token.
   */
  getToken?: () => string | undefined | Promise<string | undefined>;
  /**
   * A new access token after the API answered 401 (expired early, a restart with a new key):
   * the call is sent once more with it. Without it a 401 fails the call.
   */
  refreshToken?: () => Promise<string>;
  /** What a call that got an error response throws; by default an {@link ApiResponseError}. */
  toError?: (response: Response, request: Request) => Promise<Error>;
  /** What a call that got no response at all throws (unless its own signal aborted it). */
  unreachable?: (cause: unknown, request: Request) => Error;
}

/** The routes that take no bearer token: they start, renew and end a session. */
const SESSION_PATHS: ReadonlySet<string> = new Set<keyof paths>([
  '/api/v1/auth/login',
  '/api/v1/auth/refresh',
  '/api/v1/auth/logout',
]);

/**
 * An openapi-fetch client for the REST API that sends the bearer token, refreshes it once on
 * 401, and throws on every failure, so a call that returns has succeeded: read its body with
 * {@link dataOf}.
 */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const baseFetch = options.fetch ?? ((request: Request) => fetch(request));
  const unreachable = options.unreachable ?? defaultUnreachable;
  const toError = options.toError ?? errorFromResponse;
  const send = async (request: Request): Promise<Response> => {
    try {
      return await baseFetch(request);
    } catch (error) {
      if (request.signal.aborted) throw error;
      throw unreachable(error, request);
    }
  };
  const client = createClient<paths, 'application/json'>({
    baseUrl: options.baseUrl,
    fetch: send,
    headers: { accept: 'application/json' },
  });
  // Registered first, so its onResponse runs last: it sees the answer to the retried call.
  client.use({
    async onResponse({ request, response }) {
      if (!response.ok) throw await toError(response, request);
    },
  });
  const { getToken, refreshToken } = options;
  if (getToken) client.use(bearerToken(getToken, refreshToken, send));
  return client;
}

function bearerToken(
  getToken: NonNullable<ApiClientOptions['getToken']>,
  refreshToken: ApiClientOptions['refreshToken'],
  send: (request: Request) => Promise<Response>,
): Middleware {
  // The unsent copy of each call that may be retried, by openapi-fetch's request id.
  const retries = new Map<string, Request>();
  return {
    async onRequest({ request, schemaPath, id }) {
      if (SESSION_PATHS.has(schemaPath)) return undefined;
      const token = await getToken();
      if (token !== undefined) request.headers.set('authorization', `Bearer ${token}`);
      if (refreshToken) retries.set(id, request.clone());
      return request;
    },
    async onResponse({ response, id }) {
      const retry = retries.get(id);
      retries.delete(id);
      if (response.status !== 401 || !retry || !refreshToken) return undefined;
      retry.headers.set('authorization', `Bearer ${await refreshToken()}`);
      return send(retry);
    },
    onError({ id }) {
      retries.delete(id);
      return undefined;
    },
  };
}

/** The body of a call that succeeded; a failed call has thrown already. */
export async function dataOf<Data>(
  call: Promise<{ data?: Data; error?: unknown; response: Response }>,
): Promise<Data> {
  const { data, error, response } = await call;
  // Only without the client's own middleware (which throws first) can an error get here.
  if (error !== undefined || !response.ok)
    throw new ApiResponseError(response.status, `HTTP_${response.status}`, response.statusText);
  return data as Data;
}

/** `{ code, message }` from an error body; the status alone when the body is not one. */
export async function errorFromResponse(
  response: Response,
  request: Request,
): Promise<ApiResponseError> {
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const { code, message } = (body ?? {}) as { code?: unknown; message?: unknown };
  return new ApiResponseError(
    response.status,
    typeof code === 'string' ? code : `HTTP_${response.status}`,
    `${request.method} ${new URL(request.url).pathname}: ${
      typeof message === 'string' ? message : `HTTP ${response.status}`
    }`,
  );
}

function defaultUnreachable(cause: unknown, request: Request): ApiResponseError {
  const reason = cause instanceof Error ? (cause.cause ?? cause) : cause;
  return new ApiResponseError(
    0,
    'TWW_UNREACHABLE',
    `${request.method} ${request.url}: ${String(reason)}`,
  );
}
