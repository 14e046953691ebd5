// CSV as RFC 4180 describes it: comma-separated; fields with commas, quotes or line breaks in double
// quotes, quotes doubled. A byte-order mark and CRLF line ends are accepted on reading; files are written
// with LF line ends and a UTF-8 byte-order mark, so Excel shows "£" correctly.

import { invalid } from "../core/errors.ts";
import type { Cell, RawRow } from "./layout.ts";

export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (quoted) throw invalid("commissioning.csv", "The CSV ends inside a quoted field");
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ""));
}

/** Rows as objects keyed by the header row. */
export function csvRecords(text: string): RawRow[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  const names = header.map((h) => h.trim().toLowerCase());
  return rows.map((r) => Object.fromEntries(names.map((n, i) => [n, r[i] ?? null])));
}

function quote(value: Cell): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) || text.trim() !== text ? `"${text.replaceAll('"', '""')}"` : text;
}

export function writeCsv(headers: readonly string[], rows: readonly RawRow[]): string {
  const lines = [headers.join(","), ...rows.map((r) => headers.map((h) => quote(r[h] ?? null)).join(","))];
  return `\ufeff${lines.join("\n")}\n`;
}
