/**
 * The deepest nesting a JSON body may have. Validation, canonical JSON and serialisation walk
 * values recursively: without a bound, a 4 KB body of `[[[[…` exhausts the stack (a 500), and
 * a 1 MiB one costs seconds of CPU. No document this API accepts needs more than a few levels.
 */
export const MAX_JSON_DEPTH = 256;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Whether the JSON text in `bytes` opens more than `max` objects or arrays inside one another,
 * found in one pass over the bytes before anything is parsed (so a hostile body costs linear
 * time and no recursion). Brackets inside strings do not count. Malformed JSON is not judged
 * here: the parser refuses it afterwards.
 */
export function jsonNestsDeeperThan(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < bytes.length; index += 1) {
    const byte = bytes[index];
    if (inString) {
      if (byte === BACKSLASH) index += 1;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      depth += 1;
      if (depth > max) return true;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth -= 1;
    }
  }
  return false;
}
