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
    expect(addressProblem('169.254.169.254', none)).toMatch(/linkLocal/);
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
