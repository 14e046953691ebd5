// The board report as one self-contained HTML file: the template, the inlined styles and the charts.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import nunjucks from "nunjucks";
import { formatPounds } from "../amounts.ts";
import type { BoardData } from "./board-data.ts";
import { lineChart, spendChart } from "./charts.ts";

const here = dirname(fileURLToPath(import.meta.url));
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

function environment(): nunjucks.Environment {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(here), {
    autoescape: true,
    throwOnUndefined: false,
  });
  env.addFilter("num", (v: number | null | undefined, decimals = 0) =>
    v === null || v === undefined || !Number.isFinite(v)
      ? "–"
      : Number(v).toLocaleString("en-GB", {
          minimumFractionDigits: decimals,
          maximumFractionDigits: decimals,
        }),
  );
  env.addFilter("money", (v: number | null | undefined) =>
    v === null || v === undefined ? "–" : formatPounds(v),
  );
  env.addFilter("longdate", (iso: string | null | undefined) => {
    if (!iso) return "–";
    const d = iso.slice(0, 10);
    return `${Number(d.slice(8, 10))} ${MONTHS[Number(d.slice(5, 7)) - 1]} ${d.slice(0, 4)}`;
  });
  env.addFilter("periodlabel", (id: string) => periodLabel(id));
  env.addFilter("ragword", (r: string | null) =>
    r === "green"
      ? "on or better than plan (green)"
      : r === "amber"
        ? "within tolerance (amber)"
        : r === "red"
          ? "off plan (red)"
          : "no target",
  );
  env.addFilter("ragbadge", (r: string | null) =>
    r
      ? `<span class="rag rag-${r}">${r[0].toUpperCase()}${r.slice(1)}</span>`
      : `<span class="rag rag-none">No target</span>`,
  );
  return env;
}

/** A period id in words: 2014/15, Q3 2014, Apr to Dec 2014, Jan 2015 to Jun 2016. */
export function periodLabel(id: string): string {
  const range = /^(\d{4})-(\d{2})-01\.\.(\d{4})-(\d{2})-\d{2}$/.exec(id);
  if (!range) return id;
  const short = (m: string) => MONTHS[Number(m) - 1].slice(0, 3);
  const [, y1, m1, y2, m2] = range;
  return y1 === y2 ? `${short(m1)} to ${short(m2)} ${y1}` : `${short(m1)} ${y1} to ${short(m2)} ${y2}`;
}

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
  return environment().render("board.njk", { d: { ...data, metrics, spendChart: spendSvg }, css });
}
