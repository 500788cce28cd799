import type { SessionResponse, UserView } from '../api/api-client.ts';

export interface Session {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms after which the access token is refused. */
  accessExpiresAt: number;
  user: UserView;
}

const STORAGE_KEY = 'twinwire.session';

export function sessionFromResponse(response: SessionResponse, now: number): Session {
  return {
    accessToken: response.accessToken,
    refreshToken: response.refreshToken,
    accessExpiresAt: now + response.expiresIn * 1000,
    user: response.user,
  };
}

function isSession(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) return false;
  const session = value as Partial<Session>;
  return (
    typeof session.accessToken === 'string' &&
    typeof session.refreshToken === 'string' &&
    typeof session.accessExpiresAt === 'number' &&
    typeof session.user?.username === 'string' &&
    typeof session.user.role === 'string'
  );
}

/**
 * The signed-in session, kept in localStorage so it survives reloads and is shared by tabs
 * (a refresh token works once: tabs must see each other's refreshes). React subscribes to it.
 */
export class SessionStore {
  private current: Session | null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly storage: Storage) {
    this.current = this.read();
  }

  get(): Session | null {
    return this.current;
  }

  /** Re-reads storage: another tab may have refreshed or signed out. */
  reload(): Session | null {
    const stored = this.read();
    if (stored?.refreshToken !== this.current?.refreshToken) {
      this.current = stored;
      this.emit();
    }
    return this.current;
  }

  set(session: Session | null): void {
    this.current = session;
    if (session) this.storage.setItem(STORAGE_KEY, JSON.stringify(session));
    else this.storage.removeItem(STORAGE_KEY);
    this.emit();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Follows other tabs' sign-ins, refreshes and sign-outs. */
  watchOtherTabs(target: Window): () => void {
    const onStorage = (event: StorageEvent) => {
      if (event.key === STORAGE_KEY || event.key === null) this.reload();
    };
    target.addEventListener('storage', onStorage);
    return () => {
      target.removeEventListener('storage', onStorage);
    };
  }

  private read(): Session | null {
    try {
      const parsed: unknown = JSON.parse(this.storage.getItem(STORAGE_KEY) ?? 'null');
      return isSession(parsed) ? parsed : null;
    } catch {
      return null;
    }
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
