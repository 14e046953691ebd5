// A change to a person's sharing choices as a form sends it: record or withdraw an objection to sharing, record
// or withdraw a national data opt-out. Checked here (pure, no database) so the page can show every problem
// beside its field before anything is asked of the reader, and the reader checks the same again.
import { isIsoDate } from "../core/dates.ts";
import { isUuid } from "../core/ids.ts";

export const SHARING_CHANGES = [
  "record-objection",
  "withdraw-objection",
  "record-opt-out",
  "withdraw-opt-out",
] as const;
export type SharingChangeKind = (typeof SHARING_CHANGES)[number];

export const SHARING_SOURCE_MAX = 200;

/** The form's fields, as sent. */
export interface SharingChangeInput {
  change: string;
  day?: string;
  month?: string;
  year?: string;
  source?: string;
  recordId?: string;
}

/** A change that passed the checks. */
export interface SharingChange {
  kind: SharingChangeKind;
  /** The date the person told us (recorded) or withdrew it. */
  on: string;
  /** Where it was recorded: in person at the practice, a letter, the national opt-out service... */
  source: string | null;
  /** The objection or opt-out withdrawn. */
  recordId: string | null;
}

export interface SharingChangeCheck {
  change: SharingChange | null;
  /** Problems by field name ("date", "source", "recordId", "change"), in words a user can act on. */
  errors: Record<string, string>;
}

const pad = (s: string, n: number) => s.trim().padStart(n, "0");

export function checkSharingChange(input: SharingChangeInput, today: string): SharingChangeCheck {
  const errors: Record<string, string> = {};
  const kind = SHARING_CHANGES.find((k) => k === input.change) ?? null;
  if (!kind) errors.change = "Choose what to record";
  const withdraw = kind === "withdraw-objection" || kind === "withdraw-opt-out";
  const parts = [input.day ?? "", input.month ?? "", input.year ?? ""].map((s) => s.trim());
  let on: string | null = null;
  if (parts.every((p) => p === "")) {
    errors.date = withdraw ? "Enter the date it was withdrawn" : "Enter the date it was made";
  } else if (!parts.every((p) => /^\d{1,4}$/.test(p)) || parts[2].length !== 4) {
    errors.date = "The date must be a real date, like 27 3 2015";
  } else {
    const candidate = `${parts[2]}-${pad(parts[1], 2)}-${pad(parts[0], 2)}`;
    if (!isIsoDate(candidate)) errors.date = "The date must be a real date, like 27 3 2015";
    else if (candidate > today) errors.date = "The date must be today or in the past";
    else on = candidate;
  }
  const source = (input.source ?? "").trim();
  if (kind && !withdraw) {
    if (!source) errors.source = "Enter how the person told us, for example in person at the practice";
    else if (source.length > SHARING_SOURCE_MAX)
      errors.source = `How the person told us must be ${SHARING_SOURCE_MAX} characters or fewer`;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    else if (/[\u0000-\u001f\u007f]/.test(source))
      errors.source = "How the person told us must be plain text";
  }
  const recordId = (input.recordId ?? "").trim().toLowerCase();
  if (withdraw && !isUuid(recordId)) errors.recordId = "Choose which one is withdrawn";
  if (Object.keys(errors).length > 0 || !kind || !on) return { change: null, errors };
  return {
    change: { kind, on, source: withdraw ? null : source, recordId: withdraw ? recordId : null },
    errors,
  };
}
