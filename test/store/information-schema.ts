// What a migrated database says its tables are, read from information_schema, in the catalogue's terms.

import type { Table } from "../../src/store/catalogue.ts";
import type { Queryable } from "../../src/store/db.ts";

export interface ActualColumn {
  name: string;
  type: string;
  nullable: boolean;
}

export interface ActualTable {
  name: string;
  columns: ActualColumn[];
  primaryKey: string[];
  unique: string[][];
}

/** information_schema's udt_name to the spelling the migrations (and the catalogue) use. */
const TYPE_NAMES: Record<string, string> = {
  bool: "boolean",
  int2: "smallint",
  int4: "integer",
  int8: "bigint",
  float8: "double precision",
  float4: "real",
  varchar: "varchar",
};

function typeName(udt: string): string {
  if (udt.startsWith("_")) return `${typeName(udt.slice(1))}[]`;
  return TYPE_NAMES[udt] ?? udt;
}

/** Every base table in the current schema but the migrations' own bookkeeping, by name. */
export async function readSchema(q: Queryable): Promise<Map<string, ActualTable>> {
  const columns = await q.query<{
    table_name: string;
    column_name: string;
    udt_name: string;
    is_nullable: string;
  }>(
    `SELECT c.table_name, c.column_name, c.udt_name, c.is_nullable
       FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.table_name <> 'schema_migration'
      ORDER BY c.table_name, c.ordinal_position`,
  );
  const tables = new Map<string, ActualTable>();
  for (const c of columns) {
    let t = tables.get(c.table_name);
    if (!t) {
      t = { name: c.table_name, columns: [], primaryKey: [], unique: [] };
      tables.set(c.table_name, t);
    }
    t.columns.push({ name: c.column_name, type: typeName(c.udt_name), nullable: c.is_nullable === "YES" });
  }
  const keys = await q.query<{
    table_name: string;
    constraint_name: string;
    constraint_type: string;
    column_name: string;
  }>(
    `SELECT tc.table_name, tc.constraint_name, tc.constraint_type, k.column_name
       FROM information_schema.table_constraints tc
       JOIN information_schema.key_column_usage k
         ON k.constraint_schema = tc.constraint_schema AND k.constraint_name = tc.constraint_name
        AND k.table_name = tc.table_name
      WHERE tc.table_schema = current_schema() AND tc.constraint_type IN ('PRIMARY KEY', 'UNIQUE')
      ORDER BY tc.table_name, tc.constraint_name, k.ordinal_position`,
  );
  const unique = new Map<string, string[]>();
  for (const k of keys) {
    const t = tables.get(k.table_name);
    if (!t) continue;
    if (k.constraint_type === "PRIMARY KEY") t.primaryKey.push(k.column_name);
    else {
      const id = `${k.table_name}.${k.constraint_name}`;
      let cols = unique.get(id);
      if (!cols) {
        cols = [];
        unique.set(id, cols);
        t.unique.push(cols);
      }
      cols.push(k.column_name);
    }
  }
  return tables;
}

/** How the catalogue would spell a column, for a message that says what to write. */
function spelled(c: ActualColumn): string {
  return `${c.name}: "${c.type}${c.nullable ? "?" : ""}"`;
}

const keyText = (key: readonly string[]) => `(${key.join(", ")})`;

function compareColumns(expected: Table, actual: ActualTable): string[] {
  const where = `src/store/catalogue/${expected.owner}.ts`;
  const problems: string[] = [];
  const declared = new Map(expected.columns.map((c) => [c.name, c]));
  const present = new Set(actual.columns.map((c) => c.name));
  for (const c of actual.columns) {
    const d = declared.get(c.name);
    if (!d)
      problems.push(
        `${actual.name}.${c.name}: in the database but not in the catalogue; add ${spelled(c)} to ${where}`,
      );
    else if (d.type !== c.type || d.nullable !== c.nullable)
      problems.push(`${actual.name}.${c.name}: the catalogue says ${spelled(d)}, the database ${spelled(c)}`);
  }
  for (const d of expected.columns) {
    if (!present.has(d.name))
      problems.push(`${actual.name}.${d.name}: in the catalogue (${where}) but not in the database`);
  }
  const order = (names: readonly string[], keep: Set<string>) => names.filter((n) => keep.has(n)).join(", ");
  const shared = new Set(expected.columnNames.filter((n) => present.has(n)));
  if (
    problems.length === 0 &&
    order(expected.columnNames, shared) !==
      order(
        actual.columns.map((c) => c.name),
        shared,
      )
  )
    problems.push(
      `${actual.name}: columns out of order; the database has ${actual.columns.map((c) => c.name).join(", ")}`,
    );
  return problems;
}

function compareKeys(expected: Table, actual: ActualTable): string[] {
  const problems: string[] = [];
  if (keyText(expected.primaryKey) !== keyText(actual.primaryKey))
    problems.push(
      `${actual.name}: primary key ${keyText(expected.primaryKey)} in the catalogue, ${keyText(actual.primaryKey)} in the database`,
    );
  const sorted = (keys: readonly (readonly string[])[]) => keys.map(keyText).sort().join(" ") || "none";
  if (sorted(expected.unique) !== sorted(actual.unique))
    problems.push(
      `${actual.name}: unique keys ${sorted(expected.unique)} in the catalogue, ${sorted(actual.unique)} in the database`,
    );
  return problems;
}

/** Every difference between the catalogue and the database, one line each naming the table and column. */
export function compareWithCatalogue(
  tables: readonly Table[],
  actual: ReadonlyMap<string, ActualTable>,
): string[] {
  const problems: string[] = [];
  const declared = new Map(tables.map((t) => [t.name as string, t]));
  for (const [name, t] of actual) {
    const expected = declared.get(name);
    if (!expected) {
      problems.push(
        `${name}: a table the migrations create but the catalogue does not list (src/store/catalogue/)`,
      );
      continue;
    }
    problems.push(...compareColumns(expected, t), ...compareKeys(expected, t));
  }
  for (const t of tables) {
    if (!actual.has(t.name))
      problems.push(
        `${t.name}: in the catalogue (src/store/catalogue/${t.owner}.ts) but no migration creates it`,
      );
  }
  return problems;
}
