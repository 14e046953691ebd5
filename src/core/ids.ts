import { randomUUID } from "node:crypto";

export function newId(): string {
  return randomUUID();
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0");
}

/**
 * A version-4-shaped UUID built from four 32-bit draws, so a seeded generator produces the
 * same ids on every run. The version nibble and variant bits overwrite 6 random bits.
 */
export function uuidFromRandom(next32: () => number): string {
  const a = hex8(next32());
  const b = hex8(((next32() & 0xffff0fff) | 0x00004000) >>> 0);
  const c = hex8(((next32() & 0x3fffffff) | 0x80000000) >>> 0);
  const d = hex8(next32());
  return `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${d}`;
}

/** An RFC 4122/9562 UUID (versions 1 to 8, either case). */
export function isUuid(s: string): boolean {
  return (
    typeof s === "string" &&
    /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(s)
  );
}
