import { jsonNestsDeeperThan } from './json-depth';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
const nested = (depth: number, open = '[', close = ']'): string =>
  open.repeat(depth) + close.repeat(depth);

describe('jsonNestsDeeperThan', () => {
  it('counts objects and arrays inside one another', () => {
    expect(jsonNestsDeeperThan(bytes(nested(3)), 3)).toBe(false);
    expect(jsonNestsDeeperThan(bytes(nested(4)), 3)).toBe(true);
    expect(jsonNestsDeeperThan(bytes('{"a":{"b":[1,{"c":2}]}}'), 4)).toBe(false);
    expect(jsonNestsDeeperThan(bytes('{"a":{"b":[1,{"c":{}}]}}'), 4)).toBe(true);
  });

  it('counts depth, not the number of containers', () => {
    const wide = `[${Array.from({ length: 10_000 }, () => '[1]').join(',')}]`;
    expect(jsonNestsDeeperThan(bytes(wide), 2)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonNestsDeeperThan(bytes(JSON.stringify({ a: '[[[[{{{{' })), 1)).toBe(false);
    expect(jsonNestsDeeperThan(bytes(JSON.stringify({ a: 'say \\"[[[[\\"' })), 1)).toBe(false);
    expect(jsonNestsDeeperThan(bytes(JSON.stringify({ a: '\\', b: [[[]]] })), 3)).toBe(true);
  });

  it('stops at the first level too deep, however long the body', () => {
    expect(jsonNestsDeeperThan(bytes(nested(500_000, '{"a":', '}')), 256)).toBe(true);
  });
});
