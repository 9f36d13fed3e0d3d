import { createHmac } from 'node:crypto';
import {
  generateSecret,
  githubSignatureValid,
  secretKey,
  verifyStandardWebhook,
} from './signatures';

describe('GitHub signatures (X-Hub-Signature-256)', () => {
  // The example in GitHub's "Validating webhook deliveries".
  const secret = "It's a Secret to Everybody";
  const body = Buffer.from('Hello, World!');
  const documented = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

  it("matches GitHub's documented vector", () => {
    expect(githubSignatureValid([secret], body, documented)).toBe(true);
    expect(
      githubSignatureValid([secret], body, documented.toUpperCase().replace('SHA', 'sha')),
    ).toBe(true);
  });

  it('accepts any configured secret (rotation) and refuses others', () => {
    expect(githubSignatureValid(['old-secret', secret], body, documented)).toBe(true);
    expect(githubSignatureValid(['old-secret'], body, documented)).toBe(false);
    expect(githubSignatureValid([], body, documented)).toBe(false);
  });

  it('refuses a changed body, a missing or malformed header', () => {
    expect(githubSignatureValid([secret], Buffer.from('Hello, World! '), documented)).toBe(false);
    expect(githubSignatureValid([secret], body, undefined)).toBe(false);
    expect(githubSignatureValid([secret], body, documented.replace('sha256=', 'sha1='))).toBe(
      false,
    );
    expect(githubSignatureValid([secret], body, documented.slice(0, -2))).toBe(false);
    expect(githubSignatureValid([secret], body, 'sha256=zz')).toBe(false);
  });
});

describe('Standard Webhooks signatures', () => {
  // The example of the Standard Webhooks specification.
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const timestamp = '1614265330';
  const body = Buffer.from('{"test": 2432232314}');
  const signature = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
  const key = secretKey(secret)!;
  const at = Number(timestamp);

  it("matches the specification's vector", () => {
    expect(verifyStandardWebhook([key], { id, timestamp, signature }, body, 300, at)).toEqual({
      ok: true,
      id,
      timestamp: at,
    });
  });

  it('accepts any v1 entry among several, with any of the keys', () => {
    const other = secretKey(generateSecret())!;
    const header = `v1a,xxx v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= ${signature}`;
    expect(
      verifyStandardWebhook([other, key], { id, timestamp, signature: header }, body, 300, at),
    ).toMatchObject({ ok: true });
    expect(verifyStandardWebhook([other], { id, timestamp, signature }, body, 300, at)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('refuses a changed body, id or timestamp', () => {
    const changed = Buffer.from('{"test":2432232314}');
    expect(verifyStandardWebhook([key], { id, timestamp, signature }, changed, 300, at)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(
      verifyStandardWebhook([key], { id: `${id}x`, timestamp, signature }, body, 300, at),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(
      verifyStandardWebhook([key], { id, timestamp: `${at + 1}`, signature }, body, 300, at),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refuses timestamps outside the tolerance in both directions', () => {
    const headers = { id, timestamp, signature };
    expect(verifyStandardWebhook([key], headers, body, 300, at + 300)).toMatchObject({ ok: true });
    expect(verifyStandardWebhook([key], headers, body, 300, at - 300)).toMatchObject({ ok: true });
    expect(verifyStandardWebhook([key], headers, body, 300, at + 301)).toEqual({
      ok: false,
      reason: 'stale',
    });
    expect(verifyStandardWebhook([key], headers, body, 300, at - 301)).toEqual({
      ok: false,
      reason: 'stale',
    });
    expect(
      verifyStandardWebhook([key], { ...headers, timestamp: '1614265330.5' }, body, 300, at),
    ).toEqual({ ok: false, reason: 'bad_timestamp' });
  });

  it('refuses missing headers', () => {
    expect(
      verifyStandardWebhook([key], { id, timestamp, signature: undefined }, body, 300, at),
    ).toEqual({ ok: false, reason: 'missing_headers' });
    expect(verifyStandardWebhook([key], { id: '', timestamp, signature }, body, 300, at)).toEqual({
      ok: false,
      reason: 'missing_headers',
    });
  });

  it('signs the raw bytes: unicode and odd whitespace verify only byte for byte', () => {
    const raw = Buffer.from('{\t"msg" :  "héllo ✓ 🚀\\u00e9",\r\n "n": 1.0 }\n', 'utf8');
    const fresh = secretKey(generateSecret())!;
    const mac = createHmac('sha256', fresh)
      .update(Buffer.concat([Buffer.from(`${id}.${timestamp}.`), raw]))
      .digest('base64');
    const headers = { id, timestamp, signature: `v1,${mac}` };
    expect(verifyStandardWebhook([fresh], headers, raw, 300, at)).toMatchObject({ ok: true });
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(raw.toString('utf8'))));
    expect(verifyStandardWebhook([fresh], headers, reserialised, 300, at)).toMatchObject({
      ok: false,
    });
  });
});

describe('Standard Webhooks secrets', () => {
  it('generates whsec_ secrets of 32 random bytes', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_/);
    expect(secretKey(secret)).toHaveLength(32);
    expect(generateSecret()).not.toBe(secret);
  });

  it.each([
    'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    'whsec_',
    'whsec_c2hvcnQ=',
    `whsec_${Buffer.alloc(65).toString('base64')}`,
    'whsec_not base64!',
    'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS',
  ])('refuses %s', (secret) => {
    expect(secretKey(secret)).toBeUndefined();
  });
});
