// Words and cells the back-office pages share: field names, matcher outcomes as a reviewer reads them,
// NHS Numbers as the sources hold them, times and their age, tags and paging.
import { isValidNhsNumber, spaceNhsNumber } from "../../core/nhs-number.ts";
import { longdate, num } from "../../platform/index.ts";
import { previousNext } from "./pagination.ts";

export const FIELD_LABELS: Record<string, string> = {
  "nhs-number": "NHS Number",
  "family-name": "Family name",
  "given-name": "Given name",
  "birth-date": "Date of birth",
  sex: "Sex",
  postcode: "Postcode",
};

/** Each comparator outcome in a reviewer's words. */
const OUTCOME_WORDS: Record<string, string> = {
  exact: "the same",
  agree: "the same",
  "one-slip": "one keying slip apart",
  variant: "a known variant (nickname or spelling)",
  similar: "a similar spelling",
  initial: "an initial only",
  swapped: "day and month swapped",
  "one-part": "one part differs",
  sector: "the same postcode sector",
  district: "the same postcode district",
  different: "different",
  disagree: "different",
  missing: "missing on one side",
};

export function outcomeWords(outcome: string): string {
  return OUTCOME_WORDS[outcome] ?? outcome;
}

const AGREEMENT_TAGS: Record<string, { text: string; classes: string }> = {
  agrees: { text: "Agrees", classes: "nhsuk-tag--green" },
  close: { text: "Close", classes: "nhsuk-tag--yellow" },
  differs: { text: "Differs", classes: "nhsuk-tag--red" },
  missing: { text: "Missing", classes: "nhsuk-tag--grey" },
};

export function agreementTag(agreement: string): { text: string; classes: string } {
  return AGREEMENT_TAGS[agreement] ?? AGREEMENT_TAGS.differs;
}

/** Markup for an NHS.UK tag; the text is always one of our own words. */
export function tagHtml(tag: { text: string; classes: string }): string {
  return `<strong class="nhsuk-tag ${tag.classes}">${tag.text}</strong>`;
}

/** An NHS Number as a source holds it: 3-3-4 when it has ten digits, and said when its check digit fails. */
export function nhsNumberText(value: string | null): string {
  if (!value) return "Not recorded";
  const digits = value.replace(/[\s-]/g, "");
  if (!/^\d{10}$/.test(digits)) return `${value} (not ten digits)`;
  const spaced = spaceNhsNumber(digits);
  return isValidNhsNumber(digits) ? spaced : `${spaced} (check digit fails)`;
}

export function textOr(value: string | null | undefined, none = "Not recorded"): string {
  return value === null || value === undefined || value === "" ? none : value;
}

/** 2016-03-31T09:05:00Z as "31 March 2016 at 09:05" (UTC, as stored). */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return "–";
  return `${longdate(iso)} at ${iso.slice(11, 16)}`;
}

/** How long ago, in the largest whole unit: "4 minutes", "3 hours", "12 days". */
export function age(iso: string | null, now: Date): string {
  if (!iso) return "never";
  const minutes = Math.max(0, Math.floor((now.getTime() - new Date(iso).getTime()) / 60_000));
  const [n, unit] =
    minutes < 60
      ? [minutes, "minute"]
      : minutes < 2_880
        ? [Math.floor(minutes / 60), "hour"]
        : [Math.floor(minutes / 1_440), "day"];
  return `${num(n)} ${unit}${n === 1 ? "" : "s"} ago`;
}

/** A short person id for tables (the first block), with the whole id as the link. */
export function shortId(id: string | null): string {
  return id ? id.slice(0, 8) : "–";
}

/** The NHS.UK pagination's previous and next links for a page of a list, keeping the other query values. */
export function paging(
  path: string,
  query: Record<string, string | undefined>,
  page: number,
  perPage: number,
  total: number,
) {
  const pages = Math.max(1, Math.ceil(total / perPage));
  const href = (p: number) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v) q.set(k, v);
    if (p > 1) q.set("page", String(p));
    const s = q.toString();
    return s ? `${path}?${s}` : path;
  };
  return {
    page,
    pages,
    from: total === 0 ? 0 : (page - 1) * perPage + 1,
    to: Math.min(total, page * perPage),
    total,
    ...previousNext(page, pages, href, (p) => `${p} of ${pages}`),
  };
}

export const PER_PAGE = 50;

/** Text made safe inside markup we build (a cell's html). */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
