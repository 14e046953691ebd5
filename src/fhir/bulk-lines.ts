// Pseudonymised NDJSON lines written straight from the rows of the types that make most of a commissioning export
// (MedicationRequest, Condition, Observation, Encounter, RiskAssessment: nine in ten of a place's resources). The
// general path makes each row a resource (toFhir), rewrites it (pseudonymiseResource) and serialises it: four
// objects a resource, whose collection was a third of a whole-place export's time. Here a row becomes its line
// at once. Each line is byte for byte what the general path gives (test/fhir/bulk-lines.test.ts checks every
// branch), and a row holding a value the line does not expect (a null where the tables allow none, an ODS code
// that is not letters and digits, a number that is not finite) takes the general path.
//
// Timestamps are read as ISO text made by PostgreSQL (to_char, truncated to milliseconds as the driver's Date is),
// not as Dates; the general path is given Dates back when a row falls to it.
import { ADMISSION_METHOD, DISCHARGE_DESTINATION_LABELS, DISCHARGE_METHOD } from "../core/nhs-dd-codes.ts";
import type { Queryable } from "../store/index.ts";
import { pseudonymiseResource, resourcePseudonym } from "./bulk-pseudonymise.ts";
// The resource's own displays, so a line written here is the resource's.
import { CLASS_DISPLAY, KIND_DISPLAY } from "./resources/encounter.ts";
import { HL7, LOCAL, LOCAL_EXTENSIONS, ODS_ORGANISATION_SYSTEM, UK_CORE } from "./systems.ts";
import type { FhirResource, ResourceType, SourceRow } from "./types.ts";

/** What a line needs besides its row: the purpose's key and the person's pseudonym. */
export interface Pseudonymiser {
  key: Buffer;
  pseudonymOf(personId: string): string;
}

export interface LineTemplate {
  /** The columns of the type's source the line and the type's toFhir read, in the order selected. */
  columns: readonly string[];
  /** Those of the columns that are timestamps, read as ISO text. */
  instants: readonly string[];
  /**
   * Adds what the source's columns leave out to a batch's rows (RiskAssessment's eFI deficits), the rows in person
   * id order; `dense` as the export's (most of the place's people between the first and the last).
   */
  complete?(db: Queryable, rows: SourceRow[], dense: boolean): Promise<void>;
  /** The line, or null when the row holds something only the general path writes right. */
  line(row: SourceRow, ps: Pseudonymiser): string | null;
}

const J = JSON.stringify;
/** An ODS code: letters and digits, written as they are in the reference and in its identifier. */
const ODS_CODE = /^[A-Za-z0-9]+$/;
const ODS = J(ODS_ORGANISATION_SYSTEM);

function organisation(code: unknown): string | null {
  if (typeof code !== "string" || !ODS_CODE.test(code)) return null;
  return `{"reference":"Organization/${code}","identifier":{"system":${ODS},"value":"${code}"}}`;
}

/** A coding (common.ts's coding: the display only when there is one); null unless system and code are text. */
function coding(system: string, code: unknown, display?: unknown): string | null {
  if (typeof code !== "string") return null;
  return typeof display === "string" && display
    ? `{"system":${J(system)},"code":${J(code)},"display":${J(display)}}`
    : `{"system":${J(system)},"code":${J(code)}}`;
}

/** The line's start: its type, its id as a keyed hash, and meta with lastUpdated only. */
function head(type: string, row: SourceRow, ps: Pseudonymiser): string | null {
  const updated = row.last_updated;
  if (updated !== null && typeof updated !== "string") return null;
  const meta = updated ? `,"meta":{"lastUpdated":"${updated}"}` : "";
  return `{"resourceType":"${type}","id":"${resourcePseudonym(ps.key, type, row.id)}"${meta}`;
}

const subject = (row: SourceRow, ps: Pseudonymiser, name = "subject") =>
  `"${name}":{"reference":"Patient/${ps.pseudonymOf(row.person_id as string)}"}`;

/** A date column's text (compact drops it when null). */
function optionalText(name: string, value: unknown): string | null {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? `,"${name}":${J(value)}` : null;
}

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

const GP_ENTRY_COLUMNS = ["id", "person_id", "last_updated", "code_system", "code", "display", "recorded_on"];
const UPDATED = ["last_updated"];

const CONFIRMED = `{"coding":[{"system":${J(HL7.conditionVerification)},"code":"confirmed","display":"Confirmed"}]}`;

