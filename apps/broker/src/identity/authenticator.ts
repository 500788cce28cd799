import { timingSafeEqual } from 'node:crypto';
import type { Acl } from '@twinwire/acl/acl';
import type { Principal } from '@twinwire/acl/rules';
import type { Database } from '@twinwire/db/client';
import { credentialNamedBy } from '@twinwire/db/device-credentials';
import type { RunHash } from '@twinwire/db/secrets';
import { HashAbandonedError, HashGateBusyError } from '@twinwire/logins/hash-gate';
import { devices } from '@twinwire/db/schema';
import { verifyUserPassword } from '@twinwire/db/users';
import { isValidDeviceId } from '@twinwire/schemas/topics';
import type { AuthenticateError, Client, ConnectPacket } from 'aedes';
import { eq } from 'drizzle-orm';
import type { Logger } from '../log.ts';
import type { BrokerMetrics } from '../metrics.ts';
import type { ConnectionInfo } from '../connections.ts';
import type { ClientIdOwnership } from '../ownership/client-id-ownership.ts';
import type { Session, SessionRegistry } from '../sessions.ts';
import { clientIdRefusal } from './client-id-policy.ts';
import type { CredentialCache } from '@twinwire/devices/credential-cache';
import type { LoginGuard } from './login-guard.ts';

export interface AuthenticatorDeps {
  db: Database;
  acl: () => Acl;
  sessions: SessionRegistry;
  cache: CredentialCache;
  connectPackets: WeakMap<Client, ConnectPacket>;
  connectionOf: (client: Client) => ConnectionInfo;
  /** Who each session belongs to: another principal presenting its client id is refused. */
  ownership: ClientIdOwnership;
  /** Failed-login throttle and the bounded hash gate. */
  logins: LoginGuard;
  serviceSecret: string | undefined;
  allowAnonymous: boolean;
  /** Fail closed when the database answers slower than this. */
  timeoutMs: number;
  metrics: BrokerMetrics;
  log: Logger;
}

// CONNACK return codes of MQTT 3.1.1 [MQTT-3.2.2-5] (aedes types them as an ambient const enum);
// aedes gives an MQTT 5.0 client the matching reason codes 0x85, 0x88, 0x86 and 0x87.
const CONNACK = {
  IDENTIFIER_REJECTED: 2,
  SERVER_UNAVAILABLE: 3,
  BAD_USERNAME_OR_PASSWORD: 4,
  NOT_AUTHORIZED: 5,
} as const;
type Refusal = (typeof CONNACK)[keyof typeof CONNACK];

// MQTT 5.0 CONNACK reason codes finer than the 3.1.1 return code (the aedes patch passes
// `reasonCode` on to a v5 client; a 3.1.1 client gets `returnCode`).
const SERVER_BUSY = 0x89;
const BANNED = 0x8a;

interface Refused {
  refuse: Refusal;
  reason: string;
  reasonCode?: number;
}
type Outcome = Omit<Session, 'protocol'> | Refused;

/** Refusals that mean wrong credentials: what the failed-login throttle counts. */
const CREDENTIAL_FAILURES = new Set(['bad_credentials', 'unknown_device']);

function refusedError({ refuse, reason, reasonCode }: Refused): AuthenticateError {
  // aedes types the codes as an ambient const enum that verbatimModuleSyntax cannot import;
  // these are the spec's own values.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
  return Object.assign(new Error(reason), { returnCode: refuse, reasonCode });
}

/**
 * A CONNECT from a banned address or name is refused before its credential is looked at.
 * MQTT 3.1.1 has no "banned": CONNACK 5 (not authorized), not 4, because the credential was
 * never judged and a device must not conclude its secret is wrong; MQTT 5.0 gets 0x8A
 * Banned. EMQX's flapping detection likewise rejects a banned client id, username or source
 * address before authentication (docs.emqx.com, Access Control → Flapping Detect).
 */
const BANNED_OUTCOME: Refused = {
  refuse: CONNACK.NOT_AUTHORIZED,
  reason: 'banned',
  reasonCode: BANNED,
};

const SERVICE_USERNAME = 'service';

