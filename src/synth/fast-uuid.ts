import type { Rng } from "../core/rng.ts";

// UUIDs drawn from a seeded stream, formatted with a lookup table: the generator makes tens of millions of
// them and core's uuidFromRandom, built for clarity, formats through hex8 strings and slices. The layout is
// the same: version 4 and the RFC 4122 variant over 122 drawn bits, so for the same four draws both give
// the same id.

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function hex32(n: number): string {
  return HEX[(n >>> 24) & 0xff] + HEX[(n >>> 16) & 0xff] + HEX[(n >>> 8) & 0xff] + HEX[n & 0xff];
}

/** Formats four 32-bit words as a version-4-shaped UUID (the version and variant bits overwrite 6 bits). */
export function uuidFromWords(a: number, b: number, c: number, d: number): string {
  const bb = hex32(((b & 0xffff0fff) | 0x00004000) >>> 0);
  const cc = hex32(((c & 0x3fffffff) | 0x80000000) >>> 0);
  return `${hex32(a >>> 0)}-${bb.slice(0, 4)}-${bb.slice(4)}-${cc.slice(0, 4)}-${cc.slice(4)}${hex32(d >>> 0)}`;
}

export function randomUuid(rng: Rng): string {
  return uuidFromWords(rng.nextUint32(), rng.nextUint32(), rng.nextUint32(), rng.nextUint32());
}
