// A metric definition is SQL a place writes, so it is run as untrusted: each statement of a definition runs
// in a savepoint made READ ONLY, with a statement timeout (PostgreSQL; the embedded engine has no timer, so
// functions that wait or reach outside the database are refused when the definition is saved), and rolled
// back after, so nothing it does outlives it. When a definition is saved (`metrics define`) it is checked:
// functions that sleep, read files or change settings are refused; it may read only event and reference
// tables (the planner names every table it reads: the same list on both engines, in place of a database role
// that PGlite cannot give); it may not name identifying columns; it must return the contract's five columns;
// and it is run once, read-only, over the latest financial year, where its breakdown must be a few
// categories, not identifiers. The breakdown is checked again on every computation.
import { invalid } from "../core/errors.ts";
import { type Db, type Queryable, TABLES } from "../store/index.ts";
import { bindNamed, PERIODS_CTE } from "./metric-statement.ts";

/** The longest one statement of a definition may run (PostgreSQL). */
export const METRIC_STATEMENT_TIMEOUT_MS = 120_000;
/** The most categories a definition's breakdown (split) may have. */
export const MAX_BREAKDOWN_CATEGORIES = 50;

/** Event and reference tables a definition may read: the store's, risk's, care's and outcomes' own, and the
 * engine's population; not identity (person_identifier, person_record), the generator's truth, governance
 * (users, sessions, the audit trail, break-glass), ingest's raw payloads or the MPI's review queue. */
export const READABLE_TABLES: ReadonlySet<string> = new Set([
  ...TABLES.filter(
    (t) =>
      ["store", "risk", "care", "outcomes"].includes(t.owner) &&
      !["person_identifier", "person_record", "synth_truth", "data_load"].includes(t.name),
  ).map((t) => t.name),
  "population",
]);

/** What the checks read of a definition. */
export interface DefinitionSql {
  metricId: string;
  kind: string;
  numeratorSql?: string | null;
  denominatorSql?: string | null;
  snapshotSql?: string | null;
}

const IDENTIFYING_COLUMNS =
  /\b(nhs_number|family_name|given_name|postcode|password_hash|username|display_name)\b/i;
const FORBIDDEN_FUNCTIONS =
  /\b(pg_sleep\w*|dblink\w*|pg_read_\w+|pg_ls_\w+|pg_stat_file|lo_\w+|set_config|current_setting|pg_terminate_backend|pg_cancel_backend|pg_advisory\w*|pg_notify|pg_reload_conf|nextval|setval|to_jsonb?|row_to_json|jsonb?_build_\w+|json_object|\w*_to_xml\w*|xml\w+)\s*\(/i;

const fail = (metricId: string, message: string): never => {
  throw invalid("outcomes.definition-sql", `Metric ${metricId}: ${message}`);
};

/** Runs `fn` read-only with the statement timeout, in a savepoint rolled back after. Call inside a transaction. */
export async function readOnlyStatement<T>(tx: Queryable, fn: () => Promise<T>): Promise<T> {
  await tx.exec("SAVEPOINT metric_definition");
  try {
    await tx.exec("SET LOCAL transaction_read_only = on");
    await tx.exec(`SET LOCAL statement_timeout = ${METRIC_STATEMENT_TIMEOUT_MS}`);
    return await fn();
  } finally {
    await tx.exec("ROLLBACK TO SAVEPOINT metric_definition");
    await tx.exec("RELEASE SAVEPOINT metric_definition");
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NHS_NUMBER = /(^|\D)\d{3}\s?\d{3}\s?\d{4}(\D|$)/;
const POSTCODE = /\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b/i;
const DAY = /\d{4}-\d{2}-\d{2}/;

/** Why a breakdown's categories look like identifiers (null: they do not). */
export function breakdownProblem(splits: Iterable<string | null>): string | null {
  const distinct = new Set([...splits].filter((s): s is string => s !== null));
  if (distinct.size > MAX_BREAKDOWN_CATEGORIES) {
    return `its breakdown (split) has ${distinct.size} categories, more than ${MAX_BREAKDOWN_CATEGORIES}: a breakdown is a category such as an attribution, not an identifier`;
  }
  for (const s of distinct) {
    if (UUID.test(s) || NHS_NUMBER.test(s) || POSTCODE.test(s) || DAY.test(s)) {
      return "its breakdown (split) holds identifiers (an id, NHS Number, postcode or date): a breakdown is a category, not a person";
    }
  }
  return null;
}

type PlanNode = { "Relation Name"?: string; Output?: string[]; Plans?: PlanNode[] } & Record<string, unknown>;

const TABLE_NAMES: ReadonlySet<string> = new Set(TABLES.map((t) => t.name));

/**
 * Every table a plan reads, its nodes' "Relation Name"s. On Citus the tables are read inside the plan's
 * distributed query (each task's remote plan, each subplan), as shards: a shard's name is its table's with
 * _<shard id> after it.
 */
function tablesRead(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const child of node) tablesRead(child, found);
  else if (node !== null && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "Relation Name" && typeof value === "string") {
        const table = value.replace(/_\d+$/, "");
        found.add(!TABLE_NAMES.has(value) && TABLE_NAMES.has(table) ? table : value);
      } else tablesRead(value, found);
    }
  }
  return found;
}

