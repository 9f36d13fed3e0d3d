import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { CidrList, parseAddress } from '../../common/net/cidr';
import { parseIpLiteral, specialPurpose } from './special-addresses';

/**
 * Server-side request forgery guard. Only globally routable unicast addresses may be reached:
 * every block of the IANA special-purpose registries (loopback, private, link-local with the
 * cloud metadata address 169.254.169.254, CGNAT, documentation, benchmarking, unique-local such
 * as fd00:ec2::254, ...), multicast, reserved space and the IPv6 forms that embed an IPv4 address
 * (IPv4-compatible, 6to4, Teredo) are refused unless WEBHOOK_ALLOWED_CIDRS lists them (see
 * special-addresses.ts). An IPv4-mapped or NAT64 (64:ff9b::/96) address is judged as the IPv4
 * address it stands for. The WHATWG URL parser already turns `2130706433` and `0x7f.1` into
 * 127.0.0.1.
 */
export function addressProblem(address: string, allowed: CidrList): string | undefined {
  const parsed = parseIpLiteral(address);
  if (!parsed) return `"${address}" is not an IP address`;
  if (allowed.contains(parsed.toString())) return undefined;
  const special = specialPurpose(parsed);
  if (!special) return undefined;
  if ('phrase' in special) return `${parsed.toString()} is ${special.phrase} address`;
  const embedded = addressProblem(special.nat64.toString(), allowed);
  if (!embedded) return undefined;
  return `${parsed.toString()} (NAT64) embeds ${embedded.replace(' is ', ', ')}`;
}

/** The URL as it will be called, or why it may not be: http(s), no credentials, a host. */
export function urlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use http or https';
  if (url.username || url.password) return 'must not carry credentials';
  if (!url.hostname) return 'must name a host';
  return undefined;
}

/** The host as an IP literal (brackets stripped), or undefined when it is a name. */
export function literalAddress(url: URL): string | undefined {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return parseAddress(host) ? host : undefined;
}

type Resolve = (hostname: string) => Promise<LookupAddress[]>;

const resolveAll: Resolve = (hostname) =>
  new Promise((done, fail) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? fail(error) : done(addresses),
    ),
  );

/**
 * Checks where a URL leads when it is saved: an IP literal directly, a name by resolving it (every
 * address must be allowed). A name that does not resolve yet is accepted: it is checked again
 * on every send.
 */
export async function targetProblem(
  raw: string,
  allowed: CidrList,
  resolve: Resolve = resolveAll,
): Promise<string | undefined> {
  const problem = urlProblem(raw);
  if (problem) return problem;
  const url = new URL(raw);
  const literal = literalAddress(url);
  if (literal) return addressProblem(literal, allowed);
  let addresses: LookupAddress[];
  try {
    addresses = await resolve(url.hostname);
  } catch {
    return undefined;
  }
  for (const { address } of addresses) {
    const refused = addressProblem(address, allowed);
    if (refused) return `resolves to ${refused}`;
  }
  return undefined;
}

export class ForbiddenAddressError extends Error {
  readonly code = 'EWEBHOOKADDRESS';
}

/**
 * A `lookup` for the HTTP client's sockets: resolves, refuses when any address is not allowed,
 * and hands the socket the addresses it checked, so a DNS answer that changes between the check
 * and the connect (rebinding) cannot sneak in.
 */
export function guardedLookup(allowed: CidrList, resolve: Resolve = resolveAll): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const wanted = addresses.filter(
          ({ family }) => !options.family || options.family === family,
        );
        for (const { address } of wanted) {
          const refused = addressProblem(address, allowed);
          if (refused) {
            callback(new ForbiddenAddressError(`${hostname} resolves to ${refused}`), '', 4);
            return;
          }
        }
        if (wanted.length === 0) {
          const error = Object.assign(new Error(`${hostname} has no address`), {
            code: 'ENOTFOUND',
          });
          callback(error, '', 4);
          return;
        }
        if (options.all) {
          (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, wanted);
        } else {
          callback(null, wanted[0].address, wanted[0].family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 4),
    );
  };
}
