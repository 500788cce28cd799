/**
 * The simulator's environment, read here and nowhere else. Flags win over these.
 */
export interface SimulatorEnv {
  /** A user allowed to provision devices and read telemetry (operator or admin). */
  username: string | undefined;
  password: string | undefined;
  /** PostgreSQL for `--local`; unset: the embedded one under `.data/`. */
  databaseUrl: string | undefined;
}

export function readSimulatorEnv(env: NodeJS.ProcessEnv = process.env): SimulatorEnv {
  const value = (name: string): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw === '' ? undefined : raw;
  };
  return {
    username: value('TWINWIRE_USERNAME'),
    password: value('TWINWIRE_PASSWORD'),
    databaseUrl: value('DATABASE_URL'),
  };
}