async function plan(tx: Queryable, sql: string, params: unknown[]): Promise<PlanNode> {
  const rows = await tx.query<Record<string, unknown>>(`EXPLAIN (VERBOSE, FORMAT JSON) ${sql}`, params);
  const raw = Object.values(rows[0])[0];
  const json = (typeof raw === "string" ? JSON.parse(raw) : raw) as { Plan: PlanNode }[];
  return json[0].Plan;
}

/** The checks that need no database: the SQL's text. */
export function definitionTextProblem(input: DefinitionSql): string | null {
  for (const written of [input.numeratorSql, input.denominatorSql, input.snapshotSql]) {
    if (!written) continue;
    // Read as the server does: comments are gaps, and a quoted name is the name.
    const sql = written
      .replace(/\/\*[\s\S]*?\*\//g, " ")
      .replace(/--[^\n]*/g, " ")
      .replace(/"(\w+)"/g, "$1");
    if (sql.replace(/;\s*$/, "").includes(";"))
      return "its SQL holds more than one statement: a definition is one SELECT";
    const fn = FORBIDDEN_FUNCTIONS.exec(sql);
    if (fn)
      return `its SQL calls ${fn[1]}(), which a metric may not (it waits, reaches outside the data or changes settings)`;
    const column = IDENTIFYING_COLUMNS.exec(sql);
    if (column) return `its SQL names ${column[1]}: a metric counts people, it does not read who they are`;
  }
  return null;
}

const PROBE_PARAMS = (asOf: string) => {
  const year = Number(asOf.slice(0, 4)) - (Number(asOf.slice(5, 7)) < 4 ? 2 : 1);
  const start = `${year}-04-01`;
  const end = `${year + 1}-03-31`;
  const ref = `${year}-09-30`;
  return {
    ref,
    params: [[`${start}..${end}`], [start], [end], [`${year + 1}-04-01`], [ref], [12], asOf, start, end],
  };
};

/**
 * Checks a definition's SQL against the database before it is stored; throws an invalid error naming what
 * is wrong. Runs in its own transaction and leaves nothing behind.
 */
export async function checkDefinitionSql(
  db: Db,
  input: DefinitionSql,
  prepare: (tx: Queryable, refDate: string) => Promise<void>,
): Promise<void> {
  if (input.kind !== "sql") return;
  const text = definitionTextProblem(input);
  if (text) fail(input.metricId, text);
  const latest = await db.query<{ d: string | null }>(
    "SELECT max(admitted_at)::date::text AS d FROM hospital_spell",
  );
  const asOf = latest[0]?.d ?? new Date().toISOString().slice(0, 10);
  const { ref, params } = PROBE_PARAMS(asOf);
  await db.transaction(async (tx) => {
    await prepare(tx, ref);
    const parts = [
      ["numerator", input.numeratorSql],
      ["denominator", input.denominatorSql],
    ] as const;
    for (const [name, sql] of parts) {
      if (!sql) continue;
      let bound: string;
      try {
        bound = bindNamed(sql, 7);
      } catch (error) {
        return fail(input.metricId, `its ${name}: ${(error as Error).message}`);
      }
      const statement = `WITH ${PERIODS_CTE} SELECT x.period_id::text, x.person_id::uuid, x.practice_code::text,
        x.n::numeric, x.split::text FROM (${bound}) x`;
      const top = await readOnlyStatement(tx, async () => {
        try {
          return await plan(tx, `WITH ${PERIODS_CTE} SELECT * FROM (${bound}) x`, params);
        } catch (error) {
          return fail(input.metricId, `its ${name} does not run: ${(error as Error).message}`);
        }
      });
      const columns = top.Output?.length ?? 0;
      if (columns !== 5)
        fail(
          input.metricId,
          `its ${name} returns ${columns} columns; the contract is (period_id, person_id, practice_code, n, split)`,
        );
      for (const table of tablesRead(top))
        if (!READABLE_TABLES.has(table))
          fail(
            input.metricId,
            `its ${name} reads ${table}; a metric may read only event and reference tables`,
          );
      const splits = await readOnlyStatement(tx, async () => {
        try {
          return await tx.query<{ split: string | null }>(
            `SELECT DISTINCT s.split FROM (${statement}) s LIMIT ${MAX_BREAKDOWN_CATEGORIES + 1}`,
            params,
          );
        } catch (error) {
          return fail(input.metricId, `its ${name} does not run: ${(error as Error).message}`);
        }
      });
      const problem = breakdownProblem(splits.map((r) => r.split));
      if (problem) fail(input.metricId, problem);
    }
  });
}
