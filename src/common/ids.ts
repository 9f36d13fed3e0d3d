import { randomFillSync } from 'node:crypto';

/** Random bytes drawn from the CSPRNG 4 KiB at a time: one call per 256 ids, not per id. */
const pool = Buffer.alloc(4096);
let offset = pool.length;

/**
 * UUIDv7 (RFC 9562): 48-bit millisecond timestamp then random bits. Ids sort by creation time,
 * so keyset pagination can walk them with one index and no timestamp-precision traps.
 */
export function uuidv7(now = Date.now()): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = pool.subarray(offset, offset + 16);
  offset += 16;
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (bytes[6] & 0x0f);
  bytes[8] = 0x80 | (bytes[8] & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The random bits of a UUIDv7 after its variant: 62, the last 8 bytes but the variant's 2. */
const RANDOM_TAIL = (1n << 62n) - 1n;

/**
 * `count` UUIDv7s in ascending order, as RFC 9562 (section 6.2, method 2, "monotonic random")
 * lets ids of one millisecond be made: the first a UUIDv7 as `uuidv7` makes it, each next one
 * the same but its random tail one more. One draw and one conversion for the run instead of
 * one UUIDv7 each and a sort (a wake writes 1,000 such ids per batch). A tail that would wrap
 * is drawn again.
 */
export function uuidv7Run(count: number, now = Date.now()): string[] {
  if (count === 0) return [];
  for (;;) {
    const first = uuidv7(now);
    const tail = BigInt(`0x${first.slice(19, 23)}${first.slice(24)}`) & RANDOM_TAIL;
    if (tail + BigInt(count) > RANDOM_TAIL) continue;
    const head = first.slice(0, 19);
    const ids = new Array<string>(count);
    for (let index = 0; index < count; index += 1) {
      const hex = ((1n << 63n) | (tail + BigInt(index))).toString(16);
      ids[index] = `${head}${hex.slice(0, 4)}-${hex.slice(4)}`;
    }
    return ids;
  }
}
