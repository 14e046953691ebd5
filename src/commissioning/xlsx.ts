// Workbooks (.xlsx) through exceljs: sheets of a header row and data rows, read into raw rows and written
// from them, with amounts formatted as pounds and the header frozen.
import ExcelJS from "exceljs";
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

/** A cell's value as text or a number (dates become YYYY-MM-DD, formulas their result). */
function cellValue(value: ExcelJS.CellValue): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === "number" || typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === "object") {
    if ("richText" in value) return value.richText.map((r) => r.text).join("");
    if ("result" in value) return cellValue(value.result as ExcelJS.CellValue);
    if ("text" in value) return String(value.text);
    if ("error" in value) return null;
  }
  return String(value);
}

export async function readWorkbook(input: string | Buffer): Promise<Map<string, RawRow[]>> {
  const wb = new ExcelJS.Workbook();
  if (typeof input === "string") await wb.xlsx.readFile(input);
  else await wb.xlsx.load(input as unknown as ArrayBuffer);
  const sheets = new Map<string, RawRow[]>();
  for (const ws of wb.worksheets) {
    const headerRow = ws.getRow(1);
    const headers: string[] = [];
    headerRow.eachCell({ includeEmpty: true }, (cell, col) => {
      headers[col] = String(cellValue(cell.value) ?? "")
        .trim()
        .toLowerCase();
    });
    const rows: RawRow[] = [];
    for (let r = 2; r <= ws.rowCount; r++) {
      const row = ws.getRow(r);
      const record: RawRow = {};
      let any = false;
      headers.forEach((h, col) => {
        if (!h) return;
        const v = cellValue(row.getCell(col).value);
        record[h] = v;
        if (v !== null && String(v).trim() !== "") any = true;
      });
      if (any) rows.push(record);
    }
    sheets.set(ws.name.trim().toLowerCase(), rows);
  }
  return sheets;
}

export async function writeWorkbook(sheets: readonly SheetData[], creator = "OnePlace"): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = creator;
  // A fixed date keeps two exports of the same plan byte-comparable in their content.
  wb.created = new Date("2000-01-01T00:00:00Z");
  wb.modified = wb.created;
  for (const sheet of sheets) {
    const ws = wb.addWorksheet(sheet.name, { views: [{ state: "frozen", ySplit: 1 }] });
    ws.columns = sheet.headers.map((h) => ({
      header: h,
      key: h,
      width: sheet.widths?.[h] ?? Math.min(60, Math.max(12, h.length + 2)),
      style: sheet.money?.includes(h) ? { numFmt: '"£"#,##0' } : {},
    }));
    ws.getRow(1).font = { bold: true };
    for (const row of sheet.rows) {
      ws.addRow(Object.fromEntries(sheet.headers.map((h) => [h, row[h] ?? null])));
    }
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
