import type { LookupAddress } from 'node:dns';
import { parseCidrList } from '../../common/net/cidr';
import { addressProblem, guardedLookup, targetProblem } from './ssrf';

const none = parseCidrList([]);

describe('SSRF guard', () => {
  it.each([
    'http://127.0.0.1/',
    'http://127.1/',
    'http://2130706433/',
    'http://0x7f.1/',
    'http://017700000001/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://10.0.0.1/',
    'http://172.16.3.4/',
    'http://192.168.1.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/',
    'http://100.64.0.1/',
    'http://224.0.0.1/',
    'http://0.0.0.0/',
    'http://[::]/',
    'http://255.255.255.255/',
    'http://[fe80::1]/',
    'http://[fc00::1]/',
    'http://[64:ff9b::7f00:1]/',
    'http://[2002:7f00:1::]/',
  ])('refuses %s', async (url) => {
    await expect(targetProblem(url, none)).resolves.toMatch(/address/);
  });

  // Every block of the IANA IPv4 and IPv6 Special-Purpose Address Registries (and multicast,
  // and IPv6 outside the global unicast 2000::/3), at its edges where a neighbour is public.
  it.each([
    ['0.1.2.3', /this-network/],
    ['10.255.255.255', /private/],
    ['100.64.0.0', /carrier-grade NAT/],
    ['100.127.255.255', /carrier-grade NAT/],
    ['127.255.255.254', /loopback/],
    ['169.254.0.1', /link-local/],
    ['172.31.255.255', /private/],
    ['192.0.0.9', /IETF protocol/],
    ['192.0.0.170', /IETF protocol/],
    ['192.0.2.1', /documentation/],
    ['192.31.196.1', /AS112/],
    ['192.52.193.1', /AMT/],
    ['192.88.99.1', /6to4 relay/],
    ['192.175.48.1', /AS112/],
    ['198.18.0.1', /benchmarking/],
    ['198.19.255.255', /benchmarking/],
    ['198.51.100.7', /documentation/],
    ['203.0.113.9', /documentation/],
    ['239.255.255.250', /multicast/],
    ['240.0.0.1', /reserved/],
    ['255.255.255.254', /reserved/],
    ['255.255.255.255', /broadcast/],
    ['::', /unspecified/],
    ['::1', /loopback/],
    ['::127.0.0.1', /IPv4-compatible/],
    ['::8.8.8.8', /IPv4-compatible/],
    ['::ffff:0:7f00:1', /IPv4-translated/],
    ['64:ff9b:1::808:808', /local-use NAT64/],
    ['100::1', /discard-only/],
    ['100:0:0:1::1', /dummy/],
    ['2001::1', /Teredo/],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', /Teredo/],
    ['2001:1::1', /IETF protocol/],
    ['2001:2::1', /benchmarking/],
    ['2001:3::1', /AMT/],
    ['2001:4:112::1', /AS112/],
    ['2001:10::1', /IETF protocol/],
    ['2001:1ff:ffff::1', /IETF protocol/],
    ['2001:db8::1', /documentation/],
    ['2002:7f00:1::1', /6to4/],
    ['2002:808:808::1', /6to4/],
    ['2620:4f:8000::1', /AS112/],
    ['3fff::1', /documentation/],
    ['5f00::1', /SRv6/],
    ['fc00::1', /unique-local/],
    ['fdff:ffff::1', /unique-local/],
    ['fe80::1', /link-local/],
    ['febf::1', /link-local/],
    ['fec0::1', /site-local/],
    ['ff02::1', /multicast/],
    ['ff0e::1', /multicast/],
    ['1::1', /outside the global unicast/],
    ['4000::1', /outside the global unicast/],
    ['e000::1', /outside the global unicast/],
  ])('refuses %s, a special-purpose address', (address, kind) => {
    expect(addressProblem(address, none)).toMatch(kind);
  });

  it.each([
    ['http://[::127.0.0.1]/', /IPv4-compatible/],
    ['http://[::7f00:1]/', /IPv4-compatible/],
    ['http://[::169.254.169.254]/', /IPv4-compatible/],
    ['http://[64:ff9b::127.0.0.1]/', /embeds 127\.0\.0\.1, a loopback/],
    ['http://[64:ff9b::10.0.0.1]/', /embeds 10\.0\.0\.1, a private/],
    ['http://[64:ff9b::a9fe:a9fe]/', /embeds 169\.254\.169\.254, a link-local/],
    ['http://[2002:a9fe:a9fe::]/', /6to4/],
  ])('refuses %s, an IPv6 form of a forbidden IPv4 address', async (url, kind) => {
    await expect(targetProblem(url, none)).resolves.toMatch(kind);
  });

  it('IPv6 forms do not borrow an IPv4 allowance, except NAT64 which stands for its address', () => {
    const local = parseCidrList(['127.0.0.0/8']);
    expect(addressProblem('::127.0.0.1', local)).toMatch(/IPv4-compatible/);
    expect(addressProblem('2002:7f00:1::', local)).toMatch(/6to4/);
    expect(addressProblem('64:ff9b::127.0.0.1', local)).toBeUndefined();
    expect(addressProblem('64:ff9b::10.0.0.1', local)).toMatch(/private/);
    const listed = parseCidrList(['fd00::/8', '2001:db8::/32']);
    expect(addressProblem('fd12::1', listed)).toBeUndefined();
    expect(addressProblem('2001:db8::5', listed)).toBeUndefined();
  });

  it.each([
    '1.1.1.1',
    '11.0.0.1',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.0.1.255',
    '192.0.3.0',
    '192.88.98.255',
    '192.169.0.0',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
    '::ffff:8.8.8.8',
    '64:ff9b::8.8.8.8',
    '2001:200::1',
    '2001:4860:4860::8888',
    '2001:db9::1',
    '2003::1',
    '2606:4700::1111',
    '2a00:1450:4001::1',
    '3ffe:ffff::1',
  ])('accepts %s, a globally routable address', (address) => {
    expect(addressProblem(address, none)).toBeUndefined();
  });

  it.each(['ftp://example.com/', 'file:///etc/passwd', 'gopher://x/', 'not a url'])(
    'refuses %s (scheme)',
    async (url) => {
      await expect(targetProblem(url, none)).resolves.toBeDefined();
    },
  );

  it('refuses credentials in the URL', async () => {
    await expect(targetProblem('https://user:pw@example.com/', none)).resolves.toMatch(
      /credentials/,
    );
  });

  it('accepts public addresses, and private ones inside WEBHOOK_ALLOWED_CIDRS', async () => {
    await expect(targetProblem('https://8.8.8.8/hook', none)).resolves.toBeUndefined();
    await expect(targetProblem('https://[2606:4700::1]/', none)).resolves.toBeUndefined();
    const local = parseCidrList(['127.0.0.0/8']);
    await expect(targetProblem('http://127.0.0.1:9/', local)).resolves.toBeUndefined();
    await expect(targetProblem('http://[::ffff:127.0.0.1]/', local)).resolves.toBeUndefined();
    await expect(targetProblem('http://10.0.0.1/', local)).resolves.toMatch(/private/);
  });

  it('checks every address a name resolves to', async () => {
    const resolve = (addresses: string[]) => () =>
      Promise.resolve(
        addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
      );
    await expect(
      targetProblem('https://hooks.example.com/', none, resolve(['8.8.8.8', '10.1.1.1'])),
    ).resolves.toMatch(/resolves to 10\.1\.1\.1/);
    await expect(
      targetProblem('https://hooks.example.com/', none, resolve(['8.8.8.8'])),
    ).resolves.toBeUndefined();
    expect(addressProblem('169.254.169.254', none)).toMatch(/link-local/);
  });

  it('the socket lookup refuses a name that rebinds to a private address at send time', async () => {
    let answer = '8.8.8.8';
    const lookup = guardedLookup(none, () => Promise.resolve([{ address: answer, family: 4 }]));
    const call = () =>
      new Promise<{ error: Error | null; addresses?: LookupAddress[] }>((done) =>
        lookup('rebind.example', { all: true }, ((
          error: Error | null,
          addresses: LookupAddress[],
        ) => done({ error, addresses })) as never),
      );
    expect(await call()).toEqual({ error: null, addresses: [{ address: '8.8.8.8', family: 4 }] });
    answer = '127.0.0.1';
    const second = await call();
    expect(second.error?.message).toMatch(/resolves to 127\.0\.0\.1 is a loopback address/);
  });
});