const CONDITION: LineTemplate = {
  columns: GP_ENTRY_COLUMNS,
  instants: UPDATED,
  line(row, ps) {
    const start = head("Condition", row, ps);
    const code = typeof row.code_system === "string" ? coding(row.code_system, row.code, row.display) : null;
    const recorded = optionalText("onsetDateTime", row.recorded_on);
    if (start === null || code === null || recorded === null) return null;
    const recordedDate = recorded && `,"recordedDate":${J(row.recorded_on)}`;
    return `${start},"verificationStatus":${CONFIRMED},"code":{"coding":[${code}]},${subject(row, ps)}${recorded}${recordedDate}}`;
  },
};

const OBSERVATION: LineTemplate = {
  columns: [...GP_ENTRY_COLUMNS, "practice_code", "value", "unit"],
  instants: UPDATED,
  line(row, ps) {
    const start = head("Observation", row, ps);
    const code = typeof row.code_system === "string" ? coding(row.code_system, row.code, row.display) : null;
    const effective = optionalText("effectiveDateTime", row.recorded_on);
    const performer = organisation(row.practice_code);
    if (start === null || code === null || effective === null || performer === null) return null;
    let value = "";
    if (row.value !== null && row.value !== undefined) {
      if (!finite(row.value)) return null;
      if (row.unit === null || row.unit === undefined) value = `,"valueQuantity":{"value":${row.value}}`;
      else if (typeof row.unit === "string")
        value = `,"valueQuantity":{"value":${row.value},"unit":${J(row.unit)}}`;
      else return null;
    }
    return `${start},"status":"final","code":{"coding":[${code}]},${subject(row, ps)}${effective},"performer":[${performer}]${value}}`;
  },
};

const CONTINUOUS = `{"coding":[{"system":${J(HL7.medicationRequestCourse)},"code":"continuous","display":"Continuous long term therapy"}]}`;
const ACUTE = `{"coding":[{"system":${J(HL7.medicationRequestCourse)},"code":"acute","display":"Short course (acute) therapy"}]}`;

const MEDICATION_REQUEST: LineTemplate = {
  columns: [
    "id",
    "person_id",
    "last_updated",
    "is_repeat",
    "code_system",
    "code",
    "display",
    "issued_on",
    "practice_code",
    "quantity",
  ],
  instants: UPDATED,
  line(row, ps) {
    const start = head("MedicationRequest", row, ps);
    // Its text (the display again) is free text, dropped.
    const medicine =
      typeof row.code_system === "string" ? coding(row.code_system, row.code, row.display) : null;
    const authored = optionalText("authoredOn", row.issued_on);
    const requester = organisation(row.practice_code);
    if (start === null || medicine === null || authored === null || requester === null) return null;
    let dispense = "";
    if (row.quantity !== null && row.quantity !== undefined) {
      if (!finite(row.quantity)) return null;
      dispense = `,"dispenseRequest":{"quantity":{"value":${row.quantity}}}`;
    }
    return `${start},"status":"completed","intent":"order","courseOfTherapyType":${row.is_repeat ? CONTINUOUS : ACUTE},"medicationCodeableConcept":{"coding":[${medicine}]},${subject(row, ps)}${authored},"requester":${requester}${dispense}}`;
  },
};

/** An extension of a coded value; its text (the canonical value's words) is dropped as free text. */
const codedExtension = (url: string, system: string, code: string) =>
  `{"url":${J(url)},"valueCodeableConcept":{"coding":[{"system":${J(system)},"code":${J(code)}}]}}`;

function encounterExtensions(row: SourceRow): string | null {
  const out: string[] = [];
  const kind = row.kind;
  if (kind === "hospital-spell") {
    const admission = row.admission_method ? ADMISSION_METHOD.encode(row.admission_method as string) : null;
    if (admission)
      out.push(codedExtension(UK_CORE.admissionMethodExtension, UK_CORE.admissionMethod, admission));
    const discharge = row.discharge_method ? DISCHARGE_METHOD.encode(row.discharge_method as string) : null;
    if (discharge)
      out.push(codedExtension(UK_CORE.dischargeMethodExtension, UK_CORE.dischargeMethod, discharge));
  }
  if (kind === "outpatient") {
    if (typeof row.attendance !== "string") return null;
    out.push(`{"url":${J(LOCAL_EXTENSIONS.attendance)},"valueCode":${J(row.attendance)}}`);
    out.push(
      `{"url":${J(LOCAL_EXTENSIONS.firstAttendance)},"valueBoolean":${row.first_attendance === true}}`,
    );
  }
  return out.length > 0 ? `,"extension":[${out.join(",")}]` : "";
}

