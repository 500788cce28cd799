import {
  createApiClient,
  dataOf,
  type ApiClient as RestClient,
  type BodyOf,
} from '@twinwire/api-client/client';

export interface AdminCredentials {
  username: string;
  password: string;
}

/** A stored reading's identity: what delivery accounting and the protocol lab compare. */
export interface ReadingKey {
  ts: number;
  seq: number;
}

/** Each call gives up after this long: a stuck API must not hang a run. */
const CALL_TIMEOUT_MS = 30_000;

/** Readings per page: the most the API's range query returns at once. */
const PAGE_SIZE = 5000;

/** `http://host:3000`, `http://host:3000/`, `http://host:3000/api/v1` → `http://host:3000`. */
function apiOrigin(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
}

/**
 * The simulator's and the protocol lab's side of the Twinwire REST API: signed in as a user,
 * every call typed by the API's OpenAPI document (`rest`) and sent with the bearer token; a
 * refused call throws `ApiResponseError` (`@twinwire/api-client/client`) with the API's code.
 * Only ever talks to the API it was given.
 */
export class ApiClient {
  private constructor(
    readonly origin: string,
    /** For the live WebSocket (`/ws/live?access_token=…`). */
    readonly accessToken: string,
    readonly rest: RestClient,
  ) {}

  /** Signs in with a user's name and password (an operator or admin can provision). */
  static async login(apiUrl: string, credentials: AdminCredentials): Promise<ApiClient> {
    const origin = apiOrigin(apiUrl);
    const options = {
      baseUrl: origin,
      fetch: (request: Request) => fetch(request, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) }),
    };
    const session = await dataOf(
      createApiClient(options).POST('/api/v1/auth/login', { body: credentials }),
    );
    const rest = createApiClient({ ...options, getToken: () => session.accessToken });
    return new ApiClient(origin, session.accessToken, rest);
  }

  async createDevice(id: string, name: string): Promise<void> {
    await this.rest.POST('/api/v1/devices', { body: { id, name } });
  }

  /** Issues the device a new credential; returns its secret (shown only here). */
  async issueCredential(deviceId: string): Promise<string> {
    const issued = await dataOf(
      this.rest.POST('/api/v1/devices/{id}/credentials', { params: { path: { id: deviceId } } }),
    );
    return issued.secret;
  }

  /** Creates a device and issues it a credential; returns the secret. */
  async provisionDevice(id: string, name: string): Promise<string> {
    await this.createDevice(id, name);
    return this.issueCredential(id);
  }

  async deleteDevice(id: string): Promise<void> {
    await this.rest.DELETE('/api/v1/devices/{id}', { params: { path: { id } } });
  }

  async createRule(rule: BodyOf<'createAclRule'>): Promise<string> {
    const created = await dataOf(this.rest.POST('/api/v1/acl/rules', { body: rule }));
    return created.id;
  }

  async deleteRule(id: string): Promise<void> {
    await this.rest.DELETE('/api/v1/acl/rules/{id}', { params: { path: { id } } });
  }

  /**
   * Every stored reading of a device in [from, to) as (ts, seq), through the REST range query,
   * following `nextCursor` page by page.
   */
  async readingKeys(deviceId: string, range: { from: number; to: number }): Promise<ReadingKey[]> {
    const keys: ReadingKey[] = [];
    let cursor: string | undefined;
    do {
      const page = await dataOf(
        this.rest.GET('/api/v1/devices/{id}/telemetry', {
          params: {
            path: { id: deviceId },
            query: { from: range.from, to: range.to, limit: PAGE_SIZE, cursor },
          },
        }),
      );
      for (const item of page.items) keys.push({ ts: item.ts, seq: item.seq });
      cursor = page.hasMore ? (page.nextCursor ?? undefined) : undefined;
    } while (cursor !== undefined);
    return keys;
  }
}
