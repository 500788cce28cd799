import { describe, expect, it } from 'vitest';
import { createAddressPolicy, urlRefusal } from './address-policy.ts';

describe('webhook address policy', () => {
  const strict = createAddressPolicy({ allowPrivate: false, allowLoopback: false });
  const open = createAddressPolicy({ allowPrivate: true, allowLoopback: true });

  it('never reaches link-local or metadata addresses, even when private and loopback are allowed', () => {
    for (const address of [
      '169.254.169.254',
      'fe80::1',
      'fd00:ec2::254',
      '::ffff:169.254.169.254',
      '0.0.0.0',
    ])
      expect(open.refusal(address)).toMatch(/link-local|metadata/);
  });

  it('refuses private and loopback addresses unless configured', () => {
    for (const address of ['10.1.2.3', '172.20.0.1', '192.168.1.1', 'fd12::1', '::ffff:10.0.0.1'])
      expect(strict.refusal(address)).toMatch(/private/);
    for (const address of ['127.0.0.1', '::1']) expect(strict.refusal(address)).toMatch(/loopback/);
    expect(open.refusal('10.1.2.3')).toBeUndefined();
    expect(open.refusal('127.0.0.1')).toBeUndefined();
    expect(strict.refusal('93.184.216.34')).toBeUndefined();
  });

  it('checks a URL’s scheme and literal address', () => {
    expect(urlRefusal('ftp://example.com/', strict)).toMatch(/http/);
    expect(urlRefusal('http://[::1]:8080/hook', strict)).toMatch(/loopback/);
    expect(urlRefusal('http://user:pw@example.com/', strict)).toMatch(/credentials/);
    expect(urlRefusal('https://hooks.example.com/x', strict)).toBeUndefined();
  });
});
