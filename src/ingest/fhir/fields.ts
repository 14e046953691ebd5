import type { CodeableConcept, Coding, Extension, Reference } from "fhir/r4.js";
import { NHS_NUMBER_SYSTEM, ODS_ORGANISATION_SYSTEM } from "../../core/codes.ts";
import { isIsoDate } from "../../core/dates.ts";
import { OnePlaceError, type OnePlaceErrorOptions } from "../../core/errors.ts";
import { normaliseNhsNumber } from "../../core/nhs-number.ts";
import type { SourceRecordInput } from "../../mpi/index.ts";
import type { CanonicalName } from "../canonical.ts";
import type { CodeMapName } from "../hl7/coded.ts";
import type { LocalCode } from "./local-codes.ts";

// What every FHIR mapper shares: the reject it throws, what it maps to, and how it reads the common fields
// (codings, dates, references to a Patient, an Organization or a Medication).

export class FhirReject extends OnePlaceError {
  override readonly name = "FhirReject";
  constructor(message: string, options?: OnePlaceErrorOptions) {
    super("invalid", "ingest.fhir-reject", message, options);
  }
}

export const fail = (message: string): never => {
  throw new FhirReject(message);
};

/** A reference to the patient a resource is about. */
export type SubjectRef = { kind: "record"; recordId: string } | { kind: "nhs"; nhsNumber: string };

export interface MedicationRow {
  resourceId: string;
  system: string;
  code: string;
  display: string;
  receivedAt: string;
}

/** What a Patient says besides who they are: their GP practice and their death. */
export interface PersonFacts {
  /** `from` is null when the resource gives no day (the registration then keeps the day first loaded). */
  practice: { code: string; from: string | null } | null;
  diedOn: string | null;
}

export interface Activity {
  kind: "activity";
  table: CanonicalName;
  recordId: string;
  subject: SubjectRef;
  /** Coded entries and medicines are written against the practice the patient was registered with that day. */
  practiceOn?: string;
  /** The row in the catalogue's order (its row id, second, is given by the loader); see declare.ts. */
  build: (personId: string, practice: string | null) => unknown[];
  /** A further row of the same resource (an observation's component): written, not counted again. */
  part?: boolean;
  /** A code OnePlace does not define, as received, with whether the source's code map gave its value. */
  localCode?: LocalCode;
}

/**
 * The tables of no person's record: what a source sends for its other resources to refer to, and the
 * organisations and sites everyone shares.
 */
export type SourceTable = "ingest_practitioner" | "ingest_fhir_medication" | "organisation" | "site";

/** A row of a source's own table (a Practitioner, a Medication) or a shared one, in the catalogue's column order. */
export interface SourceRow {
  kind: "row";
  table: SourceTable;
  values: unknown[];
  /** The values of columns declared on another table, by `table.column` (an Organization's names). */
  others?: Readonly<Record<string, unknown>>;
}

export type Mapped =
  | { kind: "person"; record: SourceRecordInput; facts: PersonFacts }
  | SourceRow
  | Retraction
  | Activity;

/** A resource the sender marks entered-in-error: what an earlier version of it stored is taken out. */
export interface Retraction {
  kind: "retraction";
  tables: readonly CanonicalName[];
  recordId: string;
  /** Its type: an earlier version still held (waiting for its Patient) is keyed `<type>/<id>`. */
  resourceType: string;
}

/** What a mapper may look up: Organizations and Medications the source sent, by their FHIR id. */
export interface MapContext {
  source: string;
  /** The load's time: received_at of a resource without meta.lastUpdated. */
  at: string;
  orgCode(resourceId: string): string | undefined;
  medication(resourceId: string): MedicationRow | undefined;
  /** The source's mapping of a local code (code maps of FHIR fields, fhir/local-codes.ts), or null. */
  localCode?(map: CodeMapName, code: string): string | null;
}

export function ext(resource: { extension?: Extension[] } | undefined, url: string): Extension | undefined {
  return resource?.extension?.find((e) => e.url === url);
}

export function codingIn(
  cc: CodeableConcept | CodeableConcept[] | undefined,
  system: string | RegExp,
): Coding | undefined {
  const list = Array.isArray(cc) ? cc : cc ? [cc] : [];
  for (const c of list)
    for (const coding of c.coding ?? [])
      if (
        coding.code &&
        (typeof system === "string" ? coding.system === system : system.test(coding.system ?? ""))
      )
        return coding;
  return undefined;
}

export function codeOf(cc: CodeableConcept | undefined, what: string): Coding {
  const c = cc?.coding?.find((x) => x.system && x.code);
  if (!c) fail(`${what} needs a coding with a system and a code`);
  return c as Coding;
}

export function dateOf(value: string | undefined, what: string): string {
  const d = value?.slice(0, 10);
  if (!d || !isIsoDate(d)) fail(`${what} is missing or not a date`);
  return d as string;
}

