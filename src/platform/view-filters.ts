// The one set of Nunjucks filters, for every page of the web face and for the board report: numbers, money,
// dates, periods and RAG ratings look the same wherever OnePlace shows them.
import { formatPounds } from "../core/money.ts";

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

const missing = (v: unknown): v is null | undefined => v === null || v === undefined;

// One formatter per number of decimals: toLocaleString with options makes a new one on every call, which cost
// more than the rest of a page's filters together.
const NUMBER_FORMATS = new Map<number, Intl.NumberFormat>();

/** A number the British way (12,345), to the decimals asked for; a dash when there is none. */
export function num(v: number | null | undefined, decimals = 0): string {
  if (missing(v) || !Number.isFinite(v)) return "–";
  let format = NUMBER_FORMATS.get(decimals);
  if (!format) {
    format = new Intl.NumberFormat("en-GB", {
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    });
    NUMBER_FORMATS.set(decimals, format);
  }
  return format.format(Number(v));
}

export function money(v: number | null | undefined): string {
  return missing(v) ? "–" : formatPounds(v);
}

/** 2015-03-31 as 31 March 2015. */
export function longdate(iso: string | null | undefined): string {
  if (!iso) return "–";
  const d = iso.slice(0, 10);
  return `${Number(d.slice(8, 10))} ${MONTHS[Number(d.slice(5, 7)) - 1]} ${d.slice(0, 4)}`;
}

/** A period id in words: 2014/15, Q3 2014, Apr to Dec 2014, Jan 2015 to Jun 2016. */
export function periodLabel(id: string): string {
  const range = /^(\d{4})-(\d{2})-01\.\.(\d{4})-(\d{2})-\d{2}$/.exec(id);
  if (!range) return id;
  const short = (m: string) => MONTHS[Number(m) - 1].slice(0, 3);
  const [, y1, m1, y2, m2] = range;
  return y1 === y2 ? `${short(m1)} to ${short(m2)} ${y1}` : `${short(m1)} ${y1} to ${short(m2)} ${y2}`;
}

const RAG_WORDS: Record<string, string> = {
  green: "on or better than plan (green)",
  amber: "within tolerance (amber)",
  red: "off plan (red)",
};

export function ragword(r: string | null): string {
  return (r && RAG_WORDS[r]) ?? "no target";
}

/** Markup: templates mark it safe. The rating is one of our own words, never user input. */
export function ragbadge(r: string | null): string {
  return r
    ? `<span class="rag rag-${r}">${r[0].toUpperCase()}${r.slice(1)}</span>`
    : `<span class="rag rag-none">No target</span>`;
}

export const VIEW_FILTERS: Readonly<Record<string, (...args: never[]) => string>> = {
  num,
  money,
  longdate,
  periodlabel: periodLabel,
  ragword,
  ragbadge,
};
