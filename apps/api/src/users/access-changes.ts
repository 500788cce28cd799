/**
 * When each user's access last changed (role, password, disabled), as this API instance heard
 * it: from its own user routes at once, and from every instance through
 * `NOTIFY user_access_changed`. Access tokens of that user issued before the change are
 * refused, so a disabled user or a reset password takes effect now, not when tokens expire;
 * the admin UI refreshes once and gets the new role, or is signed out.
 */
export class UserAccessChanges {
  private readonly changedAt = new Map<string, number>();

  record(userId: string, atMs: number): void {
    this.changedAt.set(userId, Math.max(atMs, this.changedAt.get(userId) ?? 0));
  }

  /** From a notification: `<user id> <epoch ms>` (the database's time of the change). */
  recordNotification(payload: string): void {
    const [userId, at] = payload.split(' ');
    const atMs = Number(at);
    if (userId && Number.isFinite(atMs)) this.record(userId, atMs);
  }

  /** A token issued (`iat`, seconds) before the user's last change is no longer good. */
  refuses(userId: string, issuedAtS: number | undefined): boolean {
    const changed = this.changedAt.get(userId);
    if (changed === undefined) return false;
    // iat has whole seconds: a token from the very second of the change is still accepted.
    return (issuedAtS ?? 0) < Math.floor(changed / 1000);
  }
}
