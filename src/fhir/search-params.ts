// FHIR search parameter values, parsed: dates with their prefixes and precision, tokens (system|code),
// references (Patient/id or id) and _count. A value that cannot be parsed is a 400, never ignored.
import { isUuid } from "../core/ids.ts";
import { badRequest } from "./outcome.ts";

export type Query = Record<string, string | string[] | undefined>;

/** Every value given for a parameter (repeats are ANDed; commas within one are ORed by the caller). */
export function valuesOf(query: Query, name: string): string[] {
  const v = query[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

export function single(query: Query, name: string): string | undefined {
  const values = valuesOf(query, name);
  if (values.length > 1) throw badRequest(`${name} may be given once`);
  return values[0];
}

export interface DateCriterion {
  prefix: "eq" | "ne" | "lt" | "le" | "gt" | "ge";
  /** The start of the value's period (inclusive) and its end (exclusive), as instants. */
  start: Date;
  end: Date;
}

const DATE =
  /^(eq|ne|lt|le|gt|ge|sa|eb)?(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

export function parseDate(name: string, raw: string): DateCriterion {
  const m = DATE.exec(raw);
  if (!m) throw badRequest(`${name} is not a FHIR date (e.g. ge2024-01-01)`);
  const [, rawPrefix, y, mo, d, h, mi, s, zone] = m;
  const prefix =
    rawPrefix === "sa" ? "gt" : rawPrefix === "eb" ? "lt" : ((rawPrefix ?? "eq") as DateCriterion["prefix"]);
  let start: Date;
  let end: Date;
  if (h !== undefined) {
    const iso = `${y}-${mo}-${d}T${h}:${mi}:${s ?? "00"}${zone ?? "Z"}`;
    start = new Date(iso);
    end = new Date(start.getTime() + (s === undefined ? 60_000 : 1_000));
  } else if (d !== undefined) {
    start = new Date(Date.UTC(+y, +mo - 1, +d));
    end = new Date(Date.UTC(+y, +mo - 1, +d + 1));
  } else if (mo !== undefined) {
    start = new Date(Date.UTC(+y, +mo - 1, 1));
    end = new Date(Date.UTC(+y, +mo, 1));
  } else {
    start = new Date(Date.UTC(+y, 0, 1));
    end = new Date(Date.UTC(+y + 1, 0, 1));
  }
  const rolledOver =
    (mo !== undefined && (+mo < 1 || +mo > 12)) ||
    (d !== undefined && h === undefined && (start.getUTCMonth() !== +mo - 1 || start.getUTCDate() !== +d));
  if (Number.isNaN(start.getTime()) || start.getUTCFullYear() !== +y || rolledOver)
    throw badRequest(`${name} is not a real date`);
  return { prefix, start, end };
}

/** SQL for one date criterion against a column holding an instant. */
export function dateSql(column: string, c: DateCriterion, add: (v: unknown) => string): string {
  const s = () => add(c.start.toISOString());
  const e = () => add(c.end.toISOString());
  switch (c.prefix) {
    case "eq":
      return `(${column} >= ${s()}::timestamptz AND ${column} < ${e()}::timestamptz)`;
    case "ne":
      return `(${column} < ${s()}::timestamptz OR ${column} >= ${e()}::timestamptz)`;
    case "lt":
      return `${column} < ${s()}::timestamptz`;
    case "le":
      return `${column} < ${e()}::timestamptz`;
    case "gt":
      return `${column} >= ${e()}::timestamptz`;
    case "ge":
      return `${column} >= ${s()}::timestamptz`;
  }
}

export interface Token {
  system: string | null;
  code: string;
}

/** system|code, |code (no system), or code (any system); a comma separates alternatives. */
export function parseTokens(name: string, raw: string): Token[] {
  return raw.split(",").map((part) => {
    const bar = part.indexOf("|");
    const token =
      bar < 0 ? { system: null, code: part } : { system: part.slice(0, bar), code: part.slice(bar + 1) };
    if (!token.code) throw badRequest(`${name}: each value needs a code (system|code or code)`);
    return token;
  });
}

/** Patient/<id>, <id>, or a full URL ending in Patient/<id>: the person's id. */
export function patientIdOf(name: string, raw: string): string {
  const m = /^(?:.*\/)?(?:Patient\/)?([0-9A-Fa-f-]{36})$/.exec(raw);
  if (!m || !isUuid(m[1])) throw badRequest(`${name} must reference a Patient by id (Patient/<id>)`);
  return m[1].toLowerCase();
}

export const DEFAULT_COUNT = 50;
export const MAX_COUNT = 500;

export function countOf(query: Query): number {
  const raw = single(query, "_count");
  if (raw === undefined) return DEFAULT_COUNT;
  if (!/^\d{1,6}$/.test(raw)) throw badRequest("_count must be a whole number");
  return Math.min(Number(raw), MAX_COUNT);
}

export function offsetOf(query: Query): number {
  const raw = single(query, "_offset");
  if (raw === undefined) return 0;
  if (!/^\d{1,9}$/.test(raw)) throw badRequest("_offset must be a whole number");
  return Number(raw);
}

/**
 * The query, as the audit row keeps it: identifying values (an NHS Number, a date of birth, a name or an
 * address, should a search ever take them) masked; a token's system is kept, as it says what was asked.
 */
const MASKED = new Set([
  "identifier",
  "birthdate",
  "name",
  "family",
  "given",
  "address",
  "address-postalcode",
]);
export function maskedValue(key: string, value: string): string {
  if (!MASKED.has(key)) return value.slice(0, 100);
  const bar = value.indexOf("|");
  return bar === -1 ? "***" : `${value.slice(0, bar).slice(0, 100)}|***`;
}
