import { timingSafeEqual } from 'node:crypto';
import type { Acl } from '@twinwire/acl/acl';
import type { Principal } from '@twinwire/acl/rules';
import type { Database } from '@twinwire/db/client';
import { verifyDeviceCredential } from '@twinwire/db/device-credentials';
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
import type { CredentialCache } from './credential-cache.ts';

export interface AuthenticatorDeps {
  db: Database;
  acl: () => Acl;
  sessions: SessionRegistry;
  cache: CredentialCache;
  connectPackets: WeakMap<Client, ConnectPacket>;
  connectionOf: (client: Client) => ConnectionInfo;
  /** Who each session belongs to: another principal presenting its client id is refused. */
  ownership: ClientIdOwnership;
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

type Outcome = Omit<Session, 'protocol'> | { refuse: Refusal; reason: string };

function refusedError(returnCode: Refusal, reason: string): AuthenticateError {
  // aedes types the codes as an ambient const enum that verbatimModuleSyntax cannot import;
  // these are the spec's own values.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
  return Object.assign(new Error(reason), { returnCode });
}

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
    void withTimeout(admit(deps, client, username, password), deps.timeoutMs)
      .catch((error: unknown) => {
        deps.ownership.abandon(client);
        deps.log.warn(
          { err: error, clientId: client.id },
          'authentication failed closed: database unavailable',
        );
        return { refuse: CONNACK.SERVER_UNAVAILABLE, reason: 'database_unavailable' } as const;
      })
      .then((outcome) => {
        if ('refuse' in outcome) {
          deps.metrics.authFailures.inc({ reason: outcome.reason });
          deps.log.info(
            { clientId: client.id, username, reason: outcome.reason },
            'connection refused',
          );
          done(refusedError(outcome.refuse, outcome.reason), false);
          return;
        }
        deps.sessions.set(client, { ...outcome, protocol: deps.connectionOf(client).protocol });
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
): Promise<Outcome> {
  const outcome = await resolve(deps, client, username, password);
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
  // match, may still be a user's (a user and a device may share a name).
  const device = isValidDeviceId(username)
    ? await resolveDevice(deps, username, password.toString('utf8'))
    : null;
  return device ?? resolveUser(deps, username, password);
}

/** The device `deviceId` when `secret` is one of its active credentials, else null. */
async function resolveDevice(
  deps: AuthenticatorDeps,
  deviceId: string,
  secret: string,
): Promise<Outcome | null> {
  const cached = deps.cache.get(deviceId, secret);
  const credentialId = cached ?? (await verifyDeviceCredential(deps.db, deviceId, secret));
  if (credentialId === null) return null;
  if (cached === undefined) deps.cache.set(deviceId, secret, credentialId);
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
): Promise<Outcome> {
  const user =
    username && password?.length
      ? await verifyUserPassword(deps.db, username, password.toString('utf8'))
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
