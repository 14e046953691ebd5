// The find page: what was typed (read from the query string, so every search is a shareable GET), what is
// wrong with it in words, and the people found as the reader disclosed them. Shared by the route and the
// page's fixtures.
import { ageOn, isIsoDate } from "../../core/dates.ts";
import { nhsNumberProblem, normaliseNhsNumber, spaceNhsNumber } from "../../core/nhs-number.ts";
import type { FindResult, FoundPerson } from "../../governance/index.ts";

/** The query string of /find and /api/find. */
export interface FindQuery {
  nhsNumber?: string;
  name?: string;
  birthDate?: string;
  day?: string;
  month?: string;
  year?: string;
  postcode?: string;
}

/** What the forms show back to the user. */
export interface FindForm {
  nhsNumber: string;
  name: string;
  day: string;
  month: string;
  year: string;
  postcode: string;
}

export interface FieldError {
  /** The id of the field the error summary links to. */
  href: string;
  text: string;
}

export type FindSearch =
  | { kind: "none" }
  | { kind: "nhs-number"; nhsNumber: string }
  | { kind: "name"; family: string | null; given: string | null; birthDate: string; postcode: string | null };

export interface ParsedFind {
  form: FindForm;
  search: FindSearch;
  errors: { nhsNumber?: FieldError; name?: FieldError; birthDate?: FieldError; postcode?: FieldError };
  /** Which parts of the date of birth are wrong, to mark those boxes. */
  dateParts: { day: boolean; month: boolean; year: boolean };
  /** Ten digits that fail the check digit: the people one keying slip away are worth offering. */
  nearNhsNumber?: string;
}

/** "Smith, Jane" (family first) or "Jane Smith" / "Jane Mary Smith" (family last); one word is a family name. */
export function splitName(name: string): { family: string | null; given: string | null } {
  const text = name.trim().replace(/\s+/g, " ");
  if (!text) return { family: null, given: null };
  const comma = text.indexOf(",");
  if (comma >= 0) {
    const family = text.slice(0, comma).trim() || null;
    const given =
      text
        .slice(comma + 1)
        .trim()
        .split(" ")[0] || null;
    return { family, given };
  }
  const words = text.split(" ");
  if (words.length === 1) return { family: words[0], given: null };
  return { family: words[words.length - 1], given: words[0] };
}

const POSTCODE = /^[A-Za-z0-9 ]{2,8}$/;

function parseBirthDate(
  q: FindQuery,
  today: string,
): { iso: string | null; error: string | null; parts: ParsedFind["dateParts"] } {
  const none = { day: false, month: false, year: false };
  if (q.birthDate !== undefined && q.day === undefined && q.month === undefined && q.year === undefined) {
    const iso = q.birthDate.trim();
    if (!isIsoDate(iso)) return { iso: null, error: "Date of birth must be a real date", parts: none };
    if (iso > today) return { iso: null, error: "Date of birth must be in the past", parts: none };
    return { iso, error: null, parts: none };
  }
  const day = (q.day ?? "").trim();
  const month = (q.month ?? "").trim();
  const year = (q.year ?? "").trim();
  if (!day && !month && !year) {
    return { iso: null, error: "Enter their date of birth", parts: { day: true, month: true, year: true } };
  }
  const missing = { day: !day, month: !month, year: !year };
  const missingWords = (["day", "month", "year"] as const).filter((p) => missing[p]);
  if (missingWords.length > 0) {
    return {
      iso: null,
      error: `Date of birth must include a ${missingWords.join(" and a ")}`,
      parts: missing,
    };
  }
  if (!/^\d{4}$/.test(year)) {
    return { iso: null, error: "Year must include 4 numbers", parts: { ...none, year: true } };
  }
  const iso =
    /^\d{1,2}$/.test(day) && /^\d{1,2}$/.test(month)
      ? `${year}-${month.padStart(2, "0")}-${day.padStart(2, "0")}`
      : "";
  if (!isIsoDate(iso)) {
    return {
      iso: null,
      error: "Date of birth must be a real date",
      parts: { day: true, month: true, year: true },
    };
  }
  if (iso > today) {
    return {
      iso: null,
      error: "Date of birth must be today or in the past",
      parts: { day: true, month: true, year: true },
    };
  }
  return { iso, error: null, parts: none };
}

/** Reads the query string: which search, with what, and what is wrong with it (nothing when it is fine). */
export function parseFindQuery(q: FindQuery, today: string): ParsedFind {
  const [y = "", m = "", d = ""] = q.birthDate && isIsoDate(q.birthDate) ? q.birthDate.split("-") : [];
  const form: FindForm = {
    nhsNumber: q.nhsNumber ?? "",
    name: q.name ?? "",
    day: q.day ?? (d ? String(Number(d)) : ""),
    month: q.month ?? (m ? String(Number(m)) : ""),
    year: q.year ?? y,
    postcode: q.postcode ?? "",
  };
  const noDate = { day: false, month: false, year: false };
  if (q.nhsNumber !== undefined) {
    const problem = nhsNumberProblem(q.nhsNumber);
    const digits = normaliseNhsNumber(q.nhsNumber);
    if (problem || !digits) {
      return {
        form,
        search: { kind: "none" },
        errors: { nhsNumber: { href: "#nhsNumber", text: problem?.message ?? "Enter a valid NHS Number." } },
        dateParts: noDate,
        ...(problem?.problem === "check-digit" ? { nearNhsNumber: q.nhsNumber.replace(/[\s-]/g, "") } : {}),
      };
    }
    return { form, search: { kind: "nhs-number", nhsNumber: digits }, errors: {}, dateParts: noDate };
  }
  const asked = [q.name, q.birthDate, q.day, q.month, q.year, q.postcode].some((v) => v !== undefined);
  if (!asked) return { form, search: { kind: "none" }, errors: {}, dateParts: noDate };

  const errors: ParsedFind["errors"] = {};
  const { family, given } = splitName(q.name ?? "");
  if (!family && !given) errors.name = { href: "#name", text: "Enter their name" };
  const birth = parseBirthDate(q, today);
  if (birth.error) {
    const first =
      birth.parts.day || !(birth.parts.month || birth.parts.year)
        ? "day"
        : birth.parts.month
          ? "month"
          : "year";
    errors.birthDate = { href: `#birthDate-${first}`, text: birth.error };
  }
  const postcode = (q.postcode ?? "").trim();
  if (postcode && !POSTCODE.test(postcode)) {
    errors.postcode = {
      href: "#postcode",
      text: "Enter a postcode using letters and numbers only, like RM17 6SL",
    };
  }
  if (Object.keys(errors).length > 0 || !birth.iso) {
    return { form, search: { kind: "none" }, errors, dateParts: birth.parts };
  }
  return {
    form,
    search: { kind: "name", family, given, birthDate: birth.iso, postcode: postcode || null },
    errors,
    dateParts: noDate,
  };
}

