/**
 * What one device did with each of its readings, by seq: when it was taken, how many times
 * the transport put it on the wire, whether the platform acknowledged it, and how many
 * times a subscriber saw the platform deliver it. The end-of-run check compares this with
 * what the database holds. Seqs start at 1 and increase by one per reading.
 *
 * Typed arrays grown by doubling: a fleet can hold millions of readings, and four small
 * numbers per reading cost far less than an object each.
 */
export class ReadingLedger {
  private ts = new Float64Array(64);
  private sends = new Uint16Array(64);
  private acks = new Uint8Array(64);
  private seen = new Uint16Array(64);
  private issued = 0;
  private ackedCount = 0;

  constructor(readonly deviceId: string) {}

  /** Records a new reading taken at `ts` and returns its seq. */
  take(ts: number): number {
    if (this.issued === this.ts.length) this.grow();
    this.ts[this.issued] = ts;
    this.issued += 1;
    return this.issued;
  }

  /** The number of readings taken (and so the highest seq). */
  get taken(): number {
    return this.issued;
  }

  /** The ts of reading `seq`, or undefined when this run never took it. */
  tsOf(seq: number): number | undefined {
    return this.has(seq) ? this.ts[seq - 1] : undefined;
  }

  /** The transport put reading `seq` on the wire (first time or again). */
  transmitted(seq: number): void {
    if (this.has(seq) && this.transmissionsOf(seq) < 0xffff)
      this.sends[seq - 1] = this.transmissionsOf(seq) + 1;
  }

  /** The platform acknowledged reading `seq` (PUBACK, PUBCOMP or an ack frame). */
  acked(seq: number): void {
    if (!this.has(seq) || this.acks[seq - 1] === 1) return;
    this.acks[seq - 1] = 1;
    this.ackedCount += 1;
  }

  isAcked(seq: number): boolean {
    return this.acks[seq - 1] === 1;
  }

  /** A subscriber saw the platform deliver reading `seq`, matched on its ts too. */
  observed(seq: number, ts: number): void {
    if (this.tsOf(seq) === ts && this.observationsOf(seq) < 0xffff)
      this.seen[seq - 1] = this.observationsOf(seq) + 1;
  }

  transmissionsOf(seq: number): number {
    return this.sends[seq - 1] ?? 0;
  }

  observationsOf(seq: number): number {
    return this.seen[seq - 1] ?? 0;
  }

  get ackedTotal(): number {
    return this.ackedCount;
  }

  /** Readings put on the wire at least once. */
  get sentTotal(): number {
    let sent = 0;
    for (const sends of this.sends.subarray(0, this.issued)) if (sends > 0) sent += 1;
    return sent;
  }

  /** The earliest and latest ts taken, or undefined before the first reading. */
  timeRange(): { from: number; to: number } | undefined {
    if (this.issued === 0) return undefined;
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    for (const ts of this.ts.subarray(0, this.issued)) {
      from = Math.min(from, ts);
      to = Math.max(to, ts);
    }
    return { from, to };
  }

  private has(seq: number): boolean {
    return Number.isInteger(seq) && seq >= 1 && seq <= this.issued;
  }

  private grow(): void {
    const size = this.ts.length * 2;
    const ts = new Float64Array(size);
    ts.set(this.ts);
    const sends = new Uint16Array(size);
    sends.set(this.sends);
    const acks = new Uint8Array(size);
    acks.set(this.acks);
    const seen = new Uint16Array(size);
    seen.set(this.seen);
    this.ts = ts;
    this.sends = sends;
    this.acks = acks;
    this.seen = seen;
  }
}
