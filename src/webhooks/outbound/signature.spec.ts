import { generateSecret, secretProblem, sign, signatureHeader } from './signature';

describe('Standard Webhooks signature', () => {
  it('matches the published test vector', () => {
    expect(
      sign(
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1614265330,
        '{"test": 2432232314}',
      ),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('signs with every valid secret, space-separated', () => {
    const a = generateSecret();
    const b = generateSecret();
    const header = signatureHeader([a, b], 'msg_1', 1, '{}');
    expect(header.split(' ')).toEqual([sign(a, 'msg_1', 1, '{}'), sign(b, 'msg_1', 1, '{}')]);
    expect(sign(a, 'msg_1', 1, '{}')).not.toBe(sign(b, 'msg_1', 1, '{}'));
  });

  it('generates usable secrets and rejects bad ones', () => {
    expect(secretProblem(generateSecret())).toBeUndefined();
    expect(secretProblem('whsec_' + Buffer.alloc(24).toString('base64'))).toBeUndefined();
    expect(secretProblem('whsec_' + Buffer.alloc(64).toString('base64'))).toBeUndefined();
    expect(secretProblem('whsec_' + Buffer.alloc(23).toString('base64'))).toMatch(/24 to 64/);
    expect(secretProblem('whsec_' + Buffer.alloc(65).toString('base64'))).toMatch(/24 to 64/);
    expect(secretProblem('sk_' + Buffer.alloc(32).toString('base64'))).toMatch(/whsec_/);
    expect(secretProblem('whsec_not base64!')).toMatch(/base64/);
  });
});
