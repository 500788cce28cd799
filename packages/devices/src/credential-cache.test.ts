import { expect, it } from 'vitest';
import { CredentialCache } from './credential-cache.ts';

it('remembers a verified secret until it expires, per device', () => {
  let now = 0;
  const cache = new CredentialCache(1_000, 100, () => now);
  cache.set('a', 'secret-a', 'cred-1');
  expect(cache.get('a', 'secret-a')).toBe('cred-1');
  expect(cache.get('a', 'other')).toBeUndefined();
  expect(cache.get('b', 'secret-a')).toBeUndefined();
  now = 1_000;
  expect(cache.get('a', 'secret-a')).toBeUndefined();
});

it('forgets only the revoked device', () => {
  const cache = new CredentialCache(60_000);
  cache.set('a', 's1', 'c1');
  cache.set('a', 's2', 'c2');
  cache.set('b', 's3', 'c3');
  cache.forgetDevice('a');
  expect([cache.get('a', 's1'), cache.get('a', 's2'), cache.get('b', 's3')]).toEqual([
    undefined,
    undefined,
    'c3',
  ]);
});

it('stays bounded: past its size the oldest entry makes room', () => {
  const cache = new CredentialCache(60_000, 3);
  for (const device of ['a', 'b', 'c', 'd']) cache.set(device, 's', device);
  expect(cache.get('a', 's')).toBeUndefined();
  expect(cache.get('d', 's')).toBe('d');
  expect([cache.get('b', 's'), cache.get('c', 's')]).toEqual(['b', 'c']);
});

it('counts a refreshed entry as new: it is not the oldest any more', () => {
  const cache = new CredentialCache(60_000, 2);
  cache.set('a', 's', 'a');
  cache.set('b', 's', 'b');
  cache.set('a', 's', 'a');
  cache.set('c', 's', 'c');
  expect([cache.get('a', 's'), cache.get('b', 's'), cache.get('c', 's')]).toEqual([
    'a',
    undefined,
    'c',
  ]);
});

it('forgets a device without leaving its entries counted', () => {
  const cache = new CredentialCache(60_000, 2);
  cache.set('a', 's1', 'c1');
  cache.set('a', 's2', 'c2');
  cache.forgetDevice('a');
  cache.set('b', 's', 'b');
  cache.set('c', 's', 'c');
  expect([cache.get('b', 's'), cache.get('c', 's')]).toEqual(['b', 'c']);
});
