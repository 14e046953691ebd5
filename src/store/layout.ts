// The Citus layout: where each table lives on a cluster (declared in the catalogue, catalogue/define.ts), what a
// database has now, and `distribute` to make the second match the first. On one PostgreSQL server or PGlite
// nothing here changes anything: `citusStatus` says Citus is absent and `distribute` refuses.
import { type Layout, TABLES, type TableName } from "./catalogue.ts";
import { DatabaseError, type Db, type Queryable, quoteIdent } from "./db.ts";

export type { Layout } from "./catalogue.ts";

/** The table every distributed table is co-located with: a person's rows are on one node. */
export const COLOCATION_TABLE = "person" satisfies TableName;
/** The column every distributed table is sharded on. */
export const DISTRIBUTION_COLUMN = "person_id";
/** The column a table laid out "nhs-number" is sharded on (person_by_nhs_number: a look-up by number is routed). */
export const NHS_NUMBER_COLUMN = "nhs_number";

/**
 * Tables the migrations make that the catalogue does not list: the migration ledger, which only `db migrate`
 * reads, on the coordinator.
 */
const UNCATALOGUED: Readonly<Record<string, Layout>> = { schema_migration: "local" };

/** Every table's declared layout, in migration order (person first among the distributed ones). */
export function declaredLayout(): { table: string; layout: Layout }[] {
  return [
    ...Object.entries(UNCATALOGUED).map(([table, layout]) => ({ table, layout })),
    ...TABLES.map((t) => ({ table: t.name as string, layout: t.layout })),
  ];
}

/** What a table is on the cluster now: "plain" is an ordinary PostgreSQL table Citus does not know of. */
export type ActualLayout = Layout | "plain" | "missing";

export interface TableLayout {
  table: string;
  declared: Layout;
  actual: ActualLayout;
  /** For a distributed table: its distribution column and whether it is co-located with person. */
  column?: string;
  colocated?: boolean;
  /** Declared and actual agree (a distributed table also on person_id, co-located with person). */
  asDeclared: boolean;
}

export interface CitusStatus {
  /** The citus extension's version in this database, or null when it is not installed here. */
  version: string | null;
  /** This database is the cluster's coordinator (where DDL and the layout are applied). */
  coordinator: boolean;
  /** Worker nodes registered with the coordinator. */
  workers: number;
  tables: TableLayout[];
  /** Triggers off because a shard cannot run them (transition tables): "table.trigger". */
  triggersOff: string[];
}

/** The citus extension's version in this database (null without it). PGlite never has it. */
export async function citusVersion(db: Queryable): Promise<string | null> {
  const rows = await db.query<{ extversion: string }>(
    "SELECT extversion FROM pg_extension WHERE extname = 'citus'",
  );
  return rows[0]?.extversion ?? null;
}

const CITUS = new WeakMap<Db, Promise<boolean>>();

/**
 * Whether this database is on a Citus cluster (the extension is in it), asked once per handle. For the few
 * statements that must take another shape there (each says why); PGlite never is.
 */
export function onCitus(db: Db): Promise<boolean> {
  if (db.citus !== undefined) return Promise.resolve(db.citus);
  let known = CITUS.get(db);
  if (!known) {
    known = db.engine === "postgres" ? citusVersion(db).then((v) => v !== null) : Promise.resolve(false);
    CITUS.set(db, known);
  }
  return known;
}

/**
 * onCitus for a handle or a transaction, without a query: what the engine found when the database was opened.
 * For a statement on a hot path that Citus cannot plan as one server does (each caller says why).
 */
export function isCitus(q: Queryable): boolean {
  return q.citus === true;
}

interface DistRow extends Record<string, unknown> {
  table: string;
  kind: "h" | "n" | "r" | "a";
  repmodel: string;
  column: string | null;
  colocationid: number;
}

