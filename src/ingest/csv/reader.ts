import { createReadStream } from "node:fs";

// A streaming RFC 4180 CSV reader, written for speed: a line without quotes is split directly, and only a
// record with quotes goes through the character-by-character path (quoted commas, doubled quotes, line
// breaks inside quotes). It tolerates a BOM, CRLF or LF line ends and blank lines; what is not valid CSV (an
// unclosed quote at the end of a truncated file, a quote inside an unquoted field) is reported with its line.

export interface CsvRecord {
  fields: string[];
  /** Line the record starts on (1-based). */
  line: number;
  /** The record as written, without its line end. */
  raw: string;
}

export interface CsvProblem {
  line: number;
  raw: string;
  problem: string;
}

export interface CsvBatch {
  records: CsvRecord[];
  problems: CsvProblem[];
}

interface Parsed extends CsvBatch {
  /** Text not yet parsed (a record that continues in the next chunk). */
  rest: string;
  line: number;
}

function quoted(
  text: string,
  start: number,
  line: number,
  final: boolean,
): { record?: CsvRecord; problem?: CsvProblem; end: number; lines: number } | null {
  const fields: string[] = [];
  let field = "";
  let i = start;
  let lines = 0;
  let inQuotes = false;
  let fieldStart = true;
  for (;;) {
    if (i >= text.length) {
      if (!final) return null;
      if (inQuotes) {
        return {
          problem: {
            line,
            raw: text.slice(start),
            problem: "a quoted field is never closed (is the file truncated?)",
          },
          end: i,
          lines,
        };
      }
      fields.push(field);
      return { record: { fields, line, raw: text.slice(start, i) }, end: i, lines };
    }
    const c = text[i];
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        if (i + 1 >= text.length && !final) return null;
        inQuotes = false;
        i++;
        continue;
      }
      if (c === "\n") lines++;
      field += c;
      i++;
      continue;
    }
    if (c === '"') {
      if (!fieldStart) {
        const eol = text.indexOf("\n", i);
        const end = eol === -1 ? text.length : eol + 1;
        return {
          problem: {
            line,
            raw: text.slice(start, eol === -1 ? end : eol).replace(/\r$/, ""),
            problem: "a quote inside an unquoted field",
          },
          end,
          lines: lines + (eol === -1 ? 0 : 1),
        };
      }
      inQuotes = true;
      fieldStart = false;
      i++;
      continue;
    }
    if (c === ",") {
      fields.push(field);
      field = "";
      fieldStart = true;
      i++;
      continue;
    }
    if (c === "\n" || (c === "\r" && text[i + 1] === "\n")) {
      fields.push(field);
      const raw = text.slice(start, i);
      const end = c === "\n" ? i + 1 : i + 2;
      return { record: { fields, line, raw }, end, lines: lines + 1 };
    }
    if (c === "\r" && i + 1 >= text.length && !final) return null;
    field += c;
    fieldStart = false;
    i++;
  }
}

/** Parses as many whole records as the text holds; what is left is returned to be completed by more text. */
export function parseCsvText(text: string, firstLine: number, final: boolean): Parsed {
  const records: CsvRecord[] = [];
  const problems: CsvProblem[] = [];
  let i = 0;
  let line = firstLine;
  while (i < text.length) {
    const nl = text.indexOf("\n", i);
    if (nl === -1 && !final) break;
    const end = nl === -1 ? text.length : nl;
    let lineText = text.slice(i, end);
    if (lineText.endsWith("\r")) lineText = lineText.slice(0, -1);
    if (lineText.indexOf('"') === -1) {
      if (lineText.length > 0) records.push({ fields: lineText.split(","), line, raw: lineText });
      i = nl === -1 ? text.length : nl + 1;
      line++;
      continue;
    }
    const q = quoted(text, i, line, final);
    if (q === null) break;
    if (q.record) records.push(q.record);
    if (q.problem) problems.push(q.problem);
    i = q.end;
    line += q.lines;
  }
  return { records, problems, rest: text.slice(i), line };
}

