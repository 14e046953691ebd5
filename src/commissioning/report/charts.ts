// Server-rendered SVG charts for the board report: a line chart of a metric against its trajectory, and
// horizontal bars of spend against plan. Plain SVG with a title and description for screen readers; every
// chart is shown with a table of the same figures beside it.

const BLUE = "#005eb8";
const DARK = "#212b32";
const GREY = "#768692";
const PALE = "#d8dde0";
const RAG_COLOUR = { green: "#007f3b", amber: "#ffb81c", red: "#d5281b" } as const;

export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );
}

/** Round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (min === max) {
    const pad = Math.abs(min) * 0.1 || 1;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const first = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let v = first; v <= max + step * 0.5; v += step) ticks.push(Number(v.toFixed(10)));
  return ticks;
}

function format(v: number, decimals: number): string {
  return v.toLocaleString("en-GB", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

export interface LinePoint {
  label: string;
  value: number | null;
  target: number | null;
}

export function lineChart(options: {
  id: string;
  title: string;
  description: string;
  points: readonly LinePoint[];
  decimals: number;
  unit: string;
  rag?: "green" | "amber" | "red" | null;
  width?: number;
  height?: number;
}): string {
  const width = options.width ?? 560;
  const height = options.height ?? 240;
  const m = { top: 16, right: 40, bottom: 44, left: 64 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const values = options.points.flatMap((p) => [p.value, p.target]).filter((v): v is number => v !== null);
  const low = Math.min(0, ...values);
  const ticks = niceTicks(values.length ? low : 0, values.length ? Math.max(...values) : 1);
  const yMin = ticks[0];
  const yMax = ticks[ticks.length - 1];
  const n = options.points.length;
  const x = (i: number) => m.left + (n <= 1 ? w / 2 : (i * w) / (n - 1));
  const y = (v: number) => m.top + h - ((v - yMin) / (yMax - yMin || 1)) * h;
  const path = (key: "value" | "target") => {
    let d = "";
    let pen = false;
    options.points.forEach((p, i) => {
      const v = p[key];
      if (v === null) {
        pen = false;
        return;
      }
      d += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)} `;
      pen = true;
    });
    return d.trim();
  };
  const grid = ticks
    .map(
      (t) =>
        `<line x1="${m.left}" x2="${m.left + w}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="${PALE}"/>` +
        `<text x="${m.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="${DARK}">${escapeXml(format(t, Math.max(0, Math.min(options.decimals, 1))))}</text>`,
    )
    .join("");
  const every = Math.max(1, Math.ceil(n / 8));
  const xLabels = options.points
    .map((p, i) =>
      i % every === 0 || i === n - 1
        ? `<text x="${x(i).toFixed(1)}" y="${m.top + h + 16}" text-anchor="middle" font-size="10" fill="${DARK}">${escapeXml(p.label)}</text>`
        : "",
    )
    .join("");
  const dots = options.points
    .map((p, i) =>
      p.value === null
        ? ""
        : `<circle cx="${x(i).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="${i === n - 1 ? 5 : 3}" fill="${i === n - 1 && options.rag ? RAG_COLOUR[options.rag] : BLUE}" stroke="${i === n - 1 ? DARK : "none"}"/>`,
    )
    .join("");
  const hasTarget = options.points.some((p) => p.target !== null);
  const legendY = height - 8;
  const legend =
    `<line x1="${m.left}" x2="${m.left + 22}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${BLUE}" stroke-width="3"/>` +
    `<text x="${m.left + 28}" y="${legendY}" font-size="11" fill="${DARK}">OnePlace value</text>` +
    (hasTarget
      ? `<line x1="${m.left + 140}" x2="${m.left + 162}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${GREY}" stroke-width="2" stroke-dasharray="6 4"/>` +
        `<text x="${m.left + 168}" y="${legendY}" font-size="11" fill="${DARK}">Plan trajectory</text>`
      : "");
  const titleId = `${options.id}-title`;
  const descId = `${options.id}-desc`;
  return `<svg class="chart" id="${escapeXml(options.id)}" role="img" aria-labelledby="${titleId} ${descId}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">
<title id="${titleId}">${escapeXml(options.title)}</title><desc id="${descId}">${escapeXml(options.description)}</desc>
<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>
${grid}
<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + h}" stroke="${DARK}"/>
<line x1="${m.left}" x2="${m.left + w}" y1="${m.top + h}" y2="${m.top + h}" stroke="${DARK}"/>
${hasTarget ? `<path d="${path("target")}" fill="none" stroke="${GREY}" stroke-width="2" stroke-dasharray="6 4"/>` : ""}
<path class="series" d="${path("value")}" fill="none" stroke="${BLUE}" stroke-width="3"/>
${dots}
${xLabels}
${legend}
</svg>`;
}

export interface BarRow {
  label: string;
  planned: number | null;
  plannedMin: number | null;
  actual: number | null;
}

export function spendChart(options: {
  id: string;
  title: string;
  description: string;
  rows: readonly BarRow[];
}): string {
  const rowHeight = 26;
  const width = 560;
  const m = { top: 10, right: 70, bottom: 34, left: 200 };
  const height = m.top + m.bottom + rowHeight * Math.max(1, options.rows.length);
  const w = width - m.left - m.right;
  const max = Math.max(1, ...options.rows.flatMap((r) => [r.planned ?? 0, r.actual ?? 0]));
  const ticks = niceTicks(0, max, 4);
  const top = ticks[ticks.length - 1];
  const x = (v: number) => m.left + (v / top) * w;
  const money = (v: number) => (v >= 1e6 ? `£${(v / 1e6).toFixed(1)}m` : `£${Math.round(v / 1e3)}k`);
  const bars = options.rows
    .map((r, i) => {
      const y0 = m.top + i * rowHeight;
      const label = r.label.length > 30 ? `${r.label.slice(0, 28)}…` : r.label;
      return (
        `<text x="${m.left - 6}" y="${y0 + 16}" text-anchor="end" font-size="11" fill="${DARK}">${escapeXml(label)}</text>` +
        (r.planned !== null
          ? `<rect x="${m.left}" y="${y0 + 4}" width="${Math.max(0, x(r.planned) - m.left).toFixed(1)}" height="${rowHeight - 8}" fill="#ffffff" stroke="${BLUE}" stroke-width="1.5"/>`
          : "") +
        (r.plannedMin !== null && r.planned !== null && r.plannedMin < r.planned
          ? `<line x1="${x(r.plannedMin).toFixed(1)}" x2="${x(r.plannedMin).toFixed(1)}" y1="${y0 + 2}" y2="${y0 + rowHeight - 2}" stroke="${DARK}" stroke-width="1.5"/>`
          : "") +
        (r.actual !== null
          ? `<rect class="actual" x="${m.left}" y="${y0 + 8}" width="${Math.max(0, x(r.actual) - m.left).toFixed(1)}" height="${rowHeight - 16}" fill="${BLUE}"/>`
          : "")
      );
    })
    .join("");
  const axis = ticks
    .map(
      (t) =>
        `<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${m.top}" y2="${height - m.bottom}" stroke="${PALE}"/>` +
        `<text x="${x(t).toFixed(1)}" y="${height - m.bottom + 14}" text-anchor="middle" font-size="10" fill="${DARK}">${money(t)}</text>`,
    )
    .join("");
  const ly = height - 8;
  const legend =
    `<rect x="${m.left}" y="${ly - 9}" width="18" height="10" fill="#ffffff" stroke="${BLUE}"/><text x="${m.left + 24}" y="${ly}" font-size="11" fill="${DARK}">Planned (maximum; bar mark at minimum)</text>` +
    `<rect x="${m.left + 250}" y="${ly - 9}" width="18" height="10" fill="${BLUE}"/><text x="${m.left + 274}" y="${ly}" font-size="11" fill="${DARK}">Actual to date</text>`;
  return `<svg class="chart" id="${escapeXml(options.id)}" role="img" aria-labelledby="${options.id}-title ${options.id}-desc" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">
<title id="${options.id}-title">${escapeXml(options.title)}</title><desc id="${options.id}-desc">${escapeXml(options.description)}</desc>
<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>
${axis}${bars}${legend}
</svg>`;
}
