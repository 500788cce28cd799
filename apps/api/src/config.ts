import { Type, type Static } from 'typebox';
import { Env } from '@twinwire/config/env-types';
import { loginProtectionEnv } from '@twinwire/config/login-env';
import { readEnv } from '@twinwire/config/read-env';
import { isValidUsername, USERNAME_RULE } from '@twinwire/schemas/primitives';
import { USER_ROLES, type UserRole } from '@twinwire/schemas/capabilities';

export const ApiEnv = Type.Object({
  API_HOST: Env.string({ default: '0.0.0.0', description: 'address the API binds to' }),
  API_PORT: Env.port(3000, 'REST and WebSocket API'),
  DATABASE_URL: Env.optional(
    Env.url(['postgres', 'postgresql'], 'PostgreSQL; unset: embedded PostgreSQL under .data/'),
  ),
  TWINWIRE_DATA_DIR: Env.optional(
    Env.string({ minLength: 1, description: 'embedded PostgreSQL data directory' }),
  ),
  MQTT_URL: Env.string({
    default: 'mqtt://127.0.0.1:1883',
    pattern: '^(mqtt|mqtts|ws|wss)://',
    description: 'the broker, reached with the service credential',
  }),
  SERVICE_SECRET: Env.optional(
    Env.string({
      minLength: 16,
      description: 'the service principal’s password, shared with the broker',
    }),
  ),
  JWT_SECRET: Env.optional(
    Env.string({
      minLength: 32,
      description:
        'signs access tokens; share it between API instances. Unset: random per process (tokens die on restart)',
    }),
  ),
  ACCESS_TOKEN_TTL_S: Env.integer({
    default: 900,
    minimum: 30,
    description: 'access token lifetime',
  }),
  REFRESH_TOKEN_TTL_S: Env.integer({
    default: 7 * 24 * 3600,
    minimum: 60,
    description: 'refresh token lifetime',
  }),
  CORS_ORIGINS: Env.string({
    default: 'http://localhost:5173',
    description: 'comma-separated origins allowed for browsers (REST and WebSocket upgrades)',
  }),
  ADMIN_USERNAME: Env.optional(
    Env.string({ minLength: 1, description: 'first admin, created when no user exists' }),
  ),
  ADMIN_PASSWORD: Env.optional(
    Env.string({ minLength: 12, description: 'first admin’s password' }),
  ),
  BODY_LIMIT_BYTES: Env.integer({
    default: 1_048_576,
    minimum: 1024,
    description: 'largest request body',
  }),
  STATEMENT_TIMEOUT_MS: Env.integer({
    default: 5_000,
    minimum: 100,
    description: 'cap on every SQL statement',
  }),
  ROLLUP_REFRESH_INTERVAL_MS: Env.integer({
    default: 5_000,
    minimum: 0,
    description:
      'how often the telemetry rollup behind bucket queries is caught up in the background; 0 turns it off (queries stay exact, reading more raw rows)',
  }),
  TELEMETRY_RETENTION_DAYS: Env.integer({
    default: 0,
    minimum: 0,
    description:
      "readings are removed once their whole UTC day is older than this many days (kept N to N+1 days), at start and hourly, by dropping that day's partition; 0 keeps them all",
  }),
  TELEMETRY_PARTITION_DAYS_AHEAD: Env.integer({
    default: 7,
    minimum: 1,
    maximum: 366,
    description:
      'day partitions of telemetry created ahead of today, at start and hourly (readings of a day without one land in the DEFAULT partition and move into the day once it is created)',
  }),
  METRICS_TOKEN: Env.optional(
    Env.string({
      minLength: 16,
      description:
        'a Prometheus scrape of /metrics must send Authorization: Bearer <this>; unset: /metrics is open, like /healthz',
    }),
  ),
  LOGIN_RATE_LIMIT: Env.integer({
    default: 10,
    minimum: 1,
    description: 'login attempts per minute per client address',
  }),
  ALARM_NO_DATA_SWEEP_MS: Env.integer({
    default: 5_000,
    minimum: 0,
    description:
      'how often "no reading for N seconds" alarm rules are checked (one instance at a time); 0 turns the check off on this instance',
  }),
  WEBHOOK_POLL_MS: Env.integer({
    default: 1_000,
    minimum: 0,
    description:
      'how often the webhook outbox is polled for due retries (new events wake the worker at once); 0 turns delivery off on this instance',
  }),
  WEBHOOK_CONCURRENCY: Env.integer({
    default: 8,
    minimum: 1,
    maximum: 256,
    description: 'webhook deliveries in flight at once on this instance',
  }),
  WEBHOOK_TIMEOUT_MS: Env.integer({
    default: 10_000,
    minimum: 100,
    description: 'how long a webhook receiver has to answer before the attempt fails',
  }),
  WEBHOOK_MAX_ATTEMPTS: Env.integer({
    default: 10,
    minimum: 1,
    description:
      'failed attempts after which an event becomes a dead letter (re-send it from the API)',
  }),
  WEBHOOK_RETRY_BASE_MS: Env.integer({
    default: 1_000,
    minimum: 10,
    description: 'first retry delay; doubled after each failure, with jitter',
  }),
  WEBHOOK_RETRY_MAX_MS: Env.integer({
    default: 3_600_000,
    minimum: 10,
    description: 'longest retry delay',
  }),
  WEBHOOK_ALLOW_PRIVATE: Env.boolean(
    false,
    'let webhook URLs reach private addresses (10/8, 172.16/12, 192.168/16, fc00::/7, 100.64/10); link-local and cloud metadata addresses stay refused',
  ),
  WEBHOOK_ALLOW_LOOPBACK: Env.boolean(
    false,
    'let webhook URLs reach loopback addresses (127/8, ::1), e.g. a receiver on the same host',
  ),
  ...loginProtectionEnv,
  LOG_LEVEL: Env.logLevel(),
});

export type ApiConfig = Static<typeof ApiEnv>;

/** The only place the API reads its environment. */
export function readApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return readEnv(ApiEnv, env);
}

export function allowedOrigins(config: ApiConfig): string[] {
  return config.CORS_ORIGINS.split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
}

/** The create-user command's arguments, and its password from USER_PASSWORD if set. */
export function readUserCliInput(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { username: string; role: UserRole; password: string | undefined } {
  const [username, role] = args;
  if (!username || !role || !(USER_ROLES as readonly string[]).includes(role))
    throw new Error(
      `usage: create-user <username> <${USER_ROLES.join('|')}> (password: USER_PASSWORD or stdin)`,
    );
  // The API refuses the same names (a username stands in MQTT topic levels: user/<name>/…).
  if (!isValidUsername(username))
    throw new Error(
      `invalid username ${JSON.stringify(username)}: a username has ${USERNAME_RULE}`,
    );
  return {
    username,
    role: role as UserRole,
    password: env.USER_PASSWORD || undefined,
  };
}