/**
 * One record, as `parseCsvText` reads it (a line without quotes or line breaks split directly), or null when
 * the text is not exactly one valid record.
 */
export function parseCsvRecord(text: string, line: number): CsvRecord | null {
  if (text.length > 0 && !/["\r\n]/.test(text)) return { fields: text.split(","), line, raw: text };
  const parsed = parseCsvText(text, line, true);
  return parsed.records.length === 1 && parsed.problems.length === 0 ? parsed.records[0] : null;
}

/** A part of one of readCsv's batches: the batch is its pieces' records and problems up to the one that `ends` it. */
export interface CsvPiece extends CsvBatch {
  ends: boolean;
}

/**
 * How much text is read and parsed at a time. Every reader of a file must use the same: a problem is given to the
 * batch being filled when its text is parsed, and the parsing thread skips the batches the loading thread wrote.
 */
const TEXT_BYTES = 1 << 16;

/**
 * Reads a CSV file: the first record (the header) alone, then batches of `batchSize` records. Lines are numbered
 * from `firstLine` (the header's number).
 */
export async function* readCsv(
  path: string,
  batchSize = 5000,
  textBytes = TEXT_BYTES,
  firstLine = 1,
): AsyncGenerator<CsvBatch> {
  let batch: CsvBatch = { records: [], problems: [] };
  for await (const piece of readCsvPieces(path, batchSize, textBytes, firstLine)) {
    for (const r of piece.records) batch.records.push(r);
    for (const p of piece.problems) batch.problems.push(p);
    if (!piece.ends) continue;
    yield batch;
    batch = { records: [], problems: [] };
  }
}

/**
 * readCsv's batches in pieces, each handed out as soon as its text (64 KiB at a time) is parsed: a reader that
 * takes records one by one keeps none past its piece, where a whole batch held at once outlived the garbage
 * collector's young generation and was copied into the old one (the CSV parsing thread, prepare.ts). A batch's
 * problems are those parsed before it was cut (a problem after the header waits for the batch being filled).
 */
export async function* readCsvPieces(
  path: string,
  batchSize: number,
  textBytes = TEXT_BYTES,
  firstLine = 1,
): AsyncGenerator<CsvPiece> {
  let headerSent = false;
  let carry = "";
  let line = firstLine;
  let first = true;
  /** Records handed out in the batch being filled, and whether anything (a record or a problem) was. */
  let inBatch = 0;
  let open = false;
  const pending: CsvBatch = { records: [], problems: [] };
  function* pieces(final: boolean): Generator<CsvPiece> {
    if (!headerSent) {
      if (pending.records.length === 0 && !final) return;
      headerSent = pending.records.length > 0;
      if (headerSent) yield { records: pending.records.splice(0, 1), problems: [], ends: true };
    }
    while (inBatch + pending.records.length >= batchSize) {
      yield {
        records: pending.records.splice(0, batchSize - inBatch),
        problems: pending.problems.splice(0),
        ends: true,
      };
      inBatch = 0;
      open = false;
    }
    const more = pending.records.length > 0 || pending.problems.length > 0;
    if (final ? more || open : more) {
      inBatch += pending.records.length;
      open = !final;
      yield { records: pending.records.splice(0), problems: pending.problems.splice(0), ends: final };
    }
  }
  for await (const chunk of createReadStream(path, { encoding: "utf8", highWaterMark: textBytes })) {
    let text = carry + (chunk as string);
    if (first) {
      text = text.replace(/^\uFEFF/, "");
      first = false;
    }
    const parsed = parseCsvText(text, line, false);
    carry = parsed.rest;
    line = parsed.line;
    for (const r of parsed.records) pending.records.push(r);
    for (const p of parsed.problems) pending.problems.push(p);
    yield* pieces(false);
  }
  const last = parseCsvText(first ? carry.replace(/^\uFEFF/, "") : carry, line, true);
  for (const r of last.records) pending.records.push(r);
  for (const p of last.problems) pending.problems.push(p);
  yield* pieces(true);
}
