import type { Database } from '@twinwire/db/client';
import { connectedDeviceClients, type DeviceMqttConnection } from '@twinwire/db/client-queries';
import { deviceCredentials, devices } from '@twinwire/db/schema';
import { isValidDeviceId } from '@twinwire/schemas/topics';
import { and, arrayContains, asc, eq, gt, ilike, or, type SQL } from 'drizzle-orm';
import type { Static } from 'typebox';
import { Conflict, NotFound } from '../errors.ts';
import type {
  DeviceConnection as DeviceConnectionSchema,
  DeviceView as DeviceViewSchema,
} from '@twinwire/schemas/rest/devices';

type DeviceRow = typeof devices.$inferSelect;
export type DeviceView = Static<typeof DeviceViewSchema>;
type DeviceConnection = Static<typeof DeviceConnectionSchema>;

const listeners = new Set(['mqtt', 'mqtt-tls', 'mqtt-ws'] as const);
type Listener = typeof listeners extends Set<infer T> ? T : never;
const isListener = (value: string): value is Listener => listeners.has(value as Listener);

/**
 * A connected MQTT client of the device (the brokers' registry) wins; otherwise a device
 * online by its last protocol `websocket` is on an API instance's device socket.
 */
function connectionOf(row: DeviceRow, mqtt: DeviceMqttConnection | undefined): DeviceConnection {
  if (mqtt)
    return {
      transport: 'mqtt',
      protocolVersion: mqtt.protocolVersion,
      listener: isListener(mqtt.protocol) ? mqtt.protocol : null,
    };
  if (row.online && row.lastProtocol === 'websocket')
    return { transport: 'websocket', protocolVersion: null, listener: null };
  return null;
}

/** The API view of device rows, each with its current connection. */
async function deviceViews(db: Database, rows: DeviceRow[]): Promise<DeviceView[]> {
  const connections = await connectedDeviceClients(
    db,
    rows.map((row) => row.id),
  );
  return rows.map((row) => deviceView(row, connections.get(row.id)));
}

/** One device's API view, with its current connection. */
async function oneDeviceView(db: Database, row: DeviceRow): Promise<DeviceView> {
  const [view] = await deviceViews(db, [row]);
  return view ?? deviceView(row, undefined);
}

function deviceView(row: DeviceRow, mqtt: DeviceMqttConnection | undefined): DeviceView {
  return {
    id: row.id,
    name: row.name,
    metadata: row.metadata,
    online: row.online,
    lastProtocol: row.lastProtocol,
    lastSeenAt: row.lastSeenAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    tags: row.tags,
    connection: connectionOf(row, mqtt),
  };
}

/** The cursor is the last id of a page, base64url-encoded so clients treat it as opaque. */
function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

/** The id a cursor stands for, or null when it is not one we issued. */
export function decodeCursor(cursor: string): string | null {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  return isValidDeviceId(id) && encodeCursor(id) === cursor ? id : null;
}

/** `text` as a LIKE pattern matching itself literally (backslash is PostgreSQL's escape). */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

export interface DeviceFilter {
  limit: number;
  /** Only ids after this one (the previous page's last). */
  after?: string;
  q?: string;
  online?: boolean;
  /** Devices carrying every one of these tags (the GIN index on tags serves it). */
  tags?: string[];
}

export interface DevicePage {
  items: DeviceView[];
  nextCursor: string | null;
  hasMore: boolean;
}

/** Keyset paging by id: stable under inserts and deletes, no OFFSET scans. */
export async function listDevices(db: Database, filter: DeviceFilter): Promise<DevicePage> {
  const conditions: SQL[] = [];
  if (filter.after !== undefined) conditions.push(gt(devices.id, filter.after));
  if (filter.online !== undefined) conditions.push(eq(devices.online, filter.online));
  if (filter.tags !== undefined) conditions.push(arrayContains(devices.tags, filter.tags));
  if (filter.q !== undefined) {
    const pattern = `%${likeLiteral(filter.q)}%`;
    const matches = or(ilike(devices.id, pattern), ilike(devices.name, pattern));
    if (matches) conditions.push(matches);
  }
  const rows = await db
    .select()
    .from(devices)
    .where(and(...conditions))
    .orderBy(asc(devices.id))
    .limit(filter.limit + 1);
  const hasMore = rows.length > filter.limit;
  const page = hasMore ? rows.slice(0, filter.limit) : rows;
  const last = page.at(-1);
  return {
    items: await deviceViews(db, page),
    nextCursor: hasMore && last ? encodeCursor(last.id) : null,
    hasMore,
  };
}

