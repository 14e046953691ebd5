import type { Rng } from "../core/rng.ts";

// UUIDs drawn from a seeded stream, written character by character into one string: the generator makes tens
// of millions of them, and core's uuidFromRandom, built for clarity, formats through hex8 strings and slices
// (and joining pieces leaves a string the COPY encoder must first flatten). The layout is the same: version 4
// and the RFC 4122 variant over 122 drawn bits, so for the same four draws both give the same id.

const HEX_DIGIT = Uint16Array.from("0123456789abcdef", (c) => c.charCodeAt(0));
const DASH = 45;
const units = new Uint16Array(36);

/** Writes the 8 hex digits of n (as unsigned 32 bits) into units from `at`, skipping a dash where one falls. */
function put32(n: number, at: number): number {
  for (let shift = 28; shift >= 0; shift -= 4) {
    if (at === 8 || at === 13 || at === 18 || at === 23) units[at++] = DASH;
    units[at++] = HEX_DIGIT[(n >>> shift) & 15];
  }
  return at;
}

/** Formats four 32-bit words as a version-4-shaped UUID (the version and variant bits overwrite 6 bits). */
export function uuidFromWords(a: number, b: number, c: number, d: number): string {
  let at = put32(a, 0);
  at = put32((b & 0xffff0fff) | 0x00004000, at);
  at = put32((c & 0x3fffffff) | 0x80000000, at);
  put32(d, at);
  return String.fromCharCode.apply(null, units as unknown as number[]);
}

export function randomUuid(rng: Rng): string {
  return uuidFromWords(rng.nextUint32(), rng.nextUint32(), rng.nextUint32(), rng.nextUint32());
}
