import { InvalidRequest } from './errors.ts';

/** A page's last key as an opaque cursor (base64url), so clients pass it back unchanged. */
export const encodeCursor = (key: string) => Buffer.from(key, 'utf8').toString('base64url');

/** The key a cursor stands for; a 400 naming the parameter when it is not one we issued. */
export function decodeCursor(cursor: string): string {
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (key === '' || encodeCursor(key) !== cursor)
    throw new InvalidRequest(
      'querystring/cursor is not a cursor this API issued; pass nextCursor unchanged or omit it',
    );
  return key;
}
