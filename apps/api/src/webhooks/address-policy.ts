import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Which addresses webhook requests may reach (the SSRF guard). */
export interface AddressPolicy {
  /** Why the address is refused, or undefined when it may be reached. */
  refusal(address: string): string | undefined;
}

function blockList(ranges: readonly (readonly [string, number, 'ipv4' | 'ipv6'])[]): BlockList {
  const list = new BlockList();
  for (const [network, prefix, family] of ranges) list.addSubnet(network, prefix, family);
  return list;
}

// Never reachable, whatever the configuration: link-local (169.254.169.254 and the other
// cloud metadata services live there), "this network", multicast, broadcast, and the cloud
// metadata addresses outside link-local.
const ALWAYS = blockList([
  ['0.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['100.100.100.200', 32, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
  ['fd00:ec2::254', 128, 'ipv6'],
]);
const PRIVATE = blockList([
  ['10.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['fc00::', 7, 'ipv6'],
]);
const LOOPBACK = blockList([
  ['127.0.0.0', 8, 'ipv4'],
  ['::1', 128, 'ipv6'],
]);

/** `::ffff:10.0.0.1` is 10.0.0.1: an IPv4-mapped address is judged as the IPv4 one. */
function unmapped(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return { address: mapped[1], family: 'ipv4' };
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

export function createAddressPolicy(options: {
  allowPrivate: boolean;
  allowLoopback: boolean;
}): AddressPolicy {
  return {
    refusal(raw) {
      const { address, family } = unmapped(raw);
      if (ALWAYS.check(address, family))
        return `${raw} is a link-local, metadata, multicast or unspecified address`;
      if (!options.allowPrivate && PRIVATE.check(address, family))
        return `${raw} is a private address (WEBHOOK_ALLOW_PRIVATE)`;
      if (!options.allowLoopback && LOOPBACK.check(address, family))
        return `${raw} is a loopback address (WEBHOOK_ALLOW_LOOPBACK)`;
      return undefined;
    },
  };
}

class AddressRefused extends Error {
  readonly code = 'TWW_WEBHOOK_ADDRESS_REFUSED';
}

/** Why a destination URL is refused before any request: scheme, or a refused literal address. */
export function urlRefusal(url: string, policy: AddressPolicy): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must be http or https';
  if (parsed.username || parsed.password) return 'must not carry credentials';
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  return isIP(host) ? policy.refusal(host) : undefined;
}

/**
 * A DNS lookup for http.request that refuses a name resolving to a refused address, checked
 * on every connection (a name that later resolves elsewhere, DNS rebinding, is caught too).
 */
export function guardedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      const refused = addresses
        .map((entry) => policy.refusal(entry.address))
        .find((reason) => reason !== undefined);
      if (refused || addresses.length === 0) {
        callback(new AddressRefused(`${hostname}: ${refused ?? 'no address'}`), '', 0);
        return;
      }
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0]?.address ?? '', addresses[0]?.family ?? 4);
    });
  };
}
