import {
  CANONICAL_TABLES,
  CATALOGUE,
  type CanonicalName,
  ident,
  joinSql,
  preparedText,
  type Queryable,
  type SqlFragment,
  signalWritten,
  sql,
  tableNamed,
} from "../store/index.ts";

/**
 * Runs a move as a prepared statement: a merge sends one a table (some thirty, most moving nothing), each text the
 * same for every merge, so each is parsed and planned once per connection, not once per merge.
 */
export function runMove(q: Queryable, move: SqlFragment): Promise<Record<string, unknown>[]> {
  return q.query(preparedText("mpi.move", move.text), move.values);
}

// Moving canonical rows between people when records change hands. Activity rows follow the source record
// they belong to: social care rows name their client id; every other row's record is in ingest_row_subject.
// Rows about the person rather than a record (objections, opt-outs, care teams) move whole on a merge and
// are recorded so an unmerge can put them back. A break-glass access never moves: it is the record of what was
// done to the person it names (its table refuses an update of person_id and a delete, and its seal in the audit
// chain names that person), so it stays with the retired person and is found under the survivor through the
// merge (peopleMergedInto, survivorsOf).

const namesClient = (table: CanonicalName) => CATALOGUE[table].columns.some((c) => c.name === "client_id");

/** Canonical tables whose rows name the social care client record they belong to. */
export const CLIENT_ID_TABLES: readonly CanonicalName[] = CANONICAL_TABLES.filter(namesClient);

/** Canonical tables whose rows' source record is kept in ingest_row_subject. */
export const SUBJECT_TABLES: readonly CanonicalName[] = CANONICAL_TABLES.filter((t) => !namesClient(t));

/**
 * Canonical tables that may keep a row's source record in the row itself (subject_record_id, a record of the
 * row's own source system; a CSV extract writes it there). Their other rows are in ingest_row_subject.
 */
export const SUBJECT_IN_ROW_TABLES: readonly CanonicalName[] = SUBJECT_TABLES.filter((t) =>
  CATALOGUE[t].columns.some((c) => c.name === "subject_record_id"),
);

/** Person-level rows carried over on a merge (when the capability that owns them is installed). */
export const PERSON_LEVEL_TABLES = [
  "sharing_objection",
  "data_opt_out",
  "caseload_entry",
  "care_team_member",
  "referral",
  "care_plan_version",
  "mdt_agenda_item",
  "mdt_action",
] as const;

export type RecordKey = readonly [sourceSystem: string, recordId: string];

function split(records: readonly RecordKey[]): [string[], string[]] {
  return [records.map((r) => r[0]), records.map((r) => r[1])];
}

/**
 * Gives the rows of `from` that `where` (conditions on the table, aliased t) picks to `to`, RETURNING `returning`
 * of each moved row. A delete and an insert in one statement, not `UPDATE ... SET person_id`: Citus refuses to
 * change a distributed table's distribution column (the row moves to another shard), and on one server an update
 * of person_id, which leads every index, writes a new entry in each of them as an insert does. An insert into
 * hospital_spell queues a recent emergency admission for the person it now belongs to (admission notices), so
 * a move of its rows bumps the sign the notifier watches on Citus (store/spell-signal.ts).
 */
export function reassignRows(
  table: string,
  from: string,
  to: string,
  where: SqlFragment,
  returning: SqlFragment = sql`1`,
): SqlFragment {
  const columns = tableNamed(table).columnNames;
  const names = joinSql(columns.map((c) => sql`${ident(c)}`));
  const values = joinSql(
    columns.map((c) => (c === "person_id" ? sql`${to}::uuid` : sql`moving.${ident(c)}`)),
  );
  return sql`WITH moving AS (DELETE FROM ${ident(table)} AS t WHERE t.person_id = ${from} ${where} RETURNING t.*)
    INSERT INTO ${ident(table)} (${names}) SELECT ${values} FROM moving RETURNING ${returning}`;
}

/** death is keyed by person alone: a second death for the target stays where it is. */
function deathGuard(table: string, to: string): SqlFragment {
  return table === "death" ? sql`AND NOT EXISTS (SELECT 1 FROM death d WHERE d.person_id = ${to})` : sql``;
}

