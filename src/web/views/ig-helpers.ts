// Small pieces the IG and sharing pages share: escaping text put into a component's html, dates and times as
// people read them, NHS Numbers 3-3-4, names, and the NHS.UK numbered pagination's items.
import { londonDateTime } from "../../core/index.ts";
import { normaliseNhsNumber, spaceNhsNumber } from "../../core/nhs-number.ts";

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text made safe for a component's `html` option. */
export function esc(text: string | null | undefined): string {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

const DATE = new Intl.DateTimeFormat("en-GB", {
  timeZone: "UTC",
  day: "numeric",
  month: "long",
  year: "numeric",
});

/** 2026-12-04T17:20:00Z as "4 December 2026 at 17:20" (UK time). */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return "–";
  return londonDateTime(iso).replace(", ", " at ");
}

/** 2015-03-31 as "31 March 2015". */
export function longDate(iso: string | null | undefined): string {
  return iso ? DATE.format(new Date(`${iso.slice(0, 10)}T00:00:00Z`)) : "–";
}

/** An NHS Number as 943 476 5919; anything not valid as it is. */
export function nhs(value: string | null | undefined): string {
  const digits = normaliseNhsNumber(value ?? "");
  return digits ? spaceNhsNumber(digits) : (value ?? "–");
}

/** "Jane SMITH" order as the NHS shows names: given name, then family name in capitals. */
export function personName(name: { given: string | null; family: string | null }): string {
  const family = (name.family ?? "").toUpperCase();
  return [name.given, family].filter(Boolean).join(" ") || "Name not known";
}

/** "Showing 26 to 50 of 312". */
export function showing(page: number, pageSize: number, total: number, noun: string): string {
  if (total === 0) return `No ${noun}`;
  const from = (page - 1) * pageSize + 1;
  const to = Math.min(total, page * pageSize);
  return from > total
    ? `No ${noun} on this page (there are ${total})`
    : `Showing ${from} to ${to} of ${total} ${noun}`;
}
