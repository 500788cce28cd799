import { Type, type TSchema } from 'typebox';

/** Building blocks for env schemas: each carries the description the docs are generated from. */
export const Env = {
  port: (defaultPort: number, description: string) =>
    Type.Integer({ minimum: 0, maximum: 65_535, default: defaultPort, description }),
  integer: (options: {
    default: number;
    minimum?: number;
    maximum?: number;
    description: string;
  }) => Type.Integer(options),
  boolean: (defaultValue: boolean, description: string) =>
    Type.Boolean({ default: defaultValue, description }),
  string: (options: {
    default?: string;
    minLength?: number;
    pattern?: string;
    description: string;
  }) => Type.String(options),
  optional: <T extends TSchema>(schema: T) => Type.Optional(schema),
  url: (protocols: readonly string[], description: string) =>
    Type.String({ pattern: `^(${protocols.join('|')})://`, description }),
  logLevel: () =>
    Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) =>
        Type.Literal(level),
      ),
      { default: 'info', description: 'pino log level' },
    ),
};
