// Pieces every resource type's mapping shares: search parameters over the subquery's columns, references,
// codings and meta (lastUpdated and a version id from when the row was received).
import { isUuid } from "../../core/ids.ts";
import { dateSql, parseDate, parseTokens, patientIdOf } from "../search-params.ts";
import type { SqlParams } from "../sql.ts";
import type { SearchParam, SourceRow } from "../types.ts";

/** A date column as the instant its day begins in UTC: the `at` the personal types sort and search by. */
export const utcDay = (column: string) => `(${column}::timestamp AT TIME ZONE 'UTC')`;

export function uuidIdSql(column = "r.id") {
  return (id: string, p: SqlParams): string | null =>
    isUuid(id) ? `${column} = ${p.add(id.toLowerCase())}::uuid` : null;
}

export function dateParam(column: string, description: string): SearchParam {
  return {
    type: "date",
    description,
    sql: (raw, p) => dateSql(column, parseDate("date", raw), (v) => p.add(v)),
  };
}

export function tokenParam(
  systemColumn: string | null,
  codeColumn: string,
  description: string,
): SearchParam {
  return {
    type: "token",
    description,
    sql(raw, p) {
      const alternatives = parseTokens("code", raw).map((t) => {
        const code = `${codeColumn} = ${p.add(t.code)}`;
        if (t.system === null || systemColumn === null) return code;
        return `(${systemColumn} = ${p.add(t.system)} AND ${code})`;
      });
      return `(${alternatives.join(" OR ")})`;
    },
  };
}

export function patientParam(description = "the Patient the resource is about (Patient/<id>)"): SearchParam {
  return {
    type: "reference",
    description,
    sql: (raw, p) => `r.person_id = ${p.add(patientIdOf("patient", raw))}::uuid`,
  };
}

export function meta(row: SourceRow): { versionId: string; lastUpdated: string } | undefined {
  const at = row.last_updated;
  if (!(at instanceof Date)) return undefined;
  return { versionId: String(at.getTime()), lastUpdated: at.toISOString() };
}

export const patientRef = (personId: unknown) => ({ reference: `Patient/${String(personId)}` });

export function organisationRef(code: unknown, system: string) {
  return { reference: `Organization/${String(code)}`, identifier: { system, value: String(code) } };
}

/** A date column as FHIR date text; a timestamptz as an instant in UTC. */
export function fhirDate(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

export function coding(system: string, code: string, display?: string | null) {
  return display ? { system, code, display } : { system, code };
}

/**
 * Drops keys whose value is undefined, null or an empty array: FHIR forbids empty elements. A new object with
 * the keys kept, in their order: deleting keys would leave every resource a slow dictionary-mode object to
 * serialise, and an export serialises millions.
 */
export function compact<T extends Record<string, unknown>>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const k in o) {
    const v = o[k];
    if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out as T;
}

/**
 * What most personal types share: each row is about one person (every read decided), found by its own UUID,
 * newest first. Spread into the type: `{ type, ...BY_PERSON_NEWEST_FIRST, source, ... }`.
 */
export const BY_PERSON_NEWEST_FIRST = {
  personal: true,
  idSql: uuidIdSql(),
  order: "r.at DESC, r.id",
} as const;

/** `patient` and `subject`, the same reference to the person, first among a type's search parameters. */
export const patientAndSubject = () => ({ patient: patientParam(), subject: patientParam() });
