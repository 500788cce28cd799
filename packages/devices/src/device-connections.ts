/**
 * A device's connections and the credential each authenticated with (undefined: a client
 * certificate, no credential). What revocation checks, and what presence counts: a device is
 * online from its first connection to its last.
 */
export interface DeviceConnectionIndex<Connection> {
  /** Devices with at least one connection here. */
  deviceIds(): string[];
  /** The device's connections here, each with its credential. */
  connectionsOf(deviceId: string): Iterable<readonly [Connection, string | undefined]>;
}

/** The index for a transport that has none of its own (the API's device socket). */
export class DeviceConnections<Connection> implements DeviceConnectionIndex<Connection> {
  readonly #byDevice = new Map<string, Map<Connection, string | undefined>>();

  /** Adds a connection; true when it is the device's first. */
  add(deviceId: string, connection: Connection, credentialId: string | undefined): boolean {
    const connections = this.#byDevice.get(deviceId) ?? new Map<Connection, string | undefined>();
    connections.set(connection, credentialId);
    this.#byDevice.set(deviceId, connections);
    return connections.size === 1;
  }

  /** Removes a connection; true when it was the device's last. */
  remove(deviceId: string, connection: Connection): boolean {
    const connections = this.#byDevice.get(deviceId);
    if (!connections?.delete(connection)) return false;
    if (connections.size > 0) return false;
    this.#byDevice.delete(deviceId);
    return true;
  }

  deviceIds(): string[] {
    return [...this.#byDevice.keys()];
  }

  connectionsOf(deviceId: string): Iterable<readonly [Connection, string | undefined]> {
    return this.#byDevice.get(deviceId) ?? [];
  }
}
