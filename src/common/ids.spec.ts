import { UUID_PATTERN, uuidv7, uuidv7Run } from './ids';

describe('uuidv7', () => {
  it('is a version 7, variant 1 UUID', () => {
    const id = uuidv7();
    expect(id).toMatch(UUID_PATTERN);
    expect(id[14]).toBe('7');
    expect(['8', '9', 'a', 'b']).toContain(id[19]);
  });

  it('never repeats, across refills of its random pool', () => {
    const ids = Array.from({ length: 1_000 }, () => uuidv7(1_700_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids.map((id) => id.slice(19))).size).toBe(ids.length);
  });

  it('sorts by creation time', () => {
    const earlier = uuidv7(1_700_000_000_000);
    const later = uuidv7(1_700_000_000_001);
    expect(earlier < later).toBe(true);
  });
});

describe('uuidv7Run', () => {
  it('answers version 7, variant 1 UUIDs, strictly ascending, of the given millisecond', () => {
    const ids = uuidv7Run(1_000, 1_700_000_000_000);
    expect(ids).toHaveLength(1_000);
    for (const id of ids) {
      expect(id).toMatch(UUID_PATTERN);
      expect(id[14]).toBe('7');
      expect(['8', '9', 'a', 'b']).toContain(id[19]);
      expect(id.slice(0, 13)).toBe(uuidv7(1_700_000_000_000).slice(0, 13));
    }
    for (let index = 1; index < ids.length; index += 1)
      expect(ids[index - 1] < ids[index]).toBe(true);
  });

  it('steps the random tail by one, across a carry into the next hex digits', () => {
    const ids = uuidv7Run(300);
    const tail = (id: string) =>
      BigInt(`0x${id.slice(19, 23)}${id.slice(24)}`) & ((1n << 62n) - 1n);
    for (let index = 1; index < ids.length; index += 1)
      expect(tail(ids[index]) - tail(ids[index - 1])).toBe(1n);
  });

  it('draws runs apart: two runs of one millisecond share no id', () => {
    const first = uuidv7Run(500, 1_700_000_000_000);
    const second = uuidv7Run(500, 1_700_000_000_000);
    expect(new Set([...first, ...second]).size).toBe(1_000);
  });

  it('answers no ids for none', () => {
    expect(uuidv7Run(0)).toEqual([]);
  });
});
