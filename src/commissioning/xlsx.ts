// Workbooks (.xlsx) through read-excel-file and write-excel-file: sheets of a header row and data rows,
// read into raw rows and written from them, with amounts formatted as pounds and the header frozen.
import readXlsxFile from "read-excel-file/node";
import writeXlsxFile, { type Sheet, type Cell as XlsxCell } from "write-excel-file/node";
import type { Cell, RawRow } from "./layout.ts";

export interface SheetData {
  name: string;
  headers: readonly string[];
  rows: readonly RawRow[];
  /** Headers whose cells are pounds (formatted £#,##0). */
  money?: readonly string[];
  /** Widths in characters, by header. */
  widths?: Readonly<Record<string, number>>;
}

const MONEY_FORMAT = '"£"#,##0';

/** A cell's value as text or a number (dates become YYYY-MM-DD; formulas arrive as their cached result). */
function cellValue(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === "number" || typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value);
}

export async function readWorkbook(input: string | Buffer): Promise<Map<string, RawRow[]>> {
  // trim: false keeps text exactly as entered; the plan layout trims where it means to.
  const workbook = await readXlsxFile(input, { trim: false });
  const sheets = new Map<string, RawRow[]>();
  for (const { sheet, data } of workbook) {
    const headers = (data[0] ?? []).map((h) =>
      String(cellValue(h) ?? "")
        .trim()
        .toLowerCase(),
    );
    const rows: RawRow[] = [];
    for (const row of data.slice(1)) {
      const record: RawRow = {};
      let any = false;
      headers.forEach((h, col) => {
        if (!h) return;
        const v = cellValue(row[col]);
        record[h] = v;
        if (v !== null && String(v).trim() !== "") any = true;
      });
      if (any) rows.push(record);
    }
    sheets.set(sheet.trim().toLowerCase(), rows);
  }
  return sheets;
}

function xlsxCell(value: Cell | undefined, money: boolean): XlsxCell {
  if (value === null || value === undefined) return null;
  if (money && typeof value === "number") return { value, format: MONEY_FORMAT };
  return value;
}

function sheetOf(sheet: SheetData): Sheet<Buffer> {
  const money = new Set(sheet.money ?? []);
  const header = sheet.headers.map((h) => ({ value: h, fontWeight: "bold" as const }));
  const body = sheet.rows.map((row) => sheet.headers.map((h) => xlsxCell(row[h], money.has(h))));
  return {
    sheet: sheet.name,
    data: [header, ...body],
    stickyRowsCount: 1,
    columns: sheet.headers.map((h) => ({
      width: sheet.widths?.[h] ?? Math.min(60, Math.max(12, h.length + 2)),
    })),
  };
}

/**
 * The workbook's bytes. write-excel-file writes no document properties (author, created), so two exports of
 * the same sheets are byte-identical without pinning a date.
 */
export async function writeWorkbook(sheets: readonly SheetData[]): Promise<Buffer> {
  return writeXlsxFile(sheets.map(sheetOf)).toBuffer();
}
