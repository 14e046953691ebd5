// The register page's context: a risk register (practice, locality or saved cohort) as a worklist, with the
// filter form, sortable column headers, rows and numbered pagination, every link a plain GET URL.
import { spaceNhsNumber } from "../../core/nhs-number.ts";
import type { RegisterPage } from "../../governance/index.ts";
import { longdate, num } from "../../platform/index.ts";
import type { RegisterFilters, RegisterRow, RegisterSort, SortDirection } from "../../risk/index.ts";
import { pageItems } from "./pagination.ts";

export { pageItems } from "./pagination.ts";

export const TIER_LABELS: Record<string, string> = {
  "very-high": "Very high",
  high: "High",
  rising: "Rising",
  low: "Low",
};
const TIER_TAG: Record<string, string> = {
  "very-high": "nhsuk-tag--red",
  high: "nhsuk-tag--orange",
  rising: "nhsuk-tag--yellow",
  low: "nhsuk-tag--grey",
};
export const EFI_LABELS: Record<string, string> = {
  fit: "Fit",
  mild: "Mild frailty",
  moderate: "Moderate frailty",
  severe: "Severe frailty",
};
const FLAG_FILTERS = [
  { name: "hiu", key: "hiu", text: "High Intensity User" },
  { name: "noJointPlan", key: "noJointPlan", text: "No joint care plan" },
  { name: "reviewOverdue", key: "reviewOverdue", text: "Care plan review overdue" },
  { name: "admitted", key: "admittedRecently", text: "Admitted in the last 30 days" },
] as const;

const SORT_LABELS: Record<RegisterSort, string> = {
  name: "Name",
  age: "Age",
  tier: "Risk tier",
  score: "Risk score",
  efi: "eFI",
  admission: "Last admission",
};

const KIND_LABEL = { practice: "Practice register", locality: "Locality register", cohort: "Saved cohort" };

/** The query string of a register link: the filters, then the sort, the page and its size. */
export function registerQueryString(
  filters: RegisterFilters,
  extra: { sort?: RegisterSort; dir?: SortDirection; page?: number; pageSize?: number; format?: "csv" },
): string {
  const q = new URLSearchParams();
  for (const t of filters.tiers ?? []) q.append("tier", t);
  for (const e of filters.efiCategories ?? []) q.append("efi", e);
  for (const f of FLAG_FILTERS) if (filters[f.key]) q.append(f.name, "yes");
  if (extra.sort) q.set("sort", extra.sort);
  if (extra.dir) q.set("dir", extra.dir);
  if (extra.page && extra.page > 1) q.set("page", String(extra.page));
  if (extra.pageSize && extra.pageSize !== 25) q.set("pageSize", String(extra.pageSize));
  if (extra.format) q.set("format", extra.format);
  const s = q.toString();
  return s ? `?${s}` : "";
}

export function registerPath(kind: string, code: string): string {
  return `/registers/${kind}/${encodeURIComponent(code)}`;
}

const percent = (p: number | null) => (p === null ? "–" : `${(p * 100).toFixed(1)}%`);

function nameOf(r: RegisterRow): string {
  const family = (r.familyName ?? "").toUpperCase();
  return [family, r.givenName].filter(Boolean).join(", ") || "Name not recorded";
}

function rowCells(r: RegisterRow, asOf: string | null) {
  const tier = r.riskTier
    ? `<strong class="nhsuk-tag ${TIER_TAG[r.riskTier]}">${TIER_LABELS[r.riskTier]}</strong>`
    : "Not scored";
  const flags: string[] = [];
  if (r.hiu) flags.push("High Intensity User");
  if (!r.jointPlan) flags.push("No joint plan");
  if (r.reviewDueOn && asOf && r.reviewDueOn < asOf)
    flags.push(`Review overdue (due ${longdate(r.reviewDueOn)})`);
  else if (r.reviewDueOn) flags.push(`Review due ${longdate(r.reviewDueOn)}`);
  return [
    {
      html: `<a class="nhsuk-link" href="/people/${r.personId}">${escapeHtml(nameOf(r))}</a><br><span class="nhsuk-body-s">NHS Number ${r.nhsNumber ? spaced(r.nhsNumber) : "not known"}</span>`,
    },
    { text: `${r.age}`, format: "numeric" },
    { html: tier },
    { text: percent(r.probability), format: "numeric" },
    {
      text: r.efiCategory
        ? `${EFI_LABELS[r.efiCategory]} (${r.deficitCount}/36)`
        : r.age < 65
          ? "Under 65: no eFI"
          : `– (${r.deficitCount}/36)`,
    },
    { text: r.lastAdmittedOn ? longdate(r.lastAdmittedOn) : "None" },
    { text: flags.length ? flags.join("; ") : "–" },
  ];
}

