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

/** A signed 64-bit advisory lock key for a string (as text, cast to bigint in SQL). */
export function lockKey(text: string): string {
  return createHash("sha1").update(text).digest().readBigInt64BE(0).toString();
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
