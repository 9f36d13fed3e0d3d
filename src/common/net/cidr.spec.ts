import { normaliseAddress, parseCidrList } from './cidr';

describe('CidrList', () => {
  const list = parseCidrList([
    '10.0.0.0/8',
    '192.168.1.7',
    '2001:db8::/32',
    '::ffff:172.16.0.0/108',
  ]);

  it.each([
    ['10.200.3.4', true],
    ['11.0.0.1', false],
    ['192.168.1.7', true],
    ['192.168.1.8', false],
    ['::ffff:10.1.1.1', true],
    ['::ffff:11.1.1.1', false],
    ['2001:db8:1::5', true],
    ['[2001:db8::1]', true],
    ['2001:db9::1', false],
    ['172.16.5.5', true],
    ['not-an-ip', false],
    ['', false],
  ])('%s → %s', (address, expected) => {
    expect(list.contains(address)).toBe(expected);
  });

  it('never matches IPv4 against IPv6 ranges', () => {
    expect(parseCidrList(['::/0']).contains('1.2.3.4')).toBe(false);
    expect(parseCidrList(['0.0.0.0/0']).contains('2001:db8::1')).toBe(false);
  });

  it.each(['10.0.0.0/33', 'banana', '0x7f.1', '2130706433', '0x7f.0.0.1/8', '1.2.3'])(
    'refuses %p',
    (entry) => {
      expect(() => parseCidrList([entry])).toThrow(entry);
    },
  );

  it('normalises mapped addresses', () => {
    expect(normaliseAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normaliseAddress('2001:db8::1')).toBe('2001:db8::1');
    expect(normaliseAddress('2001:0db8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(normaliseAddress('10.0.0.1')).toBe('10.0.0.1');
    expect(normaliseAddress('::FFFF:10.0.0.1')).toBe('10.0.0.1');
    expect(normaliseAddress('::ffff:999.0.0.1')).toBe('::ffff:999.0.0.1');
  });
});