/** Each table's layout now against its declaration; Citus absent: every table is "plain". */
export async function citusStatus(db: Db): Promise<CitusStatus> {
  const version = db.engine === "postgres" ? await citusVersion(db) : null;
  const existing = new Set(
    (
      await db.query<{ relname: string }>(
        "SELECT relname FROM pg_class WHERE relkind IN ('r', 'p') AND relnamespace = 'public'::regnamespace",
      )
    ).map((r) => r.relname),
  );
  let coordinator = false;
  let workers = 0;
  const dist = new Map<string, DistRow>();
  if (version) {
    // A worker has the extension too, but no nodes registered under group 0 of its own.
    const [node] = await db.query<{ coordinator: boolean; workers: number }>(
      `SELECT EXISTS (SELECT 1 FROM pg_dist_node WHERE groupid = 0) AS coordinator,
              (SELECT count(*) FROM pg_dist_node WHERE groupid <> 0 AND noderole = 'primary' AND isactive)::int AS workers`,
    );
    coordinator = node.coordinator;
    workers = node.workers;
    for (const row of await db.query<DistRow>(
      `SELECT c.relname AS table, p.partmethod AS kind, p.repmodel, p.colocationid,
              CASE WHEN p.partmethod = 'h' THEN column_to_column_name(p.logicalrelid, p.partkey) END AS column
         FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid
        WHERE c.relnamespace = 'public'::regnamespace`,
    )) {
      dist.set(row.table, row);
    }
  }
  const personGroup = dist.get(COLOCATION_TABLE)?.colocationid;
  const tables = declaredLayout().map(({ table, layout }): TableLayout => {
    if (!existing.has(table)) return { table, declared: layout, actual: "missing", asDeclared: false };
    const row = dist.get(table);
    if (!row) return { table, declared: layout, actual: "plain", asDeclared: false };
    if (row.kind === "h") {
      const colocated = row.colocationid === personGroup;
      // Sharded on the number in a group of its own: "nhs-number"; on anything else, "distributed".
      const byNumber = row.column === NHS_NUMBER_COLUMN && !colocated;
      return {
        table,
        declared: layout,
        actual: byNumber ? "nhs-number" : "distributed",
        column: row.column ?? undefined,
        colocated,
        asDeclared: byNumber
          ? layout === "nhs-number"
          : layout === "distributed" && row.column === DISTRIBUTION_COLUMN && colocated,
      };
    }
    // partmethod 'n': a reference table is replicated to every node ('t'), a local one is not ('s').
    const actual: Layout = row.repmodel === "t" ? "reference" : "local";
    return { table, declared: layout, actual, asDeclared: actual === layout };
  });
  const triggersOff = version ? await disabledTriggers(db) : [];
  return { version, coordinator, workers, tables, triggersOff };
}

export interface DistributeOptions {
  /** Shards per distributed table for a new co-location group (Citus's own default when absent: 32). */
  shardCount?: number;
  /** Called before each change, with the SQL it runs (for the command's progress lines). */
  onStep?: (step: DistributeStep) => void;
}

export interface DistributeStep {
  table: string;
  from: ActualLayout;
  to: Layout;
  sql: string;
}

/** Why distribute cannot run here, or null when it can. */
export function refusal(status: CitusStatus, engine: Db["engine"]): string | null {
  if (engine !== "postgres")
    return "The embedded database is one PostgreSQL in this process: there is no cluster to distribute over. Set DATABASE_URL to a Citus coordinator.";
  if (!status.version)
    return "This PostgreSQL server does not have the citus extension in this database, so there is nothing to distribute over: run 'CREATE EXTENSION citus' on a Citus coordinator (and add its workers), or leave the tables as they are on a single server.";
  if (!status.coordinator)
    return "This server has the citus extension but is not a coordinator (no coordinator in pg_dist_node): run distribute against the coordinator, after SELECT citus_set_coordinator_host(...) and citus_add_node(...) for each worker.";
  return null;
}

/**
 * A statement trigger reading a transition table (care's admission queue on hospital_spell) cannot run on a
 * shard: Citus runs the statement per shard, where the transition table does not exist, and every insert
 * would fail. It is disabled before the table is distributed (the shards copy it disabled); the capability
 * that owns it says what happens instead (src/care/README.md).
 */
async function disableTransitionTriggers(tx: Queryable, table: string): Promise<void> {
  const triggers = await tx.query<{ tgname: string }>(
    `SELECT tgname FROM pg_trigger
      WHERE tgrelid = $1::regclass AND NOT tgisinternal AND tgenabled <> 'D'
        AND (tgnewtable IS NOT NULL OR tgoldtable IS NOT NULL)`,
    [table],
  );
  for (const { tgname } of triggers)
    await tx.exec(`ALTER TABLE ${quoteIdent(table)} DISABLE TRIGGER ${quoteIdent(tgname)}`);
}

/**
 * What a cluster runs instead of a transition-table trigger: a row trigger named `*_on_citus`, made disabled by
 * its migration (one server keeps the statement trigger, one INSERT a statement). distribute turns each such
 * trigger on a distributed table on (and with it its copy on every shard); a database already laid out gets it
 * on the next distribute too.
 */
async function enableCitusTriggers(db: Db, options: DistributeOptions): Promise<DistributeStep[]> {
  const rows = await db.query<{ table: string; tgname: string }>(
    `SELECT c.relname AS table, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
       JOIN pg_dist_partition p ON p.logicalrelid = c.oid AND p.partmethod = 'h'
      WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal AND t.tgenabled = 'D'
        AND t.tgname LIKE '%\\_on\\_citus'
      ORDER BY 1, 2`,
  );
  const steps: DistributeStep[] = [];
  for (const { table, tgname } of rows) {
    const sql = `ALTER TABLE ${quoteIdent(table)} ENABLE TRIGGER ${quoteIdent(tgname)}`;
    const step = { table, from: "distributed" as const, to: "distributed" as const, sql };
    options.onStep?.(step);
    await db.transaction(async (tx) => {
      await tx.exec("SET LOCAL citus.enable_unsafe_triggers = on");
      await tx.exec(sql);
    });
    steps.push(step);
  }
  return steps;
}

