// What the FHIR API knows about each resource type it serves: where its rows come from (a subquery over the
// canonical tables, never a copy), the search parameters it answers and how a row becomes a resource.
import type { Queryable } from "../store/index.ts";
import type { SqlParams } from "./sql.ts";

export type FhirResource = {
  resourceType: string;
  id: string;
  meta?: { versionId?: string; lastUpdated?: string };
} & Record<string, unknown>;

export type SourceRow = Record<string, unknown> & { id: string; person_id: string | null };

/** One search parameter: SQL for one value of it (repeats are ANDed), against the subquery aliased r. */
export interface SearchParam {
  type: "token" | "date" | "reference" | "string";
  description: string;
  sql(raw: string, p: SqlParams): string;
}

export interface ResourceType {
  type: string;
  /** Rows belong to a person (every read is an access decision) or are reference data (Organization). */
  personal: boolean;
  /** The subquery the type's rows come from: columns id, person_id, at, last_updated and the type's own. */
  source: string;
  /**
   * One person's rows (`person`: the SQL of their id), for a type whose `source` has subqueries correlated with
   * each row's person: here each names the person itself. A Citus cluster sends a statement to the one shard
   * that holds the person only when every distributed table in it, subqueries too, is filtered on person_id
   * with `=`; a correlated subquery sends it to every shard (and where Citus cannot push the statement down,
   * as a `UNION ALL` with one, it reads each part from every shard onto the coordinator). One server plans
   * either form alike.
   */
  personSource?(person: string): string;
  /** The SQL that finds one row by its FHIR id, or null when the id cannot be one of this type's. */
  idSql(id: string, p: SqlParams): string | null;
  params: Record<string, SearchParam>;
  /** ORDER BY of a search: the newest first, then by id so that pages are stable. */
  order: string;
  /** The row as a resource, when the row is all the mapping needs. */
  toFhir?(row: SourceRow): FhirResource;
  /**
   * The rows as resources, in their order, when another capability renders them from its own records (CarePlan
   * and ServiceRequest, through src/care/index.ts): the rows say which records; a row it cannot render is left out.
   */
  render?(db: Queryable, rows: SourceRow[]): Promise<FhirResource[]>;
  /** Sent to the CapabilityStatement. */
  profile: string;
}
