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
import type { Session, SessionRegistry } from '../sessions.ts';
import type { CredentialCache } from './credential-cache.ts';

export interface AuthenticatorDeps {
  db: Database;
  acl: () => Acl;
  sessions: SessionRegistry;
  cache: CredentialCache;
  connectPackets: WeakMap<Client, ConnectPacket>;
  connectionOf: (client: Client) => ConnectionInfo;
  serviceSecret: string | undefined;
  allowAnonymous: boolean;
  /** Fail closed when the database answers slower than this. */
  timeoutMs: number;
  metrics: BrokerMetrics;
  log: Logger;
}

// CONNACK return codes of MQTT 3.1.1 [MQTT-3.2.2-5] (aedes types them as an ambient const enum).
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

const SERVICE_PREFIX = 'service/';
const USER_PREFIX = 'user/';

/**
 * aedes' `authenticate` hook. The client id's namespace says who may use it: a device
 * connects with its own id as client id and username; the API as `service/…`; users as
 * `user/…`. Device ids cannot contain `/`, so no other principal can take over a device's
 * session (aedes would otherwise disconnect the rightful client on a duplicate id).
 */
export function createAuthenticator(deps: AuthenticatorDeps) {
  return (
    client: Client,
    username: Readonly<string | undefined>,
    password: Readonly<Buffer | undefined>,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void => {
    void withTimeout(resolve(deps, client, username, password), deps.timeoutMs)
      .catch((error: unknown) => {
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
        const will = deps.connectPackets.get(client)?.will;
        if (will && !deps.acl().authorizePublish(outcome.principal, will.topic)) {
          deps.metrics.authFailures.inc({ reason: 'will_denied' });
          deps.log.info(
            { clientId: client.id, topic: will.topic },
            'connection refused: will topic denied',
          );
          done(
            Object.assign(new Error('will topic denied'), { returnCode: CONNACK.NOT_AUTHORIZED }),
            false,
          );
          return;
        }
        deps.sessions.set(client, { ...outcome, protocol: deps.connectionOf(client).protocol });
        done(null, true);
      });
  };
}

async function resolve(
  deps: AuthenticatorDeps,
  client: Client,
  username: string | undefined,
  password: Buffer | undefined,
): Promise<Outcome> {
  const clientId = client.id;
  if (
    username === undefined &&
    password === undefined &&
    !verifiedCertificateName(deps.connectionOf(client))
  ) {
    if (!deps.allowAnonymous) return { refuse: CONNACK.NOT_AUTHORIZED, reason: 'anonymous' };
    // Anonymous clients live in the users' namespace, so they can never take a device's session.
    return clientId.startsWith(USER_PREFIX)
      ? { principal: { kind: 'user', id: 'anonymous', username: 'anonymous', role: 'viewer' } }
      : { refuse: CONNACK.IDENTIFIER_REJECTED, reason: 'anonymous_client_id' };
  }
  if (clientId.startsWith(SERVICE_PREFIX)) return resolveService(deps, username, password);
  if (clientId.startsWith(USER_PREFIX)) return resolveUser(deps, username, password);

  const certificateDevice = verifiedCertificateName(deps.connectionOf(client));
  if (certificateDevice !== undefined) {
    if (certificateDevice !== clientId)
      return { refuse: CONNACK.NOT_AUTHORIZED, reason: 'certificate_client_id_mismatch' };
    const [device] = await deps.db
      .select({ id: devices.id })
      .from(devices)
      .where(eq(devices.id, clientId));
    return device
      ? { principal: devicePrincipal(clientId) }
      : { refuse: CONNACK.NOT_AUTHORIZED, reason: 'unknown_device' };
  }

  if (!isValidDeviceId(clientId))
    return { refuse: CONNACK.IDENTIFIER_REJECTED, reason: 'invalid_client_id' };
  // [MQTT-3.1.3-8] a client id the server rejects gets CONNACK 2; one that belongs to another
  // device is not the caller's to use: CONNACK 5, and the rightful connection stays.
  if (username !== clientId)
    return { refuse: CONNACK.NOT_AUTHORIZED, reason: 'client_id_not_owned' };
  if (!password?.length)
    return { refuse: CONNACK.BAD_USERNAME_OR_PASSWORD, reason: 'bad_credentials' };

  const secret = password.toString('utf8');
  const cached = deps.cache.get(clientId, secret);
  const credentialId = cached ?? (await verifyDeviceCredential(deps.db, clientId, secret));
  if (credentialId === null)
    return { refuse: CONNACK.BAD_USERNAME_OR_PASSWORD, reason: 'bad_credentials' };
  if (cached === undefined) deps.cache.set(clientId, secret, credentialId);
  return { principal: devicePrincipal(clientId), credentialId };
}

function resolveService(
  deps: AuthenticatorDeps,
  username: string | undefined,
  password: Buffer | undefined,
): Outcome {
  const expected = deps.serviceSecret === undefined ? undefined : Buffer.from(deps.serviceSecret);
  const ok =
    username === 'service' &&
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