/** Triggers distribute disabled because they read transition tables ("table.trigger"). */
export async function disabledTriggers(db: Queryable): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    `SELECT c.relname || '.' || t.tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
      WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal AND t.tgenabled = 'D'
        AND (t.tgnewtable IS NOT NULL OR t.tgoldtable IS NOT NULL) AND c.relname !~ '_[0-9]+$'
      ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

function statementFor(table: string, to: Layout, options: DistributeOptions, personShards: number): string {
  const name = `'${table}'`;
  switch (to) {
    case "nhs-number":
      // A group of its own (the number names no person's shard), with as many shards as person's.
      return `SELECT create_distributed_table(${name}, '${NHS_NUMBER_COLUMN}', colocate_with => 'none', shard_count => ${personShards})`;
    case "reference":
      return `SELECT create_reference_table(${name})`;
    case "local":
      // With the plain tables its foreign keys join it to (all declared local: the reference ones are done).
      return `SELECT citus_add_local_table_to_metadata(${name}, cascade_via_foreign_keys => true)`;
    case "distributed":
      return table === COLOCATION_TABLE
        ? `SELECT create_distributed_table(${name}, '${DISTRIBUTION_COLUMN}'${
            options.shardCount ? `, shard_count => ${options.shardCount}` : ""
          })`
        : `SELECT create_distributed_table(${name}, '${DISTRIBUTION_COLUMN}', colocate_with => '${COLOCATION_TABLE}')`;
  }
}

/** How many shards person has (a table laid out "nhs-number" gets as many); 0 before person is distributed. */
async function personShardCount(db: Db): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_dist_shard WHERE logicalrelid = '${COLOCATION_TABLE}'::regclass`,
  );
  return row.n;
}

/**
 * Makes every table's layout on the coordinator what the catalogue declares, after `migrate`: reference
 * tables first (what the others' foreign keys point at), then person and the tables co-located with it, then
 * those sharded on the NHS Number (as many shards as person), then the coordinator-local ones. A table already as declared is left alone, so running it twice changes
 * nothing; a table whose layout changed since (a later declaration) is first undistributed, then laid out
 * again. Returns the steps it took.
 */
export async function distribute(db: Db, options: DistributeOptions = {}): Promise<DistributeStep[]> {
  const before = await citusStatus(db);
  const refused = refusal(before, db.engine);
  if (refused) throw new DatabaseError(refused, undefined, { kind: "invalid", code: "store.not-citus" });
  const missing = before.tables.filter((t) => t.actual === "missing").map((t) => t.table);
  if (missing.length)
    throw new DatabaseError(
      `Tables not created yet: ${missing.join(", ")}.`,
      "Run 'oneplace db migrate' first, then distribute.",
      { kind: "invalid", code: "store.not-migrated" },
    );
  const order: Layout[] = ["reference", "distributed", "nhs-number", "local"];
  const steps: DistributeStep[] = [];
  // Undistributing a table takes those joined to it by foreign keys with it, so a second pass lays those
  // out again; a database already as declared takes one pass and no step.
  for (let pass = 0; pass < 4; pass++) {
    const taken = steps.length;
    for (const phase of order) {
      // Re-read: laying out one table can change another (Citus makes a plain table with a foreign key to a
      // reference table local of its own accord).
      const now = await citusStatus(db);
      const todo = now.tables
        .filter((t) => t.declared === phase && !t.asDeclared)
        // person first: the others are co-located with it.
        .sort((a, b) => Number(b.table === COLOCATION_TABLE) - Number(a.table === COLOCATION_TABLE));
      for (const t of todo) {
        // Earlier in this phase a cascade may already have made it so.
        const current = (await citusStatus(db)).tables.find((x) => x.table === t.table) as TableLayout;
        if (current.asDeclared) continue;
        if (current.actual !== "plain") {
          const undo = `SELECT undistribute_table('${t.table}', cascade_via_foreign_keys => true)`;
          const step = { table: t.table, from: current.actual, to: phase, sql: undo };
          options.onStep?.(step);
          await db.query(undo);
        }
        const shards = phase === "nhs-number" ? await personShardCount(db) : 0;
        const sql = statementFor(t.table, phase, options, shards);
        const step = { table: t.table, from: current.actual, to: phase, sql };
        options.onStep?.(step);
        try {
          // Triggers stay (the audit's and break-glass's guards, the admission queue): Citus copies them to
          // each shard only when told the trigger functions are safe to run there.
          await db.transaction(async (tx) => {
            await tx.exec("SET LOCAL citus.enable_unsafe_triggers = on");
            // No table changes of Citus's own accord (a plain table with a foreign key to a new reference
            // table would be made local): each is laid out as declared, in its phase.
            await tx.exec("SET LOCAL citus.enable_local_reference_table_foreign_keys = off");
            if (phase === "distributed") await disableTransitionTriggers(tx, t.table);
            await tx.query(sql);
          });
        } catch (e) {
          throw new DatabaseError(
            `Could not make ${t.table} ${phase === "local" ? "coordinator-local" : phase}: ${(e as Error).message}`,
            `The statement was: ${sql}`,
            { cause: e },
          );
        }
        steps.push(step);
      }
    }
    if (steps.length === taken) break;
  }
  steps.push(...(await enableCitusTriggers(db, options)));
  return steps;
}