const OFFSET_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export function instantOf(value: string | undefined, what: string): string {
  if (!value || !OFFSET_TIME.test(value)) fail(`${what} is missing or not a date-time with an offset`);
  return new Date(value as string).toISOString();
}

const londonParts = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Europe/London",
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
});

const LONDON_DAY = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London" });

/** The day in England an instant falls on. */
export function londonDay(instant: string): string {
  return LONDON_DAY.format(new Date(instant));
}

/** A FHIR dateTime as an instant: with its offset, or a date alone as the start of that day in England. */
export function momentOf(value: string | undefined, what: string): string {
  if (value && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    for (const hours of [0, 1]) {
      const t: Date = new Date(Date.parse(`${value}T00:00:00Z`) - hours * 3_600_000);
      const p: Record<string, string> = Object.fromEntries(
        londonParts.formatToParts(t).map((x) => [x.type, x.value]),
      );
      if (`${p.year}-${p.month}-${p.day}` === value && p.hour === "00") return t.toISOString();
    }
  }
  return instantOf(value, what);
}

export function requireId(r: { id?: string }, type: string): string {
  if (!r.id || !/^[A-Za-z0-9\-.]{1,64}$/.test(r.id)) fail(`${type}.id is missing or not a FHIR id`);
  return r.id as string;
}

export function receivedAtOf(r: { meta?: { lastUpdated?: string } }, loadTime: string): string {
  const t = r.meta?.lastUpdated;
  return t ? instantOf(t, "meta.lastUpdated") : loadTime;
}

const ODS_CODE = /^[A-Z0-9]{3,10}$/;
const ORG_REFERENCE = /(?:^|\/)Organization\/([A-Za-z0-9\-.]{1,64})$/;

/** The Organization id a reference names (Organization/<id> or a URL ending in it). */
export function organizationIdOf(reference: string | undefined): string | null {
  return ORG_REFERENCE.exec(reference ?? "")?.[1] ?? null;
}

/**
 * The organisation code a reference names: its ODS identifier, an Organization of this source (by id or by a
 * conditional reference to one of its identifiers, in this load or an earlier one), or an Organization/<id>
 * whose id is itself an ODS code.
 */
export function orgOf(ref: Reference | undefined, what: string, ctx: MapContext): string {
  const ods = ref?.identifier?.system === ODS_ORGANISATION_SYSTEM ? ref.identifier.value : undefined;
  if (ods) return ods;
  const conditional = /^Organization\?identifier=(.+\|.+)$/.exec(ref?.reference ?? "");
  if (conditional) {
    const known = ctx.orgCode(decodeURIComponent(conditional[1]));
    if (known) return known;
    return fail(
      `${what} is a conditional reference to an Organization OnePlace has not received from ${ctx.source}`,
    );
  }
  const id = organizationIdOf(ref?.reference);
  if (id) {
    const known = ctx.orgCode(id);
    if (known) return known;
    if (ODS_CODE.test(id)) return id;
    return fail(
      `${what} names an Organization OnePlace has not received from ${ctx.source} (load it, then replay)`,
    );
  }
  return fail(`${what} must name an organisation (an ODS code identifier or an Organization reference)`);
}

const CONDITIONAL = /^Patient\?identifier=([^|&]+)\|([^&]+)$/;

/**
 * Patient/123, https://server/fhir/Patient/123, a logical reference by NHS Number, or a conditional reference
 * (Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|...). References within a Bundle were rewritten from
 * its urn:uuid fullUrls to Patient/<id> when it was read.
 */
export function subjectOf(ref: Reference | undefined, what: string): SubjectRef {
  const nhsOf = (value: string) => {
    const n = normaliseNhsNumber(value);
    if (!n) fail(`${what} names an NHS Number that is not valid`);
    return { kind: "nhs", nhsNumber: n as string } as const;
  };
  if (ref?.identifier?.system === NHS_NUMBER_SYSTEM && ref.identifier.value)
    return nhsOf(ref.identifier.value);
  const r = ref?.reference ?? "";
  const conditional = CONDITIONAL.exec(r);
  if (conditional) {
    if (decodeURIComponent(conditional[1]) !== NHS_NUMBER_SYSTEM)
      fail(`${what} is a conditional reference by an identifier other than the NHS Number`);
    return nhsOf(decodeURIComponent(conditional[2]));
  }
  if (r.startsWith("urn:uuid:"))
    fail(`${what} points to a urn:uuid that is not a Patient in the same Bundle`);
  const m = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(r);
  if (!m)
    fail(
      `${what} must reference a Patient (Patient/<id>, an NHS Number identifier or a conditional reference)`,
    );
  return { kind: "record", recordId: (m as RegExpExecArray)[1] };
}