const ENCOUNTER: LineTemplate = {
  columns: [
    "id",
    "person_id",
    "last_updated",
    "started",
    "ended",
    "kind",
    "status",
    "class",
    "provider_code",
    "service",
    "admission_method",
    "discharge_method",
    "discharge_destination",
    "contact_mode",
    "attendance",
    "first_attendance",
  ],
  instants: ["last_updated", "started", "ended"],
  line(row, ps) {
    const kind = row.kind;
    if (typeof kind !== "string" || !Object.hasOwn(KIND_DISPLAY, kind)) return null;
    if (typeof row.status !== "string" || typeof row.class !== "string") return null;
    if (typeof row.started !== "string" || (row.ended !== null && typeof row.ended !== "string")) return null;
    const start = head("Encounter", row, ps);
    const extensions = encounterExtensions(row);
    const provider = organisation(row.provider_code);
    if (start === null || extensions === null || provider === null) return null;
    const types = [coding(LOCAL.encounterKind, kind, KIND_DISPLAY[kind])];
    if (row.contact_mode)
      types.push(coding(kind === "ae-attendance" ? LOCAL.arrivalMode : LOCAL.contactMode, row.contact_mode));
    if (kind === "ae-attendance" && row.discharge_method)
      types.push(coding(LOCAL.aeDisposal, row.discharge_method));
    if (types.includes(null)) return null;
    let service = "";
    if (row.service) {
      const code = coding(
        kind.endsWith("contact") ? LOCAL.careService : UK_CORE.treatmentFunction,
        row.service,
      );
      if (code === null) return null;
      service = `,"serviceType":{"coding":[${code}]}`;
    }
    const day = kind === "outpatient" || kind.endsWith("contact");
    const end = row.ended === null ? "" : `,"end":"${row.ended}"`;
    const period = `,"period":{"start":"${day ? row.started.slice(0, 10) : row.started}"${end}}`;
    let hospitalization = "";
    const destination = row.discharge_destination;
    if (kind === "hospital-spell" && destination) {
      const label = DISCHARGE_DESTINATION_LABELS[destination as string];
      const code = coding(UK_CORE.dischargeDestination, destination, label);
      if (code === null) return null;
      hospitalization = `,"hospitalization":{"dischargeDisposition":{"coding":[${code}]}}`;
    }
    return `${start}${extensions},"status":${J(row.status)},"class":${coding(HL7.actCode, row.class, CLASS_DISPLAY[row.class])},"type":[${types.map((t) => `{"coding":[${t}]}`).join(",")}]${service},${subject(row, ps)}${period}${hospitalization},"serviceProvider":${provider}}`;
  },
};

const EFI_DEFICITS = 36;
const RISK_OUTCOME = J(LOCAL.riskOutcome);
const EFI_CODE = `"code":{"coding":[{"system":${RISK_OUTCOME},"code":"efi","display":"Electronic Frailty Index"}]}`;
const FRAILTY = `"outcome":{"coding":[{"system":${RISK_OUTCOME},"code":"frailty","display":"Frailty"}]}`;
const ADMISSION_CODE = `"code":{"coding":[{"system":${RISK_OUTCOME},"code":"emergency-admission-12m","display":"Emergency admission risk"}]}`;
const ADMISSION_OUTCOME = `"outcome":{"coding":[{"system":${RISK_OUTCOME},"code":"emergency-admission-12m","display":"Emergency admission within 12 months"}]}`;
const TWELVE_MONTHS = `"whenRange":{"high":{"value":12,"unit":"months","system":"http://unitsofmeasure.org","code":"mo"}}`;

type Deficit = {
  name: string;
  entry: string;
  kind: string | null;
};

/** The eFI's basis: a reference to each Condition or Observation that raised a deficit (its display, a name, dropped). */
function efiBasis(deficits: Deficit[] | null, ps: Pseudonymiser): string | null {
  const refs: string[] = [];
  for (const d of deficits ?? []) {
    if (d.kind !== "condition" && d.kind !== "observation") continue;
    if (typeof d.entry !== "string" || d.entry === "" || d.entry.includes("/")) return null;
    const type = d.kind === "condition" ? "Condition" : "Observation";
    refs.push(`{"reference":"${type}/${resourcePseudonym(ps.key, type, d.entry)}"}`);
  }
  return refs.length > 0 ? `,"basis":[${refs.join(",")}]` : "";
}

