import * as ipaddr from 'ipaddr.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** A parsed list of CIDR ranges; `contains` normalises IPv4-mapped IPv6 before matching. */
export class CidrList {
  constructor(
    private readonly ranges: Range[],
    readonly source: string[],
  ) {}

  get isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  contains(address: string | undefined): boolean {
    const parsed = parseAddress(address);
    if (!parsed) return false;
    return this.ranges.some(
      ([range, bits]) => range.kind() === parsed.kind() && parsed.match([range, bits] as never),
    );
  }
}

/** Parses an address, unwrapping `::ffff:a.b.c.d` to IPv4; undefined when it is not an IP. */
export function parseAddress(address: string | undefined): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (!address) return undefined;
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (!ipaddr.isValid(bare)) return undefined;
  const parsed = ipaddr.parse(bare);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed;
}

/** Normalised text form of an address (IPv4-mapped IPv6 becomes dotted IPv4). */
export function normaliseAddress(address: string | undefined): string | undefined {
  // Called for every request: plain IPv4 and its mapped form skip the parser.
  if (address && DOTTED_IPV4.test(address)) return address;
  if (address?.startsWith('::ffff:') && DOTTED_IPV4.test(address.slice(7))) return address.slice(7);
  return parseAddress(address)?.toString() ?? address;
}

const DOTTED_IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Accepts `10.0.0.0/8`, `2001:db8::/32` and bare addresses; throws naming the bad entry. */
export function parseCidrList(entries: string[]): CidrList {
  const ranges = entries.map((entry): Range => {
    try {
      if (entry.includes('/')) {
        if (!isStrictAddress(entry.slice(0, entry.indexOf('/')))) throw new Error('bad address');
        const [range, bits] = ipaddr.parseCIDR(entry);
        return unmapRange(range, bits);
      }
      if (!ipaddr.isValid(entry) || !isStrictAddress(entry)) throw new Error('bad address');
      const address = ipaddr.parse(entry);
      return unmapRange(address, address.kind() === 'ipv4' ? 32 : 128);
    } catch {
      throw new Error(`"${entry}" is not a CIDR range or IP address`);
    }
  });
  return new CidrList(ranges, entries);
}

function unmapRange(range: ipaddr.IPv4 | ipaddr.IPv6, bits: number): Range {
  if (range.kind() === 'ipv6' && (range as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return [(range as ipaddr.IPv6).toIPv4Address(), bits - 96];
  }
  return [range, bits];
}

/** ipaddr.js also accepts `0x7f.1` and `2130706433`; a configured range must be spelled plainly. */
function isStrictAddress(entry: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(entry) || ipaddr.IPv6.isValid(entry);
}
