import { hash } from "node:crypto";

// Canonical row ids derived from provenance: the same source record always gets the same id, so re-running a
// load changes nothing and rows can refer to each other (a placement to the one it follows, a service to the
// spell it followed) before or without looking them up. Shaped as RFC 9562 version 8 (custom) UUIDs.

export function rowId(table: string, sourceSystem: string, recordId: string): string {
  const h = hash("sha256", `${table}\u0000${sourceSystem}\u0000${recordId}`, "hex");
  const variant = ((Number.parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Local identifier systems, the same convention the rest of OnePlace uses. */
export function hospitalNumberSystem(orgCode: string): string {
  return `urn:oneplace:id:${orgCode}:mrn`;
}

export function clientIdSystem(orgCode: string): string {
  return `urn:oneplace:id:${orgCode}:client-id`;
}

export function sha256(text: string | Buffer): string {
  return hash("sha256", text, "hex");
}
