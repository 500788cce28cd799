import { limits } from '@twinwire/schemas/limits';
import type { ErrorFrame } from '@twinwire/schemas/ws-frames';
import type { RawData } from 'ws';

/** A WebSocket message as one buffer, whichever form `ws` delivered it in. */
export function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** An `error` frame; the message is cut to the schema's bound. */
export function errorFrame(code: string, message: string, id?: string): string {
  const frame: ErrorFrame = {
    type: 'error',
    ...(id === undefined ? {} : { id }),
    code,
    message: message.slice(0, limits.errorMessage.maxLength),
  };
  return JSON.stringify(frame);
}

/**
 * The `id` of a refused frame when one can be read, so the client can tell which request
 * failed; undefined for text that is not JSON or has no usable id.
 */
export function requestIdOf(data: Buffer): string | undefined {
  try {
    const value: unknown = JSON.parse(data.toString('utf8'));
    if (typeof value !== 'object' || value === null || !('id' in value)) return undefined;
    const id = value.id;
    return typeof id === 'string' &&
      id.length >= limits.id.minLength &&
      id.length <= limits.id.maxLength
      ? id
      : undefined;
  } catch {
    return undefined;
  }
}
