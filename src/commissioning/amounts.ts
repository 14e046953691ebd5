// Amounts as plans print them: "£196k", "£1,002k", "£10,565,000", "£214" in a table of £000s, "Nil",
// "TBC". parseAmount reads them; wellFormed says whether the printed text is a proper figure at all
// ("£10,565,00" is not: its last group has two digits).

export interface ParsedAmount {
  /** Pounds, or null when the text states no figure (TBC, blank). */
  amount: number | null;
  wellFormed: boolean;
}

const NOT_STATED = /^(tbc|tba|n\/a|na|-|–|unknown)?$/i;

/** Reads a printed amount. `unit` is the table's unit (1 for pounds, 1000 for a table of £000s). */
export function parseAmount(text: string | number | null | undefined, unit = 1): ParsedAmount {
  if (text === null || text === undefined) return { amount: null, wellFormed: true };
  if (typeof text === "number")
    return { amount: Number.isFinite(text) ? text * unit : null, wellFormed: true };
  const cleaned = text.replace(/\(.*?\)/g, "").trim();
  if (NOT_STATED.test(cleaned)) return { amount: null, wellFormed: true };
  if (/^nil$/i.test(cleaned)) return { amount: 0, wellFormed: true };
  const m = /^(-)?£?\s*([0-9][0-9,]*)(\.[0-9]+)?\s*(k|m|bn)?$/i.exec(cleaned);
  if (!m) return { amount: null, wellFormed: false };
  const [, minus, whole, fraction, suffix] = m;
  const grouped = whole.includes(",");
  const wellFormed = !grouped || /^[0-9]{1,3}(,[0-9]{3})*$/.test(whole);
  const scale = { k: 1e3, m: 1e6, bn: 1e9 }[suffix?.toLowerCase() as "k" | "m" | "bn"] ?? unit;
  let value = Number(whole.replaceAll(",", "") + (fraction ?? "")) * scale;
  if (!wellFormed) {
    // "£10,565,00": read the groups as thousands, the way the writer meant them, and say so.
    const groups = whole.split(",");
    value = groups.reduce((acc, g) => acc * 1000 + Number(g), 0) * scale;
  }
  return { amount: minus ? -value : value, wellFormed };
}

export { formatPounds } from "../core/money.ts";

/** Compact form for tables: £2.86m, £381k, £520. */
export function formatPoundsShort(amount: number | null | undefined): string {
  if (amount === null || amount === undefined || !Number.isFinite(amount)) return "–";
  const a = Math.abs(amount);
  const sign = amount < 0 ? "-" : "";
  if (a >= 1e6) return `${sign}£${(a / 1e6).toFixed(2)}m`;
  if (a >= 1e4) return `${sign}£${Math.round(a / 1e3).toLocaleString("en-GB")}k`;
  return `${sign}£${Math.round(a).toLocaleString("en-GB")}`;
}
