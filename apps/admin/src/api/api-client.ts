import { sessionFromResponse, type Session, type SessionStore } from '../auth/session-store.ts';
import { ApiError, apiErrorFromResponse, networkError } from './api-error.ts';
import type { SessionResponse } from './types.ts';

type QueryValue = string | number | boolean | undefined;

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, QueryValue>;
  signal?: AbortSignal;
  /** The media type asked for; JSON unless said. */
  accept?: string;
}

export interface Download {
  blob: Blob;
  /** From content-disposition, when the API named the file. */
  fileName: string | undefined;
}

export interface ApiClientOptions {
  baseUrl: string;
  sessions: SessionStore;
  fetchImpl?: typeof fetch;
  now?: () => number;
}

/** Refresh this long before the access token expires, so no request races its expiry. */
const REFRESH_MARGIN_MS = 30_000;

const sessionEnded = () =>
  new ApiError(
    'unauthorized',
    'TWW_SESSION_ENDED',
    'your session has ended',
    'Sign in again.',
    401,
  );

/**
 * The one way the UI talks to apps/api: JSON in and out, the bearer token on every call,
 * one refresh (shared by concurrent callers) when the token expires, and every failure as an
 * {@link ApiError} that says what to do.
 */
export class ApiClient {
  readonly baseUrl: string;
  private readonly sessions: SessionStore;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private refreshing: Promise<Session> | undefined;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl;
    this.sessions = options.sessions;
    this.fetchImpl = options.fetchImpl ?? ((input, init) => fetch(input, init));
    this.now = options.now ?? Date.now;
  }

  get<T>(path: string, options?: RequestOptions): Promise<T> {
    return this.request<T>('GET', path, options);
  }

  post<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>('POST', path, { ...options, body });
  }

  patch<T>(path: string, body: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>('PATCH', path, { ...options, body });
  }

  put<T>(path: string, body: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>('PUT', path, { ...options, body });
  }

  delete(path: string, options?: RequestOptions): Promise<void> {
    return this.request<undefined>('DELETE', path, options);
  }

  /** A file the API streams (an export), with the name it gives it. */
  async download(path: string, options: RequestOptions & { accept: string }): Promise<Download> {
    const response = await this.authorized('GET', path, options);
    const disposition = response.headers.get('content-disposition') ?? '';
    const fileName = /filename="([^"]+)"/.exec(disposition)?.[1];
    return { blob: await response.blob(), fileName };
  }

  async login(username: string, password: string): Promise<Session> {
    const response = await this.send('POST', '/api/v1/auth/login', {
      body: { username, password },
    });
    if (!response.ok) throw await apiErrorFromResponse(response);
    const session = sessionFromResponse((await response.json()) as SessionResponse, this.now());
    this.sessions.set(session);
    return session;
  }

  /** Spends the refresh token; the local session ends even if the API cannot be reached. */
  async logout(): Promise<void> {
    const session = this.sessions.get();
    this.sessions.set(null);
    if (!session) return;
    try {
      await this.send('POST', '/api/v1/auth/logout', {
        body: { refreshToken: session.refreshToken },
      });
    } catch {
      // The token expires on its own; signing out locally is what the user asked for.
    }
  }

  /** A valid access token, refreshed first when it is about to expire. */
  async accessToken(): Promise<string> {
    const session = this.sessions.reload();
    if (!session) throw sessionEnded();
    if (session.accessExpiresAt - REFRESH_MARGIN_MS > this.now()) return session.accessToken;
    return (await this.refresh(session)).accessToken;
  }

  /** `ws(s)://…/ws/live?access_token=…` with a fresh token. */
  async liveUrl(): Promise<string> {
    const url = new URL('/ws/live', this.baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('access_token', await this.accessToken());
    return url.toString();
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.authorized(method, path, options);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  /** A successful response to an authorized request, refreshing the token once on 401. */
  private async authorized(
    method: string,
    path: string,
    options: RequestOptions,
  ): Promise<Response> {
    let token = await this.accessToken();
    let response = await this.send(method, path, options, token);
    if (response.status === 401) {
      // Expired early (clock skew, server restart with a new key, a changed role): refresh
      // once and retry.
      const session = this.sessions.get();
      if (!session) throw sessionEnded();
      token = (await this.refresh(session)).accessToken;
      response = await this.send(method, path, options, token);
    }
    if (!response.ok) throw await apiErrorFromResponse(response);
    return response;
  }

  private refresh(stale: Session): Promise<Session> {
    this.refreshing ??= this.exchange(stale).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async exchange(stale: Session): Promise<Session> {
    // Another tab may have spent this refresh token already and stored the new session.
    const stored = this.sessions.reload();
    if (
      stored &&
      stored.refreshToken !== stale.refreshToken &&
      stored.accessExpiresAt - REFRESH_MARGIN_MS > this.now()
    )
      return stored;
    const response = await this.send('POST', '/api/v1/auth/refresh', {
      body: { refreshToken: stale.refreshToken },
    });
    if (!response.ok) {
      const error = await apiErrorFromResponse(response);
      if (error.kind === 'unauthorized') {
        this.sessions.set(null);
        throw sessionEnded();
      }
      throw error;
    }
    const session = sessionFromResponse((await response.json()) as SessionResponse, this.now());
    this.sessions.set(session);
    return session;
  }

  private async send(
    method: string,
    path: string,
    options: RequestOptions,
    token?: string,
  ): Promise<Response> {
    const url = new URL(path, this.baseUrl);
    for (const [key, value] of Object.entries(options.query ?? {}))
      if (value !== undefined) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = { accept: options.accept ?? 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await this.fetchImpl(url, {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw networkError(this.baseUrl, error);
    }
  }
}
