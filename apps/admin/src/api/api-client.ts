import {
  createApiClient,
  dataOf,
  type ApiClient as RestClient,
  type ResponseOf,
} from '@twinwire/api-client/client';
import { sessionFromResponse, type Session, type SessionStore } from '../auth/session-store.ts';
import { ApiError, apiErrorFromResponse, networkError } from './api-error.ts';

/** What signing in and refreshing answer. */
export type SessionResponse = ResponseOf<'signIn'>;
/** The signed-in user. */
export type UserView = SessionResponse['user'];

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
 * The one way the UI talks to apps/api: `rest`, the API's generated openapi-fetch client, with
 * the bearer token on every call, one refresh (shared by concurrent callers) when the token
 * expires, and every failure as an {@link ApiError} that says what to do.
 */
export class ApiClient {
  readonly baseUrl: string;
  /** Every REST call, typed by the API's OpenAPI document: `api.rest.GET('/api/v1/…')`. */
  readonly rest: RestClient;
  private readonly sessions: SessionStore;
  private readonly now: () => number;
  private refreshing: Promise<Session> | undefined;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl;
    this.sessions = options.sessions;
    this.now = options.now ?? Date.now;
    const fetchImpl = options.fetchImpl ?? ((input, init) => fetch(input, init));
    this.rest = createApiClient({
      baseUrl: options.baseUrl,
      fetch: (request) => fetchImpl(request),
      getToken: () => this.accessToken(),
      // Expired early (clock skew, server restart with a new key, a changed role): refresh
      // once and retry.
      refreshToken: async () => {
        const session = this.sessions.get();
        if (!session) throw sessionEnded();
        return (await this.refresh(session)).accessToken;
      },
      toError: apiErrorFromResponse,
      unreachable: (cause) => networkError(this.baseUrl, cause),
    });
  }

  async login(username: string, password: string): Promise<Session> {
    const answer = await dataOf(
      this.rest.POST('/api/v1/auth/login', { body: { username, password } }),
    );
    const session = sessionFromResponse(answer, this.now());
    this.sessions.set(session);
    return session;
  }

  /** Spends the refresh token; the local session ends even if the API cannot be reached. */
  async logout(): Promise<void> {
    const session = this.sessions.get();
    this.sessions.set(null);
    if (!session) return;
    try {
      await this.rest.POST('/api/v1/auth/logout', {
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
    let answer: SessionResponse;
    try {
      answer = await dataOf(
        this.rest.POST('/api/v1/auth/refresh', { body: { refreshToken: stale.refreshToken } }),
      );
    } catch (error) {
      if (error instanceof ApiError && error.kind === 'unauthorized') {
        this.sessions.set(null);
        throw sessionEnded();
      }
      throw error;
    }
    const session = sessionFromResponse(answer, this.now());
    this.sessions.set(session);
    return session;
  }
}
