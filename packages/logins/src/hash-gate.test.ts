import { describe, expect, it } from 'vitest';
import { createHashGate, HashAbandonedError, HashGateBusyError } from './hash-gate.ts';

/** A hash that finishes when the test says so. */
function pendingHash() {
  let finish!: (value: string) => void;
  const started = { value: false };
  const hash = () => {
    started.value = true;
    return new Promise<string>((resolve) => {
      finish = resolve;
    });
  };
  return {
    hash,
    started,
    finish: (value: string) => {
      finish(value);
    },
  };
}

describe('hash gate', () => {
  it('runs at most `concurrency` hashes and starts a waiting one when a slot frees', async () => {
    const gate = createHashGate({ concurrency: 2, maxQueued: 5 });
    const [a, b, c] = [pendingHash(), pendingHash(), pendingHash()];
    const results = [gate.run(a.hash), gate.run(b.hash), gate.run(c.hash)];
    expect([a.started.value, b.started.value, c.started.value]).toEqual([true, true, false]);
    expect(gate.load()).toEqual({ running: 2, queued: 1 });
    a.finish('a');
    await expect(results[0]).resolves.toBe('a');
    expect(c.started.value).toBe(true);
    b.finish('b');
    c.finish('c');
    await expect(Promise.all(results)).resolves.toEqual(['a', 'b', 'c']);
    expect(gate.counts()).toEqual({ hashed: 3, refusedBusy: 0, abandoned: 0 });
    expect(gate.load()).toEqual({ running: 0, queued: 0 });
  });

  it('refuses as busy, without hashing, when the waiting list is full', async () => {
    const gate = createHashGate({ concurrency: 1, maxQueued: 1 });
    const [a, b, c] = [pendingHash(), pendingHash(), pendingHash()];
    const first = gate.run(a.hash);
    const second = gate.run(b.hash);
    await expect(gate.run(c.hash)).rejects.toBeInstanceOf(HashGateBusyError);
    expect(c.started.value).toBe(false);
    expect(gate.counts().refusedBusy).toBe(1);
    a.finish('a');
    await first;
    b.finish('b');
    await second;
  });

  it('drops a waiting hash whose client went away before computing it, freeing its place', async () => {
    const gate = createHashGate({ concurrency: 1, maxQueued: 1 });
    const [a, gone, next] = [pendingHash(), pendingHash(), pendingHash()];
    const first = gate.run(a.hash);
    const client = new AbortController();
    const abandoned = gate.run(gone.hash, { signal: client.signal });
    client.abort();
    await expect(abandoned).rejects.toBeInstanceOf(HashAbandonedError);
    // Its place in the queue is free again.
    const queued = gate.run(next.hash);
    a.finish('a');
    await first;
    expect(gone.started.value).toBe(false);
    expect(next.started.value).toBe(true);
    next.finish('next');
    await expect(queued).resolves.toBe('next');
    expect(gate.counts()).toEqual({ hashed: 2, refusedBusy: 0, abandoned: 1 });
    await expect(gate.run(gone.hash, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      HashAbandonedError,
    );
  });

  it('lets clean logins wait ahead of suspect ones, and take a suspect one’s place when full', async () => {
    const gate = createHashGate({ concurrency: 1, maxQueued: 2 });
    const [a, s1, s2, c1, c2] = [
      pendingHash(),
      pendingHash(),
      pendingHash(),
      pendingHash(),
      pendingHash(),
    ];
    const first = gate.run(a.hash);
    const suspect1 = gate.run(s1.hash, { suspect: true });
    const suspect2 = gate.run(s2.hash, { suspect: true });
    // Full: a suspect login is refused, a clean one evicts the newest suspect.
    await expect(gate.run(pendingHash().hash, { suspect: true })).rejects.toBeInstanceOf(
      HashGateBusyError,
    );
    const clean1 = gate.run(c1.hash);
    await expect(suspect2).rejects.toBeInstanceOf(HashGateBusyError);
    const clean2 = gate.run(c2.hash);
    await expect(suspect1).rejects.toBeInstanceOf(HashGateBusyError);
    // Full of clean logins: nothing left to evict.
    await expect(gate.run(pendingHash().hash)).rejects.toBeInstanceOf(HashGateBusyError);
    expect(gate.counts().refusedBusy).toBe(4);

    const late = pendingHash();
    a.finish('a');
    await first;
    expect(c1.started.value).toBe(true);
    c1.finish('c1');
    await clean1;
    expect(c2.started.value).toBe(true);
    const lateSuspect = gate.run(late.hash, { suspect: true });
    c2.finish('c2');
    await clean2;
    expect([s1.started.value, s2.started.value, late.started.value]).toEqual([false, false, true]);
    late.finish('late');
    await expect(lateSuspect).resolves.toBe('late');
  });

  it('frees the slot of a hash that fails', async () => {
    const gate = createHashGate({ concurrency: 1, maxQueued: 0 });
    await expect(gate.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(gate.run(() => Promise.resolve('ok'))).resolves.toBe('ok');
  });
});
