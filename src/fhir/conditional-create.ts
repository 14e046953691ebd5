// Conditional create: a POST entry of a transaction or batch Bundle with `request.ifNoneExist` is created only
// if nothing matches the search it names. The search is the writing client's own: run through the governed
// repository as the role, team and purpose the client was registered for, decided and audited like any
// search, and only with a search scope for the type. So a writer learns by it only what it could learn by
// GET: a match it may not see (no legitimate relationship, an objection to sharing) is not a match for it,
// and the entry is created as if there were none. That is what the FHIR specification says a server does
// when nothing matches, and for a Patient it is harmless: the master person index links the new record to
// the person it already holds, and the answer (201, Patient/<person id>) is the one a new person gets.
import { AccessDenied } from "../governance/index.ts";
import { FhirError, type IssueType } from "./outcome.ts";
import { RESOURCE_BY_NAME } from "./registry.ts";
import type { FhirRepository } from "./repository.ts";
import { maskedValue, type Query } from "./search-params.ts";
import { NHS_NUMBER_SYSTEM } from "./systems.ts";
import type { FhirResource, ResourceType } from "./types.ts";

export type Condition =
  /** Nothing this client may see matches: the entry is created as normal. */
  | { kind: "none" }
  /** One match: the entry is not written; the answer is the existing resource. */
  | { kind: "match"; resource: FhirResource }
  /** Several matches: 412, the criteria were not selective enough. */
  | { kind: "ambiguous"; count: number }
  /** The condition cannot be evaluated (no such parameter, a search too wide): the entry is refused. */
  | { kind: "invalid"; status: number; code: IssueType; message: string };

type Entry = {
  fullUrl?: unknown;
  resource?: { resourceType?: unknown; id?: unknown };
  request?: { method?: unknown; ifNoneExist?: unknown };
};

export interface ConditionalEntry {
  index: number;
  type: string;
  ifNoneExist: string;
}

/** The POST entries that carry an ifNoneExist. */
export function conditionalEntries(bundle: Record<string, unknown>): ConditionalEntry[] {
  const out: ConditionalEntry[] = [];
  ((bundle.entry ?? []) as Entry[]).forEach((e, index) => {
    const condition = e?.request?.ifNoneExist;
    const type = e?.resource?.resourceType;
    if (condition === undefined || e?.request?.method !== "POST" || typeof type !== "string") return;
    out.push({ index, type: type.slice(0, 64), ifNoneExist: typeof condition === "string" ? condition : "" });
  });
  return out;
}

/** Parameters a condition may not use: they shape the answer, not what matches. */
const NOT_CRITERIA = /^_(?!id$|lastUpdated$)/;

/** ifNoneExist as a search query: `identifier=system|value&...`, with or without a leading `?` or `<Type>?`. */
export function conditionQuery(type: ResourceType, raw: string): Query {
  const text = raw.trim().replace(new RegExp(`^(?:[^?]*/)?(?:${type.type})?\\?`), "");
  if (!text) throw new FhirError(400, "invalid", "ifNoneExist is empty: give the search that must not match");
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    if (NOT_CRITERIA.test(name))
      throw new FhirError(
        400,
        "not-supported",
        `ifNoneExist takes ${type.type}'s search parameters, _id and _lastUpdated, not ${name.slice(0, 40)}`,
      );
    const had = query[name];
    query[name] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
  }
  if (Object.keys(query).length === 0)
    throw new FhirError(400, "invalid", "ifNoneExist names no search parameter");
  return query;
}

/**
 * Evaluates one condition as the client's own search, decided and audited by the repository `readerFor` gives
 * (told the search, identifying values masked, for its audit row).
 */
export async function evaluateCondition(
  readerFor: (search: string) => FhirRepository,
  entry: ConditionalEntry,
): Promise<Condition> {
  const type = RESOURCE_BY_NAME.get(entry.type);
  if (!type)
    return {
      kind: "invalid",
      status: 400,
      code: "not-supported",
      message: `ifNoneExist on ${entry.type.replace(/[^A-Za-z]/g, "")}: the API does not search that type`,
    };
  try {
    const query = conditionQuery(type, entry.ifNoneExist);
    const search = Object.entries(query)
      .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((one) => `${k}=${maskedValue(k, String(one))}`))
      .join("&");
    const result = await readerFor(`ifNoneExist ${type.type}?${search}`).search(type, {
      ...query,
      _count: "2",
    });
    if (result.total === 0) return { kind: "none" };
    if (result.total > 1) return { kind: "ambiguous", count: result.total };
    return { kind: "match", resource: result.resources[0] };
  } catch (error) {
    // A person this client may not read is answered as one who does not exist: read by id, a 404; an
    // objection to sharing, refused. Either way there is no match it may see.
    if (error instanceof AccessDenied) return { kind: "none" };
    if (error instanceof FhirError) {
      if (error.status === 404) return { kind: "none" };
      return {
        kind: "invalid",
        status: error.status,
        code: error.issue,
        message: `ifNoneExist: ${error.message}`,
      };
    }
    throw error;
  }
}

/**
 * What the other entries' references to a matched entry become: a Patient is referred to by its NHS Number
 * (the ingest finds the person by it), anything else by the id the API gave it. A Patient matched with no
 * NHS Number is left unbound, and entries that refer to it by its fullUrl are rejected by the ingest.
 */
export function boundReferences(
  bundle: Record<string, unknown>,
  matches: ReadonlyMap<number, FhirResource>,
): Map<string, string> {
  const bound = new Map<string, string>();
  const entries = (bundle.entry ?? []) as Entry[];
  for (const [index, resource] of matches) {
    const e = entries[index];
    let to: string | null = `${resource.resourceType}/${resource.id}`;
    if (resource.resourceType === "Patient") {
      const nhs = ((resource.identifier ?? []) as { system?: string; value?: string }[]).find(
        (i) => i.system === NHS_NUMBER_SYSTEM,
      )?.value;
      to = nhs ? `Patient?identifier=${NHS_NUMBER_SYSTEM}|${nhs}` : null;
    }
    if (!to) continue;
    if (typeof e?.fullUrl === "string" && e.fullUrl) bound.set(e.fullUrl, to);
    const id = e?.resource?.id;
    if (typeof id === "string" && id) bound.set(`${resource.resourceType}/${id}`, to);
  }
  return bound;
}
