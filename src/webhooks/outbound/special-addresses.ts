import { isIPv4, isIPv6 } from 'node:net';
import * as ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** What a special-purpose block is, as a phrase: "127.0.0.1 is <a loopback> address". */
interface Block {
  range: [Address, number];
  phrase: string;
}

function blocks(entries: Array<[string, string]>): Block[] {
  return entries
    .map(([cidr, phrase]) => ({ range: ipaddr.parseCIDR(cidr), phrase }))
    .sort((a, b) => b.range[1] - a.range[1]); // the most specific block names the address
}

/**
 * The IANA IPv4 Special-Purpose Address Registry (2025), whatever each block's "globally
 * reachable" flag says (a webhook has no business with an AS112 sink or an anycast relay
 * either), plus multicast from the IPv4 address space registry.
 */
const IPV4_SPECIAL = blocks([
  ['0.0.0.0/8', 'a this-network'],
  ['0.0.0.0/32', 'an unspecified'],
  ['10.0.0.0/8', 'a private'],
  ['100.64.0.0/10', 'a carrier-grade NAT'],
  ['127.0.0.0/8', 'a loopback'],
  ['169.254.0.0/16', 'a link-local'],
  ['172.16.0.0/12', 'a private'],
  ['192.0.0.0/24', 'an IETF protocol assignment'],
  ['192.0.2.0/24', 'a documentation'],
  ['192.31.196.0/24', 'an AS112'],
  ['192.52.193.0/24', 'an AMT'],
  ['192.88.99.0/24', 'a 6to4 relay anycast'],
  ['192.168.0.0/16', 'a private'],
  ['192.175.48.0/24', 'an AS112'],
  ['198.18.0.0/15', 'a benchmarking'],
  ['198.51.100.0/24', 'a documentation'],
  ['203.0.113.0/24', 'a documentation'],
  ['224.0.0.0/4', 'a multicast'],
  ['240.0.0.0/4', 'a reserved'],
  ['255.255.255.255/32', 'a broadcast'],
]);

/**
 * The IANA IPv6 Special-Purpose Address Registry (2025), the deprecated forms RFC 4291 still
 * names (IPv4-compatible ::/96, site-local fec0::/10) and multicast. IPv4-mapped addresses are
 * read as the IPv4 address they are; the NAT64 well-known prefix 64:ff9b::/96 is judged by the
 * IPv4 address it stands for (DNS64 networks answer with it for every IPv4-only name). Other
 * forms that embed an IPv4 address (6to4, Teredo, local-use NAT64, SIIT) are refused whole.
 */
const IPV6_SPECIAL = blocks([
  ['::/128', 'an unspecified'],
  ['::1/128', 'a loopback'],
  ['::/96', 'an IPv4-compatible (deprecated)'],
  ['::ffff:0:0:0/96', 'an IPv4-translated'],
  ['64:ff9b:1::/48', 'a local-use NAT64'],
  ['100::/64', 'a discard-only'],
  ['100:0:0:1::/64', 'a dummy'],
  ['2001::/23', 'an IETF protocol assignment'],
  ['2001::/32', 'a Teredo'],
  ['2001:2::/48', 'a benchmarking'],
  ['2001:3::/32', 'an AMT'],
  ['2001:4:112::/48', 'an AS112'],
  ['2001:db8::/32', 'a documentation'],
  ['2002::/16', 'a 6to4'],
  ['2620:4f:8000::/48', 'an AS112'],
  ['3fff::/20', 'a documentation'],
  ['5f00::/16', 'an SRv6 SID'],
  ['fc00::/7', 'a unique-local'],
  ['fe80::/10', 'a link-local'],
  ['fec0::/10', 'a site-local (deprecated)'],
  ['ff00::/8', 'a multicast'],
]);

const NAT64 = ipaddr.parseCIDR('64:ff9b::/96');
/** IANA assigns global unicast from here only; the rest of the space is reserved. */
const GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');

/**
 * Parses an IP literal strictly: dotted-decimal IPv4 or IPv6, brackets allowed; IPv4-mapped
 * IPv6 becomes IPv4. ipaddr.js alone reads `::127.0.0.1` (IPv4-compatible, ::7f00:1) as
 * `::ffff:127.0.0.1` (mapped), so the dotted tail is spelled in hex before it parses.
 */
export function parseIpLiteral(address: string): Address | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (isIPv4(bare)) return ipaddr.IPv4.parse(bare);
  if (!isIPv6(bare)) return undefined;
  const hex = bare.replace(
    /(\d+)\.(\d+)\.(\d+)\.(\d+)$/,
    (_match, a: string, b: string, c: string, d: string) =>
      `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`,
  );
  const parsed = ipaddr.IPv6.parse(hex);
  return parsed.isIPv4MappedAddress() ? parsed.toIPv4Address() : parsed;
}

/** What makes an address special, or undefined for a globally routable unicast address. */
export type Special = { phrase: string } | { nat64: ipaddr.IPv4 };

export function specialPurpose(address: Address): Special | undefined {
  if (address.kind() === 'ipv4') return named(address, IPV4_SPECIAL);
  const v6 = address as ipaddr.IPv6;
  if (v6.match(NAT64)) {
    const [, , , , , , high, low] = v6.parts;
    return { nat64: new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]) };
  }
  const block = named(v6, IPV6_SPECIAL);
  if (block) return block;
  if (!v6.match(GLOBAL_UNICAST))
    return { phrase: 'a reserved (outside the global unicast 2000::/3)' };
  return undefined;
}

function named(address: Address, list: Block[]): { phrase: string } | undefined {
  const block = list.find(
    ({ range }) => range[0].kind() === address.kind() && address.match(range as never),
  );
  return block ? { phrase: block.phrase } : undefined;
}
