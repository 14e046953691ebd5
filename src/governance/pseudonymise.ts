// Turning identifiers into what a commissioner may see: a keyed hash for the person, an age band for the
// date of birth, the postcode district (and the small area) for the postcode.
import { createHash, hash } from "node:crypto";
import { ageOn } from "../core/dates.ts";

// HMAC-SHA256 (RFC 2104) done with two one-shot SHA-256 calls over the key's inner and outer pads, worked out once
// per key: createHmac costs about 3 µs a call even under a KeyObject (an object, a key set-up and three calls into
// C++), this about a third of that, and a whole-place export hashes every resource and every reference in it.
const BLOCK = 64;
const SCRATCH = 4096;
interface Pads {
  inner: Buffer;
  outer: Buffer;
}
const padsByKey = new WeakMap<Buffer, Pads>();
// Reused by every call (each runs to its end without yielding): the inner pad and the text; the outer pad and the
// inner digest.
const scratch = Buffer.alloc(SCRATCH);
const outerScratch = Buffer.alloc(BLOCK + 32);

function padsOf(key: Buffer): Pads {
  let pads = padsByKey.get(key);
  if (!pads) {
    const k = key.length > BLOCK ? createHash("sha256").update(key).digest() : key;
    const inner = Buffer.alloc(BLOCK, 0x36);
    const outer = Buffer.alloc(BLOCK, 0x5c);
    for (let i = 0; i < k.length; i++) {
      inner[i] ^= k[i];
      outer[i] ^= k[i];
    }
    pads = { inner, outer };
    padsByKey.set(key, pads);
  }
  return pads;
}

/** HMAC-SHA256 of `text` under `key`, in hex. */
export function keyedHash(key: Buffer, text: string): string {
  const pads = padsOf(key);
  let message: Buffer;
  if (text.length * 3 <= SCRATCH - BLOCK) {
    pads.inner.copy(scratch, 0);
    message = scratch.subarray(0, BLOCK + scratch.write(text, BLOCK, "utf8"));
  } else message = Buffer.concat([pads.inner, Buffer.from(text, "utf8")]);
  pads.outer.copy(outerScratch, 0);
  (hash("sha256", message, "buffer") as unknown as Buffer).copy(outerScratch, BLOCK);
  return hash("sha256", outerScratch, "hex");
}

/** HMAC-SHA256 of the person id under the purpose's key; 128 bits in hex. Stable within a purpose. */
export function pseudonymFor(key: Buffer, personId: string): string {
  return keyedHash(key, `person:${personId.toLowerCase()}`).slice(0, 32);
}

export const AGE_BAND_WIDTH = 5;
export const TOP_AGE_BAND = 90;

/** Five-year bands, 0-4 to 85-89, then 90+. */
export function ageBand(birthDate: string, onDate: string): string {
  const age = Math.max(0, ageOn(birthDate, onDate));
  if (age >= TOP_AGE_BAND) return `${TOP_AGE_BAND}+`;
  const low = Math.floor(age / AGE_BAND_WIDTH) * AGE_BAND_WIDTH;
  return `${low}-${low + AGE_BAND_WIDTH - 1}`;
}

const FULL_POSTCODE = /^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$/;

/** The outward code (postcode district): "RM17 6ZZ" becomes "RM17". Null when it is not a postcode. */
export function postcodeDistrict(postcode: string | null): string | null {
  if (!postcode) return null;
  const match = FULL_POSTCODE.exec(postcode.trim().toUpperCase());
  return match ? match[1] : null;
}
