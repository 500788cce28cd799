import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accountDevice, accountGroups, accountTotal, type StoredKey } from './accounting.ts';
import { ReadingLedger } from './ledger.ts';

const t0 = 1_750_000_000_000;

function ledgerWith(readings: number): ReadingLedger {
  const ledger = new ReadingLedger('dev-1');
  for (let i = 0; i < readings; i++) ledger.take(t0 + i * 10);
  return ledger;
}

describe('ReadingLedger', () => {
  it('numbers readings from 1 and grows past its first capacity', () => {
    const ledger = ledgerWith(1000);
    expect(ledger.taken).toBe(1000);
    expect(ledger.tsOf(1)).toBe(t0);
    expect(ledger.tsOf(1000)).toBe(t0 + 9990);
    expect(ledger.tsOf(1001)).toBeUndefined();
    expect(ledger.timeRange()).toEqual({ from: t0, to: t0 + 9990 });
  });

  it('counts an ack once and ignores readings it never took', () => {
    const ledger = ledgerWith(3);
    ledger.acked(2);
    ledger.acked(2);
    ledger.acked(99);
    expect(ledger.ackedTotal).toBe(1);
  });

  it('only counts observations whose ts matches the reading', () => {
    const ledger = ledgerWith(2);
    ledger.observed(1, t0);
    ledger.observed(1, t0 + 1);
    expect(ledger.observationsOf(1)).toBe(1);
  });
});

describe('accountDevice', () => {
  it('sorts every reading into stored, lost, resent and duplicated', () => {
    const ledger = ledgerWith(6);
    for (let seq = 1; seq <= 5; seq++) ledger.transmitted(seq);
    ledger.transmitted(3); // resent after a reconnect
    for (const seq of [1, 2, 3, 4]) ledger.acked(seq);
    ledger.observed(3, t0 + 20);
    ledger.observed(3, t0 + 20); // the platform delivered it twice
    const stored: StoredKey[] = [
      { seq: 1, ts: t0 },
      { seq: 2, ts: t0 + 10 },
      { seq: 3, ts: t0 + 20 },
      { seq: 5, ts: t0 + 40 },
      { seq: 7, ts: t0 + 60 }, // not ours
      { seq: 4, ts: t0 + 999 }, // seq 4 but not its ts
    ];
    const account = accountDevice(ledger, { protocol: 'mqtt', qos: 1 }, stored, true);
    expect(account).toMatchObject({
      sent: 6,
      acked: 4,
      stored: 4,
      lost: 2,
      lostAcked: 1,
      notTransmitted: 1,
      resent: 1,
      duplicated: 1,
      unexpected: 2,
    });
  });

  it('leaves duplicated null when no subscriber watched', () => {
    const account = accountDevice(ledgerWith(1), { protocol: 'ws', qos: null }, [], false);
    expect(account.duplicated).toBeNull();
  });

  it('always balances: stored + lost = sent, lostAcked <= min(lost, acked)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ acked: fc.boolean(), stored: fc.boolean(), sends: fc.nat(3) }), {
          maxLength: 200,
        }),
        fc.nat(5),
        (readings, strangers) => {
          const ledger = ledgerWith(readings.length);
          const stored: StoredKey[] = [];
          readings.forEach((reading, i) => {
            const seq = i + 1;
            for (let s = 0; s < reading.sends; s++) ledger.transmitted(seq);
            if (reading.acked) ledger.acked(seq);
            if (reading.stored) stored.push({ seq, ts: ledger.tsOf(seq)! });
          });
          for (let i = 0; i < strangers; i++) stored.push({ seq: 10_000 + i, ts: t0 });
          const account = accountDevice(ledger, { protocol: 'mqtt', qos: 2 }, stored, false);
          expect(account.stored + account.lost).toBe(account.sent);
          expect(account.lostAcked).toBeLessThanOrEqual(Math.min(account.lost, account.acked));
          expect(account.unexpected).toBe(strangers);
          expect(account.stored).toBe(readings.filter((r) => r.stored).length);
        },
      ),
    );
  });
});

describe('accountGroups', () => {
  it('sums devices per protocol and QoS, in a stable order, and totals them', () => {
    const mqtt = accountDevice(ledgerWith(3), { protocol: 'mqtt', qos: 1 }, [], true);
    const mqtt0 = accountDevice(ledgerWith(2), { protocol: 'mqtt', qos: 0 }, [], true);
    const ws = accountDevice(ledgerWith(4), { protocol: 'ws', qos: null }, [], true);
    const groups = accountGroups([ws, mqtt, mqtt0, mqtt]);
    expect(groups.map((g) => [g.mode.protocol, g.mode.qos, g.devices, g.sent])).toEqual([
      ['mqtt', 0, 1, 2],
      ['mqtt', 1, 2, 6],
      ['ws', null, 1, 4],
    ]);
    expect(accountTotal(groups)).toMatchObject({ sent: 12, lost: 12, duplicated: 0 });
  });
});