/** The PostgreSQL SQLSTATE behind an error, looking through drizzle's wrapper. */
export function sqlState(error: unknown): string | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** Throws TWW_NOT_FOUND unless device `id` exists: routes under /devices/:id start here. */
export async function requireDevice(db: Database, id: string): Promise<void> {
  const [row] = await db
    .select({ id: devices.id })
    .from(devices)
    .where(eq(devices.id, id))
    .limit(1);
  if (!row) throw new NotFound(`device '${id}'`);
}

/** Registers a device; TWW_CONFLICT when the id is taken. */
export async function createDevice(
  db: Database,
  device: { id: string; name: string; metadata?: Record<string, unknown>; tags?: string[] },
): Promise<DeviceView> {
  const { id, name, metadata, tags } = device;
  const [row] = await db
    .insert(devices)
    .values({ id, name, metadata: metadata ?? {}, tags: tags ?? [] })
    .onConflictDoNothing({ target: devices.id })
    .returning();
  if (!row) throw new Conflict(`device '${id}' already exists; choose another id`);
  return oneDeviceView(db, row);
}

/** Device `id` as the API shows it; TWW_NOT_FOUND when there is none. */
export async function readDevice(db: Database, id: string): Promise<DeviceView> {
  const [row] = await db.select().from(devices).where(eq(devices.id, id));
  if (!row) throw new NotFound(`device '${id}'`);
  return oneDeviceView(db, row);
}

/** Renames device `id` or replaces its metadata or tags; TWW_NOT_FOUND when there is none. */
export async function updateDevice(
  db: Database,
  id: string,
  changes: { name?: string; metadata?: Record<string, unknown>; tags?: string[] },
): Promise<DeviceView> {
  const { name, metadata, tags } = changes;
  const [row] = await db
    .update(devices)
    .set({
      ...(name === undefined ? {} : { name }),
      ...(metadata === undefined ? {} : { metadata }),
      ...(tags === undefined ? {} : { tags }),
      updatedAt: new Date(),
    })
    .where(eq(devices.id, id))
    .returning();
  if (!row) throw new NotFound(`device '${id}'`);
  return oneDeviceView(db, row);
}

/** When credential `id` was issued (now, if it has just gone). */
export async function credentialIssuedAt(db: Database, id: string): Promise<Date> {
  const [row] = await db
    .select({ createdAt: deviceCredentials.createdAt })
    .from(deviceCredentials)
    .where(eq(deviceCredentials.id, id));
  return row?.createdAt ?? new Date();
}

/** Device `id`'s credentials, oldest first, revoked ones included; never their secrets. */
export async function listCredentials(db: Database, deviceId: string) {
  const rows = await db
    .select({
      id: deviceCredentials.id,
      createdAt: deviceCredentials.createdAt,
      revokedAt: deviceCredentials.revokedAt,
    })
    .from(deviceCredentials)
    .where(eq(deviceCredentials.deviceId, deviceId))
    .orderBy(asc(deviceCredentials.createdAt), asc(deviceCredentials.id));
  return rows.map((row) => ({
    id: row.id,
    createdAt: row.createdAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
  }));
}

/** Whether credential `credentialId` is one of device `deviceId`'s. */
export async function isCredentialOf(
  db: Database,
  deviceId: string,
  credentialId: string,
): Promise<boolean> {
  const [row] = await db
    .select({ id: deviceCredentials.id })
    .from(deviceCredentials)
    .where(and(eq(deviceCredentials.id, credentialId), eq(deviceCredentials.deviceId, deviceId)));
  return row !== undefined;
}