/** Moves the rows that belong to these records from one person to another. Returns rows moved. */
export async function moveRecordRows(
  q: Queryable,
  records: readonly RecordKey[],
  from: string,
  to: string,
): Promise<number> {
  if (records.length === 0 || from === to) return 0;
  const [systems, ids] = split(records);
  const ofRecords = sql`IN (SELECT * FROM unnest(${systems}::text[], ${ids}::text[]))`;
  // Where each kind of table keeps the record a row belongs to: in the row (client id, or subject in the row),
  // or in ingest_row_subject.
  const where: [readonly CanonicalName[], (table: CanonicalName) => SqlFragment][] = [
    [CLIENT_ID_TABLES, () => sql`AND (t.source_system, t.client_id) ${ofRecords}`],
    [
      SUBJECT_IN_ROW_TABLES,
      (table) => sql`${deathGuard(table, to)} AND (t.source_system, t.subject_record_id) ${ofRecords}`,
    ],
    [
      SUBJECT_TABLES,
      (table) => sql`${deathGuard(table, to)}
         AND (t.source_system, t.source_record_id) IN (
           SELECT s.source_system, s.source_record_id FROM ingest_row_subject s
           WHERE s.table_name = ${table} AND (s.subject_system, s.subject_record_id) ${ofRecords})`,
    ],
  ];
  let moved = 0;
  for (const [tables, picks] of where) {
    for (const table of tables) {
      const rows = await runMove(q, reassignRows(table, from, to, picks(table)));
      if (rows.length > 0) await signalWritten(q, table);
      moved += rows.length;
    }
  }
  return moved;
}

/** Moves every canonical row of one person to another (a whole-person merge). */
export async function moveAllActivity(q: Queryable, from: string, to: string): Promise<void> {
  for (const table of [...CLIENT_ID_TABLES, ...SUBJECT_TABLES]) {
    await runMove(q, reassignRows(table, from, to, deathGuard(table, to)));
    await signalWritten(q, table);
  }
}

async function existingTables(q: Queryable, names: readonly string[]): Promise<string[]> {
  const rows = await q.query<{ name: string }>(
    "SELECT n AS name FROM unnest($1::text[]) n WHERE to_regclass(n) IS NOT NULL",
    [names],
  );
  return rows.map((r) => r.name);
}

async function keyColumns(q: Queryable, table: string): Promise<string[]> {
  const rows = await q.query<{ column_name: string }>(
    `SELECT a.attname AS column_name
     FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
     WHERE i.indrelid = to_regclass($1) AND i.indisprimary AND a.attname <> 'person_id'
     ORDER BY a.attname`,
    [table],
  );
  return rows.map((r) => r.column_name);
}

export type MovedRows = Record<string, string[][]>;

/** Moves person-level rows (objections, care teams ...) and returns their keys, for an unmerge. */
export async function movePersonLevelRows(q: Queryable, from: string, to: string): Promise<MovedRows> {
  const moved: MovedRows = {};
  for (const table of await existingTables(q, PERSON_LEVEL_TABLES)) {
    const keys = await keyColumns(q, table);
    if (keys.length === 0) continue;
    const returning = joinSql(keys.map((k) => sql`${ident(k)}::text AS ${ident(k)}`));
    // A row the surviving person already has under the same key (both on one meeting's agenda, say) stays
    // with the retired person, where an unmerge finds it, rather than failing the merge. The survivor's keys
    // are an uncorrelated subquery (NOT IN: key columns are never null), which Citus reads from the survivor's
    // shard first; a subquery correlated across two people's shards it cannot plan.
    const key = joinSql(keys.map((k) => sql`${ident(k)}`));
    const rows = await runMove(
      q,
      reassignRows(
        table,
        from,
        to,
        sql`AND (${joinSql(keys.map((k) => sql`t.${ident(k)}`))}) NOT IN (
           SELECT ${key} FROM ${ident(table)} WHERE person_id = ${to})`,
        returning,
      ),
    );
    if (rows.length > 0) moved[table] = rows.map((r) => keys.map((k) => String(r[k])));
  }
  return moved;
}

/** Puts person-level rows moved by a merge back on the person they came from. */
export async function restorePersonLevelRows(
  q: Queryable,
  moved: MovedRows,
  from: string,
  to: string,
): Promise<void> {
  for (const [table, rows] of Object.entries(moved)) {
    if (!(PERSON_LEVEL_TABLES as readonly string[]).includes(table)) continue;
    const keys = await keyColumns(q, table);
    for (const row of rows) {
      const where = joinSql(
        keys.map((k, i) => sql`${ident(k)}::text = ${row[i]}`),
        " AND ",
      );
      await runMove(q, reassignRows(table, from, to, sql`AND ${where}`));
    }
  }
}