/** 3-3-4, as NHS Numbers are read aloud; a stored number that is not 10 digits is shown as held. */
function spaced(nhsNumber: string): string {
  return spaceNhsNumber(nhsNumber);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function registerContext(r: RegisterPage) {
  const base = registerPath(r.heading.kind, r.heading.code);
  const link = (extra: Parameters<typeof registerQueryString>[1]) =>
    `${base}${registerQueryString(r.filters, { sort: r.sort, dir: r.direction, pageSize: r.pageSize, ...extra })}`;
  const sortHeader = (sort: RegisterSort, format?: "numeric") => {
    const current = r.sort === sort;
    const nextDir: SortDirection = current ? (r.direction === "asc" ? "desc" : "asc") : defaultDir(sort);
    return {
      text: SORT_LABELS[sort],
      href: `${base}${registerQueryString(r.filters, { sort, dir: nextDir, pageSize: r.pageSize })}`,
      sort: current ? (r.direction === "asc" ? "ascending" : "descending") : "none",
      ...(format ? { format } : {}),
    };
  };
  const headingName = r.heading.kind === "cohort" ? r.heading.name : `${r.heading.name} (${r.heading.code})`;
  const within = r.heading.within
    ? `Only people at your ${r.heading.within.kind} (${r.heading.within.code}).`
    : null;
  const first = (r.page - 1) * r.pageSize + 1;
  const lastShown = Math.min(r.page * r.pageSize, r.shown);
  const anyFilter = Boolean(
    r.filters.tiers?.length || r.filters.efiCategories?.length || FLAG_FILTERS.some((f) => r.filters[f.key]),
  );
  return {
    title: `${headingName} – Risk register`,
    breadcrumbs: [{ href: "/registers", text: "Registers" }],
    kindLabel: KIND_LABEL[r.heading.kind],
    heading: headingName,
    locality: r.heading.parent
      ? {
          text: `${r.heading.parent.name} (${r.heading.parent.code})`,
          href: registerPath("locality", r.heading.parent.code),
        }
      : null,
    within,
    asOf: r.asOf,
    action: base,
    sort: r.sort,
    dir: r.direction,
    pageSize: r.pageSize,
    anyFilter,
    clearHref: `${base}${registerQueryString({}, { sort: r.sort, dir: r.direction, pageSize: r.pageSize })}`,
    tierItems: Object.entries(TIER_LABELS).map(([value, text]) => ({
      value,
      text,
      checked: r.filters.tiers?.includes(value as never) ?? false,
    })),
    efiItems: Object.entries(EFI_LABELS).map(([value, text]) => ({
      value,
      text,
      checked: r.filters.efiCategories?.includes(value as never) ?? false,
    })),
    flagItems: FLAG_FILTERS.map((f) => ({
      value: "yes",
      name: f.name,
      id: `flag-${f.name}`,
      text: f.text,
      checked: Boolean(r.filters[f.key]),
    })),
    sortItems: (Object.keys(SORT_LABELS) as RegisterSort[]).map((value) => ({
      value,
      text: SORT_LABELS[value],
      selected: value === r.sort,
    })),
    shown: r.shown,
    shownText:
      r.shown === 0
        ? anyFilter
          ? "No one on this register meets these filters."
          : "No one is on this register."
        : `Showing ${num(first)} to ${num(lastShown)} of ${num(r.shown)} ${r.shown === 1 ? "person" : "people"}`,
    withheld: r.withheld,
    withheldText:
      r.withheld > 0
        ? `${num(r.withheld)} more ${r.withheld === 1 ? "person meets" : "people meet"} these filters but ${r.withheld === 1 ? "is" : "are"} not shown: you have no legitimate relationship with them, or they object to sharing.`
        : null,
    head: [
      sortHeader("name"),
      sortHeader("age", "numeric"),
      sortHeader("tier"),
      sortHeader("score", "numeric"),
      sortHeader("efi"),
      sortHeader("admission"),
      { text: "Flags" },
    ],
    rows: r.rows.map((row) => rowCells(row, r.asOf)),
    pagination:
      r.pages > 1
        ? {
            previous: r.page > 1 ? { href: link({ page: r.page - 1 }) } : undefined,
            next: r.page < r.pages ? { href: link({ page: r.page + 1 }) } : undefined,
            items: pageItems(r.page, r.pages, (n) => link({ page: n })),
          }
        : null,
    csvHref:
      r.mayExport && r.shown > 0
        ? `${base}${registerQueryString(r.filters, { sort: r.sort, dir: r.direction, format: "csv" })}`
        : null,
  };
}

function defaultDir(sort: RegisterSort): SortDirection {
  return sort === "name" ? "asc" : "desc";
}

/** The CSV columns of an export, one line a person. */
export const CSV_HEADERS = [
  "NHS Number",
  "Family name",
  "Given name",
  "Date of birth",
  "Age",
  "Practice",
  "Risk tier",
  "Risk of emergency admission (%)",
  "Risk percentile",
  "eFI category",
  "eFI deficits (of 36)",
  "High Intensity User",
  "Last admission",
  "Joint care plan",
  "Care plan review due",
] as const;

/** One register row as the CSV file's columns. */
export function csvRow(r: RegisterRow) {
  return {
    "NHS Number": r.nhsNumber,
    "Family name": r.familyName,
    "Given name": r.givenName,
    "Date of birth": r.birthDate,
    Age: r.age,
    Practice: r.practiceCode,
    "Risk tier": r.riskTier,
    "Risk of emergency admission (%)":
      r.probability === null ? null : Number((r.probability * 100).toFixed(1)),
    "Risk percentile": r.riskPercentile === null ? null : Number(r.riskPercentile.toFixed(1)),
    "eFI category": r.efiCategory,
    "eFI deficits (of 36)": r.deficitCount,
    "High Intensity User": r.hiu ? "yes" : "no",
    "Last admission": r.lastAdmittedOn,
    "Joint care plan": r.jointPlan ? "yes" : "no",
    "Care plan review due": r.reviewDueOn,
  };
}
