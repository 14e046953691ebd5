// Turning identifiers into what a commissioner may see: a keyed hash for the person, an age band for the
// date of birth, the postcode district (and the small area) for the postcode.
import { createHmac, createSecretKey, type KeyObject } from "node:crypto";
import { ageOn } from "../core/dates.ts";

// A key given as bytes is turned into a KeyObject once: HMAC under a raw Buffer costs about 20 µs a call (Node
// checks it is not a KeyObject on every call), under a KeyObject about 3 µs, and an export hashes every row.
const keyObjects = new WeakMap<Buffer, KeyObject>();

/** HMAC-SHA256 of `text` under `key`, in hex. */
export function keyedHash(key: Buffer, text: string): string {
  let keyObject = keyObjects.get(key);
  if (!keyObject) {
    keyObject = createSecretKey(key);
    keyObjects.set(key, keyObject);
  }
  return createHmac("sha256", keyObject).update(text).digest("hex");
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
