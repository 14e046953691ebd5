// CSV outside ingest's streaming reader, through csv-parse and csv-stringify (RFC 4180: commas, fields with
// commas, quotes or line breaks in double quotes, quotes doubled). A byte-order mark and CRLF line ends are
// accepted on reading; files are written with LF line ends and a UTF-8 byte-order mark, so Excel shows "£".
import { Readable } from "node:stream";
import { parse } from "csv-parse/sync";
import { stringify as stringifyStream } from "csv-stringify";
import { stringify } from "csv-stringify/sync";
import { invalid } from "./errors.ts";

export type CsvValue = string | number | null;

/** The rows of a CSV text as fields; blank lines are skipped and rows may differ in length. */
export function parseCsv(text: string): string[][] {
  try {
    return parse(text, {
      bom: true,
      record_delimiter: ["\r\n", "\n", "\r"],
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
    });
  } catch (error) {
    throw invalid("core.csv", `The CSV cannot be read: ${(error as Error).message}`, { cause: error });
  }
}

/** Rows as objects keyed by the header row (names trimmed and lower-cased); missing fields are null. */
export function csvRecords(text: string): Record<string, string | null>[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  const names = header.map((h) => h.trim().toLowerCase());
  return rows.map((r) => Object.fromEntries(names.map((n, i) => [n, r[i] ?? null])));
}

/** A header row and one line a row, the columns in the order of headers. */
/** Leading or trailing spaces are quoted too, so that no reader trims them away. */
const WRITE_OPTIONS = { bom: true, quoted_match: /^\s|\s$/ };

export function writeCsv(
  headers: readonly string[],
  rows: readonly Record<string, CsvValue | undefined>[],
): string {
  const lines = [headers, ...rows.map((r) => headers.map((h) => r[h] ?? null))];
  return stringify(lines, WRITE_OPTIONS);
}

/**
 * The same file as writeCsv, written as the rows arrive: a stream that reads the next rows only when the
 * reader (the HTTP response) has taken what came before. A failure while reading rows ends the stream
 * with that error, so a response is cut short rather than looking complete.
 */
export function streamCsv(
  headers: readonly string[],
  rows: AsyncIterable<Record<string, CsvValue | undefined>>,
): Readable {
  async function* lines() {
    yield [...headers];
    for await (const r of rows) yield headers.map((h) => r[h] ?? null);
  }
  const source = Readable.from(lines());
  const out = stringifyStream(WRITE_OPTIONS);
  source.on("error", (error) => out.destroy(error));
  return source.pipe(out);
}
