// Bulk Data kick-off parameters beyond _type and _since: _typeFilter (a search of the type's own parameters,
// several for one type ORed), _elements (the elements to keep, plus what R4 makes mandatory, marked SUBSETTED),
// and a POST kick-off's Parameters body read as the same query.
import { badRequest, FhirError } from "./outcome.ts";
import { RESOURCE_BY_NAME } from "./registry.ts";
import type { SqlParams } from "./sql.ts";
import type { FhirResource, ResourceType } from "./types.ts";

type Query = Record<string, string | string[] | undefined>;

/** Per type, the searches its rows must match one of: [parameter, value][] for each _typeFilter. */
export type TypeFilters = Record<string, [string, string][][]>;

function valuesOf(query: Query, name: string): string[] {
  const v = query[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** _typeFilter values (`Observation?code=...&date=ge2020`), checked against each type's search parameters. */
export function parseTypeFilters(query: Query, types: readonly string[], p: () => SqlParams): TypeFilters {
  const filters: TypeFilters = {};
  for (const raw of valuesOf(query, "_typeFilter")) {
    const q = raw.indexOf("?");
    const typeName = q === -1 ? raw : raw.slice(0, q);
    const type = RESOURCE_BY_NAME.get(typeName);
    if (q === -1 || !type || !types.includes(typeName))
      throw badRequest(
        `_typeFilter ${raw.slice(0, 60)} must be <Type>?<search> for a type this export holds (${types.join(", ")})`,
      );
    const search: [string, string][] = [...new URLSearchParams(raw.slice(q + 1))];
    if (search.length === 0) throw badRequest(`_typeFilter ${typeName}? names no search parameter`);
    for (const [name, value] of search) {
      const param = type.params[name];
      if (!param)
        throw new FhirError(
          400,
          "not-supported",
          `_typeFilter: ${typeName} has no search parameter ${name.slice(0, 40)} here (${Object.keys(type.params).join(", ")})`,
        );
      param.sql(value, p()); // a value that cannot be parsed is a 400 now, not a failed job later
    }
    filters[typeName] = [...(filters[typeName] ?? []), search];
  }
  return filters;
}

/** The SQL a type's rows must match under the export's _typeFilter (null: no filter for the type). */
export function typeFilterSql(
  type: ResourceType,
  filters: TypeFilters | undefined,
  p: SqlParams,
): string | null {
  const searches = filters?.[type.type];
  if (!searches || searches.length === 0) return null;
  return `(${searches
    .map((search) => `(${search.map(([name, value]) => type.params[name].sql(value, p)).join(" AND ")})`)
    .join(" OR ")})`;
}

/** What R4 requires of each type served (min 1), kept whatever _elements asks; `medication` is medication[x]. */
const MANDATORY: Record<string, string[]> = {
  Observation: ["status", "code"],
  Condition: ["subject"],
  Encounter: ["status", "class"],
  MedicationRequest: ["status", "intent", "medication", "subject"],
  RiskAssessment: ["status", "subject"],
  Flag: ["status", "code", "subject"],
  CarePlan: ["status", "intent", "subject"],
  Task: ["status", "intent"],
  ServiceRequest: ["status", "intent", "subject"],
  EpisodeOfCare: ["status", "patient"],
  Consent: ["status", "scope", "category"],
};

/** _elements: `name` (every type) or `Type.name`; top-level elements only. */
export function parseElements(query: Query): string[] | null {
  const asked = valuesOf(query, "_elements")
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
  if (asked.length === 0) return null;
  for (const e of asked)
    if (!/^([A-Z][A-Za-z]+\.)?[a-z][A-Za-z]*$/.test(e))
      throw badRequest(`_elements ${e.slice(0, 60)} must be an element (name) or Type.name, top-level only`);
  return asked;
}

const CHOICE =
  /^([a-z][A-Za-z]*?)(Quantity|CodeableConcept|Reference|DateTime|Period|String|Boolean|Integer|Date|Range|Ratio|Age|Instant|Time|Decimal|Coding)$/;

const SUBSETTED = {
  system: "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
  code: "SUBSETTED",
  display: "subsetted",
};

/** A resource cut down to the elements asked for its type (with id, meta and the mandatory ones), marked SUBSETTED. */
export function keepElements(resource: FhirResource, elements: readonly string[]): FhirResource {
  const type = resource.resourceType;
  const keep = new Set(["resourceType", "id", "meta", ...(MANDATORY[type] ?? [])]);
  for (const e of elements) {
    const dot = e.indexOf(".");
    if (dot === -1) keep.add(e);
    else if (e.slice(0, dot) === type) keep.add(e.slice(dot + 1));
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(resource)) {
    const choice = CHOICE.exec(k)?.[1]; // valueQuantity is value[x], asked for as value
    if (keep.has(k) || (choice !== undefined && keep.has(choice))) out[k] = v;
  }
  const meta = (out.meta ?? {}) as { tag?: unknown[] };
  out.meta = { ...meta, tag: [...(meta.tag ?? []), SUBSETTED] };
  return out as FhirResource;
}

/**
 * A POST kick-off's body: a Parameters resource, read into the query a GET kick-off would have. Each parameter
 * takes its value[x] as text (valueString, valueInstant, valueCode ...); a reference (patient) as its reference.
 */
export function parametersToQuery(body: unknown): Query {
  let doc: unknown = body;
  if (typeof body === "string") {
    if (body.trim() === "") return {};
    try {
      doc = JSON.parse(body);
    } catch {
      throw new FhirError(
        400,
        "structure",
        "The kick-off body is not valid JSON: send a Parameters resource.",
      );
    }
  }
  if (doc === undefined || doc === null) return {};
  const d = doc as { resourceType?: unknown; parameter?: unknown };
  if (d.resourceType !== "Parameters")
    throw new FhirError(400, "structure", "A POST kick-off takes a Parameters resource as its body.");
  if (d.parameter !== undefined && !Array.isArray(d.parameter))
    throw new FhirError(400, "structure", "Parameters.parameter must be a list.");
  const query: Record<string, string[]> = {};
  for (const param of (d.parameter ?? []) as Record<string, unknown>[]) {
    const name = param?.name;
    if (typeof name !== "string" || !name) throw badRequest("each Parameters.parameter needs a name");
    const key = Object.keys(param).find((k) => k.startsWith("value"));
    const value = key ? param[key] : undefined;
    const text =
      typeof value === "string"
        ? value
        : typeof (value as { reference?: unknown })?.reference === "string"
          ? (value as { reference: string }).reference
          : null;
    if (text === null)
      throw badRequest(
        `Parameters.parameter ${name.slice(0, 40)} needs a value (valueString, valueInstant ...)`,
      );
    query[name] = [...(query[name] ?? []), text];
  }
  return query;
}
