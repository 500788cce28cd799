/** The few REST calls the lab makes on Twinwire's API (`/api/v1`), as an admin. */

export interface ReadingRow {
  ts: number;
  seq: number;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class ApiClient {
  private constructor(
    readonly baseUrl: string,
    readonly accessToken: string,
  ) {}

  static async login(baseUrl: string, username: string, password: string): Promise<ApiClient> {
    const response = await fetch(`${baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (!response.ok) {
      throw new ApiError(response.status, `login as ${username} failed: ${await response.text()}`);
    }
    const body = (await response.json()) as { accessToken: string };
    return new ApiClient(baseUrl, body.accessToken);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.accessToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) {
      throw new ApiError(
        response.status,
        `${method} ${path}: ${response.status} ${await response.text()}`,
      );
    }
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  /** Creates a device and issues it a credential; returns the secret. */
  async provisionDevice(id: string): Promise<string> {
    await this.request('POST', '/devices', { id, name: `protocol lab ${id}` });
    const issued = await this.request<{ secret: string }>('POST', `/devices/${id}/credentials`);
    return issued.secret;
  }

  async deleteDevice(id: string): Promise<void> {
    await this.request('DELETE', `/devices/${id}`);
  }

  async createRule(rule: {
    effect: 'allow' | 'deny';
    action: 'publish' | 'subscribe';
    topic: string;
    role: 'viewer' | 'admin';
    description: string;
  }): Promise<string> {
    const created = await this.request<{ id: string }>('POST', '/acl/rules', rule);
    return created.id;
  }

  async deleteRule(id: string): Promise<void> {
    await this.request('DELETE', `/acl/rules/${id}`);
  }

  /** Every stored reading of `deviceId` in [from, to), page by page. */
  async readings(deviceId: string, from: number, to: number): Promise<ReadingRow[]> {
    const rows: ReadingRow[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ from: String(from), to: String(to), limit: '5000' });
      if (cursor !== null) query.set('cursor', cursor);
      const page: { items: ReadingRow[]; nextCursor: string | null } = await this.request(
        'GET',
        `/devices/${deviceId}/telemetry?${query.toString()}`,
      );
      rows.push(...page.items.map(({ ts, seq }) => ({ ts, seq })));
      cursor = page.nextCursor;
    } while (cursor !== null);
    return rows;
  }
}
