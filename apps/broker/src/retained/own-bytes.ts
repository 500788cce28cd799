/**
 * A retained message is kept for as long as its topic has one, so its payload must hold only
 * its own bytes. A payload parsed off a socket is a view into the whole chunk the socket read
 * (up to 64 KiB), and a small `Buffer.from(...)` is a view into Node's shared 8 KiB pool: kept
 * as is, every retained message pins a block many times its size. The heap snapshots of the
 * idle-connections benchmark showed it: each device's retained status message held on to
 * 4.2 KiB of buffer memory, a fifth of what a connected device cost.
 */
interface RetainedStore {
  storeRetained(packet: { payload: Buffer }): Promise<void>;
}

/** Makes the store keep a copy of each retained payload that is a view into a larger block. */
export function keepOwnBytes(store: RetainedStore): void {
  const storeRetained = store.storeRetained.bind(store);
  store.storeRetained = (packet) => {
    const payload = packet.payload;
    if (payload.length > 0 && payload.buffer.byteLength !== payload.length) {
      // allocUnsafeSlow: memory of its own; allocUnsafe would take a slice of the pool again.
      const own = Buffer.allocUnsafeSlow(payload.length);
      payload.copy(own);
      packet.payload = own;
    }
    return storeRetained(packet);
  };
}