/**
 * aedes' `authenticate` hook. The credentials say who a client is: the API's service
 * principal (username `service`), a device (its id and a secret issued for it), or a user;
 * without any, an anonymous viewer where allowed. Then the client id must be one the
 * principal may use (`client-id-policy.ts`), its will topic one it may publish to, and the
 * session under the client id its own or free (`ownership/`): aedes would otherwise take
 * over, and disconnect, the rightful client of a duplicate id.
 */
export function createAuthenticator(deps: AuthenticatorDeps) {
  return (
    client: Client,
    username: Readonly<string | undefined>,
    password: Readonly<Buffer | undefined>,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void => {
    const connection = deps.connectionOf(client);
    const keys = deps.logins.keysOf(connection.peerHost, username, client.id);
    const ban = deps.logins.banned(keys);
    // A login still waiting for (or in) its hash when the time is up was slowed by hashing,
    // not by the database: it is answered as busy.
    let hashing = 0;
    const suspect = deps.logins.suspect(keys);
    const gated = deps.logins.runHash(connection.closed, suspect);
    const tracked: RunHash = (hash) => {
      hashing += 1;
      return gated(hash).finally(() => {
        hashing -= 1;
      });
    };
    const work = ban
      ? Promise.resolve(BANNED_OUTCOME)
      : withTimeout(admit(deps, client, username, password, tracked), deps.timeoutMs);
    void work
      .catch((error: unknown): Refused => {
        deps.ownership.abandon(client);
        if (error instanceof HashGateBusyError || hashing > 0)
          return {
            refuse: CONNACK.SERVER_UNAVAILABLE,
            reason: 'server_busy',
            reasonCode: SERVER_BUSY,
          };
        if (error instanceof HashAbandonedError)
          return { refuse: CONNACK.SERVER_UNAVAILABLE, reason: 'client_gone' };
        deps.log.warn(
          { err: error, clientId: client.id },
          'authentication failed closed: database unavailable',
        );
        return { refuse: CONNACK.SERVER_UNAVAILABLE, reason: 'database_unavailable' };
      })
      .then((outcome) => {
        if ('refuse' in outcome) {
          deps.metrics.authFailures.inc({ reason: outcome.reason });
          // A banned key's refusals are only counted: its ban was logged when it started.
          if (!ban) {
            // A suspect login refused busy counts too: a flood that keeps the hash queue
            // full is banned like one whose guesses get hashed; a clean login never is.
            if (
              CREDENTIAL_FAILURES.has(outcome.reason) ||
              (suspect && outcome.reason === 'server_busy')
            )
              deps.logins.failed(keys);
            deps.log.info(
              { clientId: client.id, username, reason: outcome.reason },
              'connection refused',
            );
          }
          done(refusedError(outcome), false);
          return;
        }
        deps.logins.succeeded(keys);
        deps.sessions.set(client, { ...outcome, protocol: connection.protocol });
        done(null, true);
      });
  };
}

/** Who the client is, then whether it may have this client id, will and session. */
async function admit(
  deps: AuthenticatorDeps,
  client: Client,
  username: string | undefined,
  password: Buffer | undefined,
  runHash: RunHash,
): Promise<Outcome> {
  const outcome = await resolve(deps, client, username, password, runHash);
  if ('refuse' in outcome) return outcome;
  const { principal } = outcome;
  // [MQTT-3.1.3-8] a client id the server rejects gets CONNACK 2 (MQTT 5.0: 0x85).
  const clientIdProblem = await clientIdRefusal(deps.db, principal, client.id);
  if (clientIdProblem !== null)
    return { refuse: CONNACK.IDENTIFIER_REJECTED, reason: clientIdProblem };
  const will = deps.connectPackets.get(client)?.will;
  if (will && !deps.acl().authorizePublish(principal, will.topic))
    return { refuse: CONNACK.NOT_AUTHORIZED, reason: 'will_denied' };
  if (!(await deps.ownership.claim(client, principal)))
    return { refuse: CONNACK.IDENTIFIER_REJECTED, reason: 'client_id_in_use' };
  return outcome;
}

async function resolve(
  deps: AuthenticatorDeps,
  client: Client,
  username: string | undefined,
  password: Buffer | undefined,
  runHash: RunHash,
): Promise<Outcome> {
  const certificateDevice = verifiedCertificateName(deps.connectionOf(client));
  if (username === undefined && password === undefined && certificateDevice === undefined) {
    return deps.allowAnonymous
      ? { principal: { kind: 'user', id: 'anonymous', username: 'anonymous', role: 'viewer' } }
      : { refuse: CONNACK.NOT_AUTHORIZED, reason: 'anonymous' };
  }
  if (certificateDevice !== undefined) {
    const [device] = await deps.db
      .select({ id: devices.id })
      .from(devices)
      .where(eq(devices.id, certificateDevice));
    return device
      ? { principal: devicePrincipal(certificateDevice) }
      : { refuse: CONNACK.NOT_AUTHORIZED, reason: 'unknown_device' };
  }
  if (username === SERVICE_USERNAME) return resolveService(deps, username, password);
  if (!username || !password?.length)
    return { refuse: CONNACK.BAD_USERNAME_OR_PASSWORD, reason: 'bad_credentials' };
  // A device's username is its id; a name that is no device's, or whose secret does not
  // match, may still be a user's (a user and a device may share a name). A secret that
  // names a credential of this device is decisive: a wrong one costs that one hash only.
  const secret = password.toString('utf8');
  let hashes = 0;
  const counted: RunHash = (hash) => {
    hashes += 1;
    return runHash(hash);
  };
  const device = isValidDeviceId(username)
    ? await resolveDevice(deps, username, secret, counted)
    : null;
  if (device) return device;
  if (hashes > 0 && credentialNamedBy(secret) !== null)
    return { refuse: CONNACK.BAD_USERNAME_OR_PASSWORD, reason: 'bad_credentials' };
  return resolveUser(deps, username, password, runHash);
}

/** The device `deviceId` when `secret` is one of its active credentials, else null. */
async function resolveDevice(
  deps: AuthenticatorDeps,
  deviceId: string,
  secret: string,
  runHash: RunHash,
): Promise<Outcome | null> {
  const credentialId = await deps.cache.verify(deps.db, deviceId, secret, runHash);
  if (credentialId === null) return null;
  return { principal: devicePrincipal(deviceId), credentialId };
}

function resolveService(
  deps: AuthenticatorDeps,
  username: string | undefined,
  password: Buffer | undefined,
): Outcome {
  const expected = deps.serviceSecret === undefined ? undefined : Buffer.from(deps.serviceSecret);
  const ok =
    username === SERVICE_USERNAME &&
    expected !== undefined &&
    password?.length === expected.length &&
    timingSafeEqual(password, expected);
  return ok
    ? { principal: { kind: 'service', id: 'service', username: 'service', role: 'service' } }
    : { refuse: CONNACK.BAD_USERNAME_OR_PASSWORD, reason: 'bad_credentials' };
}

async function resolveUser(
  deps: AuthenticatorDeps,
  username: string | undefined,
  password: Buffer | undefined,
  runHash: RunHash,
): Promise<Outcome> {
  const user =
    username && password?.length
      ? await verifyUserPassword(deps.db, username, password.toString('utf8'), runHash)
      : null;
  return user
    ? { principal: { kind: 'user', id: user.id, username, role: user.role } }
    : { refuse: CONNACK.BAD_USERNAME_OR_PASSWORD, reason: 'bad_credentials' };
}

function devicePrincipal(deviceId: string): Principal {
  return { kind: 'device', id: deviceId, role: 'device' };
}

/** The CN of a client certificate the TLS layer verified against TLS_CA, if any. */
function verifiedCertificateName(connection: ConnectionInfo): string | undefined {
  const socket = connection.tlsSocket;
  if (!socket?.authorized) return undefined;
  const commonName: unknown = socket.getPeerCertificate().subject.CN;
  return typeof commonName === 'string' && commonName !== '' ? commonName : undefined;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no answer from the database within ${ms} ms`));
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => {
    clearTimeout(timer);
  });
}
