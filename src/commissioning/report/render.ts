// The board report as one self-contained HTML file: the template, the inlined styles and the charts.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createViewEnvironment } from "../../platform/index.ts";
import type { BoardData } from "./board-data.ts";
import { lineChart, spendChart } from "./charts.ts";

const here = dirname(fileURLToPath(import.meta.url));

// Kept for callers that named it here; the filters module is its home.
export { periodLabel } from "../../platform/index.ts";

export function renderBoardHtml(data: BoardData): string {
  const metrics = data.metrics.map((m) => ({
    ...m,
    chart: m.series.length
      ? lineChart({
          id: `chart-${m.metricId}`,
          title: `${m.shortTitle}, ${m.series[0]?.label} to ${m.series.at(-1)?.label}`,
          description: `OnePlace value${m.target !== null ? " and plan trajectory" : ""} for each period; the same figures are in the table beside the chart.`,
          points: m.series.map((p) => ({ label: p.label, value: p.value, target: p.target })),
          decimals: m.decimals,
          unit: m.unit,
          rag: m.rag,
        })
      : "",
  }));
  const spend = data.spend;
  const spendSvg = spend?.schemes.length
    ? spendChart({
        id: "chart-spend",
        title: `Spend against plan by scheme, ${spend.financialYear}`,
        description:
          "Planned maximum (outlined bar, mark at the minimum) and actual spend to date (filled bar) for each scheme.",
        rows: spend.schemes.map((s) => ({
          label: `${s.schemeId} ${s.name}`,
          planned: s.plannedSpend ?? s.plannedMax,
          plannedMin: s.plannedMin,
          actual: s.actualToDate,
        })),
      })
    : "";
  const css = readFileSync(join(here, "board.css"), "utf8");
  return createViewEnvironment([here]).render("board.njk", {
    d: { ...data, metrics, spendChart: spendSvg },
    css,
  });
}