const RISK_ASSESSMENT: LineTemplate = {
  // Not the source's deficits: its correlated subquery costs more than the rest of the row (complete reads them).
  columns: [
    "id",
    "person_id",
    "last_updated",
    "at",
    "code",
    "category",
    "deficit_count",
    "probability",
    "percentile",
    "model_id",
  ],
  instants: ["last_updated", "at"],
  async complete(db, rows, dense) {
    const people = rows.filter((r) => r.code === "efi").map((r) => r.person_id as string);
    if (people.length === 0) return;
    // Most of the people between the first and the last (a whole place's batch): their gp_entry rows are read by that
    // range, in order, once (a fence, as the planner would otherwise look each deficit's entry up by its id: a
    // random read each, three times the CPU).
    const byRange = dense && people.length > 1;
    const deficits = await db.query<Deficit & { person_id: string }>(
      byRange
        ? `WITH g AS MATERIALIZED (
             SELECT person_id, entry_id, entry_kind FROM gp_entry WHERE person_id BETWEEN $1::uuid AND $2::uuid)
           SELECT e.person_id::text, d.name, e.entry_id AS entry, g.entry_kind AS kind
             FROM efi_deficit e JOIN efi_deficit_def d ON d.deficit_id = e.deficit_id
             LEFT JOIN g ON g.person_id = e.person_id AND g.entry_id = e.entry_id
            WHERE e.person_id BETWEEN $1::uuid AND $2::uuid
            ORDER BY e.person_id, d.ordinal`
        : `SELECT e.person_id::text, d.name, e.entry_id AS entry, g.entry_kind AS kind
             FROM efi_deficit e JOIN efi_deficit_def d ON d.deficit_id = e.deficit_id
             LEFT JOIN gp_entry g ON g.person_id = e.person_id AND g.entry_id = e.entry_id
            WHERE e.person_id = ANY($1::uuid[])
            ORDER BY e.person_id, d.ordinal`,
      byRange ? [people[0], people[people.length - 1]] : [people],
    );
    const byPerson = new Map<string, Deficit[]>();
    for (const { person_id, name, entry, kind } of deficits) {
      const list = byPerson.get(person_id);
      if (list) list.push({ name, entry, kind });
      else byPerson.set(person_id, [{ name, entry, kind }]);
    }
    for (const row of rows)
      if (row.code === "efi") row.deficits = byPerson.get(row.person_id as string) ?? null;
  },
  line(row, ps) {
    if (typeof row.at !== "string") return null;
    const start = head("RiskAssessment", row, ps);
    if (start === null) return null;
    const common = `${start},"status":"final",${subject(row, ps)},"occurrenceDateTime":"${row.at}"`;
    const category = row.category;
    if (category !== null && category !== undefined && typeof category !== "string") return null;
    if (row.code === "efi") {
      const count = Number(row.deficit_count ?? 0);
      const score = Math.round((count / EFI_DEFICITS) * 1000) / 1000;
      const risk = category ? `,"qualitativeRisk":{"coding":[${coding(LOCAL.efiCategory, category)}]}` : "";
      const basis = efiBasis(row.deficits as Deficit[] | null, ps);
      if (basis === null) return null;
      // The note (the deficits' names) is free text, dropped.
      return `${common},${EFI_CODE},"prediction":[{${FRAILTY}${risk},"rationale":${J(`eFI ${score}: ${count} of ${EFI_DEFICITS} deficits`)}}]${basis}}`;
    }
    if (!finite(row.probability)) return null;
    const percentile = row.percentile;
    if (percentile !== null && percentile !== undefined && !finite(percentile)) return null;
    const risk = category ? `,"qualitativeRisk":{"coding":[${coding(LOCAL.riskTier, category)}]}` : "";
    const extension =
      percentile === null || percentile === undefined
        ? ""
        : `,"extension":[{"url":${J(LOCAL_EXTENSIONS.riskPercentile)},"valueDecimal":${percentile}}]`;
    // The method (the model's name) is text only, dropped.
    return `${common},${ADMISSION_CODE},"prediction":[{${ADMISSION_OUTCOME},"probabilityDecimal":${row.probability}${risk},${TWELVE_MONTHS}}]${extension}}`;
  },
};

/** The types written line by line from their rows, by name. */
export const LINE_TEMPLATES: ReadonlyMap<string, LineTemplate> = new Map([
  ["Condition", CONDITION],
  ["Observation", OBSERVATION],
  ["MedicationRequest", MEDICATION_REQUEST],
  ["Encounter", ENCOUNTER],
  ["RiskAssessment", RISK_ASSESSMENT],
]);

const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** The select list of a template's columns over the source aliased r. */
export function templateColumns(template: LineTemplate): string {
  return template.columns
    .map((c) =>
      template.instants.includes(c) ? `to_char(r.${c} AT TIME ZONE 'UTC', ${ISO_MS}) AS ${c}` : `r.${c}`,
    )
    .join(", ");
}

/** The row's pseudonymised line: the template's, or the general path's when the template declines the row. */
export function pseudonymisedLine(
  type: ResourceType,
  template: LineTemplate,
  row: SourceRow,
  ps: Pseudonymiser,
): string {
  const line = template.line(row, ps);
  if (line !== null) return line;
  for (const c of template.instants) if (typeof row[c] === "string") row[c] = new Date(row[c] as string);
  const resource = (type.toFhir as (row: SourceRow) => FhirResource)(row);
  return JSON.stringify(pseudonymiseResource(resource, ps.key, ps.pseudonymOf));
}
