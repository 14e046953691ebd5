import { hash, randomBytes, timingSafeEqual } from "node:crypto";

/** A new random secret (256 bits), URL-safe. */
export function newSecret(prefix = ""): string {
  return `${prefix}${randomBytes(32).toString("base64url")}`;
}

/** Secrets with 256 bits of entropy need no slow hash: SHA-256 keeps a stolen table useless. */
export function hashSecret(secret: string): string {
  // The one-shot form (UTF-8, as update(secret, "utf8")): a third of createHash's cost, paid on every request.
  return hash("sha256", secret, "hex");
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}
