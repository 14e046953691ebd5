import { normaliseIcd10 } from "../../core/codes.ts";
import { isIsoDate } from "../../core/dates.ts";
import { ADMINISTRATIVE_SEX, ethnicCategoryOf, FHIR_GENDER } from "../../core/nhs-dd-codes.ts";
import { normaliseNhsNumber } from "../../core/nhs-number.ts";
import { isValidOdsCode } from "../../core/org-codes.ts";

// Column types for CSV layouts: each turns the text of a cell into a value or says what is wrong with it
// (in words that name no value, since reasons are stored and shown).

export type Parsed = { ok: true; value: string | number | boolean | null } | { ok: false; problem: string };

export interface FieldType {
  /** How the documentation describes the type. */
  describe: string;
  parse(text: string): Parsed;
}

const ok = (value: string | number | boolean | null): Parsed => ({ ok: true, value });
const bad = (problem: string): Parsed => ({ ok: false, problem });

/** A type whose cells are kept as written when they pass the check. */
const checked = (describe: string, accepts: (t: string) => boolean, problem: string): FieldType => ({
  describe,
  parse: (t) => (accepts(t) ? ok(t) : bad(problem)),
});

/** A type whose cells are kept in their normal form (normalise gives null when there is none). */
const normalised = (
  describe: string,
  normalise: (t: string) => string | null,
  problem: string,
): FieldType => ({
  describe,
  parse: (t) => {
    const value = normalise(t);
    return value ? ok(value) : bad(problem);
  },
});

export const text = (maxLength = 200): FieldType => ({
  describe: `text (at most ${maxLength} characters)`,
  parse: (t) => (t.length > maxLength ? bad(`is longer than ${maxLength} characters`) : ok(t)),
});

export const id = checked(
  "identifier (letters, digits and - _ . / :, at most 64 characters)",
  (t) => /^[A-Za-z0-9_.\-/:]{1,64}$/.test(t),
  "is not an identifier (letters, digits, - _ . / :)",
);

export const date = checked("date, YYYY-MM-DD", isIsoDate, "is not a date written YYYY-MM-DD");

/** Two digits at `at` as a number, or -1. */
function twoDigits(t: string, at: number): number {
  const a = t.charCodeAt(at) - 48;
  const b = t.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

function parseInstant(t: string): Parsed {
  // The usual form, whole seconds in UTC (2014-04-06T02:00:00Z), checked by hand: parsing it with Date and
  // writing it back took most of a coded-record row's checks. Anything else goes the general way.
  if (t.length === 20 && t[10] === "T" && t[13] === ":" && t[16] === ":" && t[19] === "Z") {
    const h = twoDigits(t, 11);
    const m = twoDigits(t, 14);
    const sec = twoDigits(t, 17);
    if (h >= 0 && h <= 23 && m >= 0 && m <= 59 && sec >= 0 && sec <= 59 && isIsoDate(t.slice(0, 10)))
      return ok(`${t.slice(0, 19)}.000Z`);
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(t)) {
    return bad("is not an ISO 8601 date and time with an offset");
  }
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? bad("is not a real date and time") : ok(d.toISOString());
}

// An extract's rows mostly share one extraction time: the last one read is remembered (parsing it was the
// costliest check of a coded-record row).
let lastInstant: { text: string; parsed: Parsed } = { text: "", parsed: bad("") };

export const instant: FieldType = {
  describe: "date and time with its offset, ISO 8601 (2014-04-06T02:00:00Z)",
  parse: (t) => {
    if (t !== lastInstant.text) lastInstant = { text: t, parsed: parseInstant(t) };
    return lastInstant.parsed;
  },
};

export const oneOf = (values: readonly string[]): FieldType => ({
  describe: `one of ${values.join(", ")}`,
  parse: (t) => (values.includes(t) ? ok(t) : bad(`is not one of ${values.join(", ")}`)),
});

export const decimal: FieldType = {
  describe: "number",
  parse: (t) => {
    if (!/^-?\d+(\.\d+)?$/.test(t)) return bad("is not a number");
    return ok(Number(t));
  },
};

export const nhsNumber = normalised(
  "NHS Number, 10 digits with a valid check digit (spaces allowed)",
  normaliseNhsNumber,
  "is not a valid NHS Number (10 digits with a Modulus 11 check digit)",
);

/** As recorded: social care systems hold numbers that may be mistyped; kept, and matched on demographics. */
export const nhsNumberAsRecorded = normalised(
  "NHS Number as recorded (may be mistyped: kept, not trusted unless its check digit is valid)",
  (t) => {
    const digits = t.replace(/[\s-]/g, "");
    return /^\d{10}$/.test(digits) ? digits : null;
  },
  "is not 10 digits",
);

export const odsCode = checked(
  "ODS organisation code (3 to 10 capital letters or digits)",
  isValidOdsCode,
  "is not an ODS code",
);

export const postcode = normalised(
  "UK postcode",
  (t) => {
    const compact = t.toUpperCase().replace(/\s+/g, "");
    if (!/^[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}$/.test(compact)) return null;
    return `${compact.slice(0, -3)} ${compact.slice(-3)}`;
  },
  "is not a UK postcode",
);

export const icd10 = normalised("ICD-10 code (I63.9)", normaliseIcd10, "is not an ICD-10 code");

export const sex = normalised(
  "female, male, other or unknown (F, M, O, U accepted)",
  (t) => {
    const letter = t.toUpperCase();
    return ADMINISTRATIVE_SEX.isPreferred(letter)
      ? ADMINISTRATIVE_SEX.decode(letter)
      : FHIR_GENDER.decode(t.toLowerCase());
  },
  "is not female, male, other or unknown",
);

export const ethnicCategory = checked(
  "NHS ethnic category letter A to Z",
  (t) => Boolean(ethnicCategoryOf(t)),
  "is not an NHS ethnic category letter",
);

export const uri = checked(
  "code system URI",
  (t) => /^(https?:\/\/|urn:)\S+$/.test(t),
  "is not a code system URI",
);

export const code = checked("code (no spaces)", (t) => /^\S{1,64}$/.test(t), "is not a code");

export const integerRange = (min: number, max: number): FieldType => ({
  describe: `whole number from ${min} to ${max}`,
  parse: (t) => {
    const n = Number(t);
    return /^\d+$/.test(t) && n >= min && n <= max
      ? ok(n)
      : bad(`is not a whole number from ${min} to ${max}`);
  },
});
