// What a FHIR file holds, as the resources to load: a Bundle of any type (transaction, batch, collection,
// searchset, document, message, history) gives its entries, anything else is a single resource. Entries
// named by a `urn:uuid:` (or absolute) fullUrl are given their id, and references to them inside the Bundle
// are rewritten to `Type/id`, so each resource stands alone (as a reject, a held resource or a replay).
// Resources are put in dependency order: organisations, then practitioners and people, then what refers to them.

export interface FhirItem {
  /** The line of an NDJSON file, or the entry of a Bundle (from 1). */
  line: number;
  raw: string;
  resource: unknown;
}

export interface ItemReject {
  item: FhirItem;
  reason: string;
}

const RANK: Record<string, number> = {
  Organization: 0,
  Location: 1,
  Practitioner: 1,
  Patient: 2,
  PractitionerRole: 2,
  Medication: 2,
};

/** Where a resource type goes in a load: what others refer to comes first. */
export function dependencyRank(type: unknown): number {
  return typeof type === "string" ? (RANK[type] ?? 3) : 3;
}

export function typeOf(resource: unknown): string | null {
  const t = (resource as { resourceType?: unknown } | null)?.resourceType;
  return typeof t === "string" ? t.slice(0, 40) : null;
}

/** Stable sort by dependency rank. */
export function inDependencyOrder(items: FhirItem[]): FhirItem[] {
  return items
    .map((item, i) => ({ item, i, rank: dependencyRank(typeOf(item.resource)) }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map((x) => x.item);
}

type Entry = {
  fullUrl?: string;
  resource?: { resourceType?: string; id?: string };
  request?: { method?: string; url?: string };
  search?: { mode?: string };
};

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

function rewriteReferences(value: unknown, targets: Map<string, string>): void {
  if (Array.isArray(value)) {
    for (const v of value) rewriteReferences(v, targets);
    return;
  }
  if (typeof value !== "object" || value === null) return;
  const o = value as Record<string, unknown>;
  if (typeof o.reference === "string") {
    const to = targets.get(o.reference);
    if (to) o.reference = to;
  }
  for (const [k, v] of Object.entries(o)) if (k !== "reference") rewriteReferences(v, targets);
}

/** The id an entry's fullUrl gives its resource, when the resource has none. */
function idFromFullUrl(fullUrl: string | undefined, type: string): string | null {
  if (!fullUrl) return null;
  if (fullUrl.startsWith("urn:uuid:")) {
    const id = fullUrl.slice(9);
    return ID.test(id) ? id : null;
  }
  const m = new RegExp(`(?:^|/)${type}/([A-Za-z0-9\\-.]{1,64})(?:/_history/[^/]+)?$`).exec(fullUrl);
  return m ? m[1] : null;
}

export interface DocumentOptions {
  /** Bundle entries (by index, from 0) the caller has answered itself (a conditional create that matched). */
  skip?: ReadonlySet<number>;
  /** References to rewrite, as the caller bound them (a skipped entry's fullUrl to what it matched). */
  references?: ReadonlyMap<string, string>;
}

/** The resources a parsed document holds, and the entries that could not be taken (each its own reject). */
export function documentItems(
  doc: unknown,
  raw: string,
  options: DocumentOptions = {},
): { items: FhirItem[]; rejects: ItemReject[] } {
  if (typeOf(doc) !== "Bundle") return { items: [{ line: 1, raw, resource: doc }], rejects: [] };
  const entries = ((doc as { entry?: unknown }).entry ?? []) as Entry[];
  if (!Array.isArray(entries)) {
    return {
      items: [],
      rejects: [{ item: { line: 1, raw, resource: doc }, reason: "Bundle.entry is not a list" }],
    };
  }
  const targets = new Map<string, string>(options.references ?? []);
  const kept: { line: number; resource: Record<string, unknown> }[] = [];
  const rejects: ItemReject[] = [];
  const reads: number[] = [];
  entries.forEach((e, i) => {
    const line = i + 1;
    const resource = e?.resource as Record<string, unknown> | undefined;
    const method = e?.request?.method;
    if (options.skip?.has(i)) return;
    if (e?.search?.mode === "outcome") return; // a server's note about the search, not data
    if (!resource && (method === "GET" || method === "HEAD")) {
      reads.push(line); // a request to read, in a batch: it offers nothing to load
      return;
    }
    if (!resource || typeof resource !== "object") {
      rejects.push({
        item: { line, raw: JSON.stringify(e ?? null), resource: null },
        reason: `Bundle entry ${line} has no resource${method ? ` (request ${String(method).slice(0, 10)})` : ""}`,
      });
      return;
    }
    if (method && !["POST", "PUT"].includes(method)) {
      rejects.push({
        item: { line, raw: JSON.stringify(resource), resource },
        reason: `Bundle entry ${line}: request method ${String(method).slice(0, 10)} is not applied (POST and PUT are)`,
      });
      return;
    }
    const type = typeOf(resource);
    if (type && resource.id === undefined) {
      const id = idFromFullUrl(e.fullUrl, type);
      if (id) resource.id = id;
    }
    if (type && typeof resource.id === "string" && e.fullUrl)
      targets.set(e.fullUrl, `${type}/${resource.id}`);
    kept.push({ line, resource });
  });
  const items = kept.map(({ line, resource }) => {
    rewriteReferences(resource, targets);
    return { line, raw: JSON.stringify(resource), resource };
  });
  // A read request is counted like a resource OnePlace does not load, under the name of what it is.
  for (const line of reads)
    items.push({ line, raw: "{}", resource: { resourceType: "Bundle.entry.request GET" } });
  return { items: inDependencyOrder(items), rejects };
}
