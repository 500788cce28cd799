import pino, { type Logger } from 'pino';

export type { Logger };

/** pino, object first; pretty only on a terminal; secrets never logged. */
export function createLogger(level: string, name = 'broker'): Logger {
  return pino({
    name,
    level,
    redact: ['password', 'secret', '*.password', '*.secret', 'headers.authorization'],
    ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty' } } : {}),
  });
}
