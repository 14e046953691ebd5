// Conditional reads (RFC 9110 §13, as FHIR R4's read uses them): If-None-Match against the resource's ETag,
// W/"<versionId>", compared weakly (a client may send the tag with or without W/, or a list of tags, or *);
// If-Modified-Since against meta.lastUpdated to the second, looked at only when there is no If-None-Match.
// Either answers 304 with no body when the client's copy is current. A date that cannot be read is ignored,
// as the RFC says, so the client gets the resource.

/** The ETag of a resource version. */
export const etagOf = (versionId: string) => `W/"${versionId}"`;

/** The opaque part of an entity tag, weak or strong: `W/"3"` and `"3"` are both `3`. */
const opaque = (tag: string) =>
  tag
    .trim()
    .replace(/^W\//, "")
    .replace(/^"(.*)"$/, "$1");

export interface ConditionalHeaders {
  "if-none-match"?: string | string[];
  "if-modified-since"?: string | string[];
}

/** Whether the client's copy is current, so that the answer is a 304. */
export function notModified(
  headers: ConditionalHeaders,
  current: { versionId?: string | null; lastUpdated?: string | null },
): boolean {
  const noneMatch = [headers["if-none-match"]].flat().filter((h): h is string => typeof h === "string");
  if (noneMatch.length > 0) {
    if (!current.versionId) return false;
    const tags = noneMatch.flatMap((h) => h.split(","));
    return tags.some((t) => t.trim() === "*" || opaque(t) === current.versionId);
  }
  const since = [headers["if-modified-since"]].flat()[0];
  if (typeof since !== "string" || !current.lastUpdated) return false;
  const sinceMs = Date.parse(since);
  if (Number.isNaN(sinceMs)) return false;
  // HTTP dates have whole seconds: a resource changed within the client's second counts as not newer.
  return Math.floor(Date.parse(current.lastUpdated) / 1000) * 1000 <= sinceMs;
}
