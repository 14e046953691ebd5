import { createHash } from "node:crypto";
import type { Queryable } from "../store/db.ts";

// Set-based writes: one statement for many rows, with each column passed as one array and unnest() turning
// the arrays back into rows. Both engines accept JavaScript arrays as array parameters.

export interface ColumnSpec {
  name: string;
  /** PostgreSQL type of the column (text, uuid, date, timestamptz, numeric, boolean, jsonb ...). */
  type: string;
}

function arrayType(type: string): string {
  // jsonb arrays travel as text[] and are cast per element.
  return type === "jsonb" ? "text[]" : `${type}[]`;
}

/** SELECT list turning $1..$n arrays into typed columns, for INSERT ... SELECT. */
export function unnestSelect(columns: readonly ColumnSpec[], firstParam = 1): string {
  const args = columns.map((c, i) => `$${firstParam + i}::${arrayType(c.type)}`).join(", ");
  const names = columns.map((c) => c.name).join(", ");
  const casts = columns.map((c) => (c.type === "jsonb" ? `u.${c.name}::jsonb` : `u.${c.name}`)).join(", ");
  return `SELECT ${casts} FROM unnest(${args}) AS u(${names})`;
}

/** Rows (arrays of values in column order) to one array per column. */
export function toColumns(rows: readonly (readonly unknown[])[], width: number): unknown[][] {
  const cols: unknown[][] = Array.from({ length: width }, () => new Array(rows.length));
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    for (let c = 0; c < width; c++) cols[c][r] = row[c] ?? null;
  }
  return cols;
}

/** INSERT many rows in one statement; `suffix` is e.g. "ON CONFLICT DO NOTHING". Returns rows it returned. */
export async function insertMany<T extends Record<string, unknown> = Record<string, unknown>>(
  q: Queryable,
  table: string,
  columns: readonly ColumnSpec[],
  rows: readonly (readonly unknown[])[],
  suffix = "",
): Promise<T[]> {
  if (rows.length === 0) return [];
  const sql = `INSERT INTO ${table} (${columns.map((c) => c.name).join(", ")}) ${unnestSelect(columns)} ${suffix}`;
  return q.query<T>(sql, toColumns(rows, columns.length));
}

export function cols(spec: string): ColumnSpec[] {
  return spec
    .trim()
    .split(/\s*,\s*/)
    .map((pair) => {
      const [name, type] = pair.split(/\s+/);
      return { name, type };
    });
}

/**
 * Names hash into a fixed number of advisory locks, so a bulk load linking thousands of records holds at most
 * this many (PostgreSQL's lock table is small), while unrelated names rarely share one.
 */
export const LOCK_BUCKETS = 512;
const LOCK_BASE = 727_100_000;

/** The advisory lock key for a name (a number, passed as text and cast to bigint in SQL). */
export function lockKey(text: string): string {
  const bucket = createHash("sha1").update(text).digest().readUInt32BE(0) % LOCK_BUCKETS;
  return String(LOCK_BASE + bucket);
}

/**
 * Takes transaction-scoped advisory locks on these names, in a fixed order so two transactions never wait
 * for each other in a circle.
 */
export async function lockNames(q: Queryable, names: Iterable<string>): Promise<void> {
  const keys = [...new Set([...names].map(lockKey))].sort();
  if (keys.length === 0) return;
  await q.query(
    "SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT unnest($1::bigint[]) AS k ORDER BY 1) s",
    [keys],
  );
}