const SOURCE_WORDS: Record<string, string> = {
  gp: "the GP record",
  "acute-pas": "the hospital record",
  "community-ehr": "the community health record",
  "mental-health-ehr": "the mental health record",
  "social-care": "the social care record",
  "death-registration": "the death registration",
};

const SEX_WORDS: Record<string, string> = {
  female: "Female",
  male: "Male",
  other: "Other",
  unknown: "Not known",
};

/** 3-3-4 for reading aloud and checking against a letter: "999 123 4567". */
function spaced(nhs: string): string {
  return spaceNhsNumber(nhs);
}

/** Where a result's name links to: the person's record, or for identity administration their MPI history. */
export function personHref(p: { personId: string; disclosure: string | null }): string {
  return p.disclosure === "demographics" ? `/mpi/people/${p.personId}/history` : `/people/${p.personId}`;
}

export interface ResultRow {
  href: string;
  name: string;
  nhsNumber: string;
  birthDate: string | null;
  age: number | null;
  sex: string;
  postcode: string;
  practice: string;
  deceased: boolean;
  /** "Exact match", or the slips in words. */
  match: { exact: boolean; text: string } | null;
}

function resultRow(p: FoundPerson, today: string): ResultRow {
  const family = (p.name.family ?? "").toUpperCase();
  const name = [family, p.name.given].filter(Boolean).join(", ") || "Name not known";
  let match: ResultRow["match"] = null;
  if (p.match) {
    const where = p.match.matchedSource
      ? ` (as ${SOURCE_WORDS[p.match.matchedSource] ?? `the ${p.match.matchedSource} record`} holds it)`
      : "";
    match = p.match.exact
      ? { exact: true, text: `Exact match${where}` }
      : { exact: false, text: `Close match: ${p.match.differences.join("; ")}${where}` };
  }
  return {
    href: personHref(p),
    name,
    nhsNumber: p.nhsNumber ? spaced(p.nhsNumber) : "Not known",
    birthDate: p.birthDate,
    age: p.birthDate ? ageOn(p.birthDate, p.diedOn ?? today) : null,
    sex: p.sex ? (SEX_WORDS[p.sex] ?? p.sex) : "Not known",
    postcode: p.postcode ?? "Not known",
    practice: p.practiceName ? `${p.practiceName} (${p.practiceCode})` : (p.practiceCode ?? "Not registered"),
    deceased: p.diedOn !== null,
    match,
  };
}

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString("en-GB")} ${n === 1 ? one : many}`;
}

/** The page's whole context. `result` is null before a search (or when the search had errors). */
export function findContext(
  parsed: ParsedFind,
  result: FindResult | null,
  today: string,
  near: FindResult | null = null,
) {
  const errorList = Object.values(parsed.errors).filter((e): e is FieldError => e !== undefined);
  const rows = result ? result.people.map((p) => resultRow(p, today)) : [];
  const searchedFor =
    parsed.search.kind === "nhs-number"
      ? `NHS Number ${spaced(parsed.search.nhsNumber)}`
      : parsed.search.kind === "name"
        ? "the name and date of birth given"
        : null;
  const heading = result
    ? rows.length === 0
      ? "No one found whom you may see"
      : plural(rows.length, "person found", "people found")
    : null;
  let title = "Find a person";
  if (errorList.length > 0) title = `Error: ${title}`;
  else if (result) title = `${heading} – Find a person`;
  return {
    title,
    breadcrumbs: [{ href: "/", text: "Home" }],
    form: parsed.form,
    errors: parsed.errors,
    errorList,
    dateParts: parsed.dateParts,
    searched: parsed.search.kind === "none" ? null : parsed.search.kind,
    /** People one keying slip from a number that failed its check digit, whom the user may see. */
    didYouMean: near ? near.people.map((p) => resultRow(p, today)) : [],
    searchedFor,
    results: result
      ? {
          heading,
          rows,
          withheld: result.withheld,
          withheldText:
            result.withheld > 0
              ? `${plural(result.withheld, "more person matches", "more people match")} whom you may not see: you have no legitimate relationship with ${result.withheld === 1 ? "them" : "any of them"} in your current role and team, or they have asked for their record not to be shared.`
              : null,
          mayBreakGlass: result.mayBreakGlass,
          breakGlassHref: result.breakGlassPersonId
            ? `/people/${result.breakGlassPersonId}/break-glass`
            : null,
        }
      : null,
  };
}
