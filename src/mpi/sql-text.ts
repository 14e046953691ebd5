import type { ColumnSpec } from "./sql.ts";

// SQL text with literal values, for sending many writes in one round trip (a multi-statement exec has no
// parameters). Values are quoted for standard_conforming_strings (on in every PostgreSQL since 9.1): a text
// literal is '...' with each quote doubled, and nothing else is special. A NUL cannot be stored in text at all.

export function literal(value: unknown, type: string): string {
  if (value === null || value === undefined) return "NULL";
  if (type === "boolean") return value ? "true" : "false";
  if (type === "numeric" || type === "smallint" || type === "integer" || type === "float8") {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new RangeError(`not a finite number for a ${type} column`);
    return String(n);
  }
  const text = value instanceof Date ? value.toISOString() : String(value);
  if (text.includes("\u0000")) throw new RangeError("text cannot contain a NUL character");
  const quoted = `'${text.replaceAll("'", "''")}'`;
  return type === "text" ? quoted : `${quoted}::${type}`;
}

export function valuesList(columns: readonly ColumnSpec[], rows: readonly (readonly unknown[])[]): string {
  return rows.map((row) => `(${columns.map((c, i) => literal(row[i], c.type)).join(", ")})`).join(",\n");
}

/** INSERT ... VALUES ... as text ("" when there are no rows). */
export function insertText(
  table: string,
  columns: readonly ColumnSpec[],
  rows: readonly (readonly unknown[])[],
  suffix = "",
): string {
  if (rows.length === 0) return "";
  return `INSERT INTO ${table} (${columns.map((c) => c.name).join(", ")}) VALUES\n${valuesList(columns, rows)}\n${suffix};\n`;
}
