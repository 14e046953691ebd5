// oneplace report board: the quarter's report as a self-contained HTML file and, where a browser is
// installed, a PDF.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Db } from "../../store/index.ts";
import { type BoardData, type BoardOptions, boardData } from "./board-data.ts";
import { haveChromium, printPdf } from "./pdf.ts";
import { renderBoardHtml } from "./render.ts";

export interface BoardReportResult {
  html: string;
  pdf: string | null;
  /** Why there is no PDF, when there is none. */
  pdfNote: string | null;
  data: BoardData;
  seconds: { data: number; html: number; pdf: number; total: number };
}

export async function produceBoardReport(
  db: Db,
  options: BoardOptions & {
    outDir: string;
    pdf?: boolean /** The browser that prints the PDF. */;
    chromium: string;
  },
): Promise<BoardReportResult> {
  const t0 = performance.now();
  const data = await boardData(db, options);
  const t1 = performance.now();
  const html = renderBoardHtml(data);
  mkdirSync(options.outDir, { recursive: true });
  const base = `bcf-board-${data.quarter.id}`;
  const htmlPath = join(options.outDir, `${base}.html`);
  writeFileSync(htmlPath, html);
  const t2 = performance.now();
  let pdf: string | null = null;
  let pdfNote: string | null = null;
  if (options.pdf === false) pdfNote = "PDF not asked for (--no-pdf).";
  else if (!haveChromium(options.chromium)) {
    pdfNote = `No PDF was made: no browser at ${options.chromium} (install Chromium or set ONEPLACE_CHROMIUM). The HTML report is complete; print it from any browser.`;
  } else {
    pdf = join(options.outDir, `${base}.pdf`);
    await printPdf(
      html,
      pdf,
      `${data.place} Health and Wellbeing Board – Better Care Fund, ${data.quarter.label}`,
      options.chromium,
    );
  }
  const t3 = performance.now();
  return {
    html: htmlPath,
    pdf,
    pdfNote,
    data,
    seconds: {
      data: (t1 - t0) / 1000,
      html: (t2 - t1) / 1000,
      pdf: (t3 - t2) / 1000,
      total: (t3 - t0) / 1000,
    },
  };
}
