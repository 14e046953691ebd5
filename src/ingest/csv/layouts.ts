import { findByNhsNumber, recordKey, resolveRecords, type SourceRecordInput } from "../../mpi/index.ts";
import { type CopyValue, cols, insertMany, type Queryable } from "../../store/index.ts";
import {
  type CanonicalName,
  recordSubjects,
  type SubjectRow,
  upsertCanonical,
  upsertLinked,
} from "../canonical.ts";
import { clientIdSystem, rowId } from "../ids.ts";
import * as F from "./fields.ts";

// The CSV extract layouts OnePlace accepts (docs/formats/<name>.md describes each with an example). A layout
// names its columns and types and says how a chunk of checked rows is written: people through the master
// person index, activity against the person its source record is linked to.

export interface ColumnDef {
  name: string;
  type: F.FieldType;
  required: boolean;
  description: string;
}

export interface CsvRow {
  line: number;
  raw: string;
  values: Record<string, string | number | boolean | null>;
}

export interface RowReject {
  row: CsvRow;
  reason: string;
  column?: string;
}

export interface ChunkContext {
  q: Queryable;
  sourceSystem: string;
  orgCode: string | null;
}

export interface ChunkResult {
  loaded: number;
  duplicates: number;
  rejects: RowReject[];
  /** Rows written per canonical table. */
  tables: Record<string, number>;
}

export interface CsvLayout {
  name: string;
  title: string;
  defaultSource: string;
  /** The column that identifies a row within its source (its provenance id). */
  recordIdColumn: string;
  /** The source's organisation is needed (e.g. the council, for client id identifiers). */
  needsOrg?: boolean;
  /** Rows are people, linked through the MPI in file order (so chunks are written one at a time). */
  people?: boolean;
  columns: ColumnDef[];
  apply(ctx: ChunkContext, rows: CsvRow[]): Promise<ChunkResult>;
}

const col = (name: string, type: F.FieldType, required: boolean, description: string): ColumnDef => ({
  name,
  type,
  required,
  description,
});

const EXTRACTED_AT = col(
  "extracted_at",
  F.instant,
  false,
  "When the source system extracted the row; kept as the row's received_at (default: when OnePlace loaded it)",
);

const str = (v: unknown) => (v === null || v === undefined || v === "" ? null : String(v));
const num = (v: unknown) => (v === null || v === undefined || v === "" ? null : Number(v));

function receivedAt(row: CsvRow, loadTime: string): string {
  return str(row.values.extracted_at) ?? loadTime;
}

function emptyResult(): ChunkResult {
  return { loaded: 0, duplicates: 0, rejects: [], tables: {} };
}

/** People: each row is a source record sent through the MPI. */
async function applyPeople(
  ctx: ChunkContext,
  rows: CsvRow[],
  toRecord: (r: CsvRow, at: string) => SourceRecordInput,
): Promise<ChunkResult> {
  const result = emptyResult();
  const at = new Date().toISOString();
  const records = rows.map((r) => toRecord(r, at));
  const outcomes = await resolveRecords(ctx.q, records);
  for (const r of records) {
    const o = outcomes.get(recordKey(r.sourceSystem, r.recordId));
    if (o?.outcome === "existing") result.duplicates++;
    else result.loaded++;
  }
  result.tables.person_record = result.loaded;
  return result;
}

interface ActivitySpec {
  table: CanonicalName;
  /** The column naming the source record a row is about: a patient or a social care client. */
  subjectColumn: "patient_id" | "client_id";
  /** Record in ingest_row_subject which source record each row belongs to (so a merge moves it). */
  recordSubject: boolean;
  /** The table's columns between the row id and the provenance (source system, record id, received at). */
  values(r: CsvRow, ctx: ChunkContext): unknown[];
}

/** An activity layout: its rows go to one canonical table, against the person its subject is linked to. */
function activityLayout(layout: Omit<CsvLayout, "apply">, spec: ActivitySpec): CsvLayout {
  return { ...layout, apply: (ctx, rows) => applyActivity(ctx, rows, layout.recordIdColumn, spec) };
}

/**
 * Activity: rows whose subject (the source record they are about) is linked get written to one canonical
 * table; rows about a record OnePlace has not seen are rejected, to replay once it arrives. The whole chunk
 * goes to the database at once (upsertLinked: one COPY, one statement, the MPI look-up a join).
 */
async function applyActivity(
  ctx: ChunkContext,
  rows: CsvRow[],
  recordIdColumn: string,
  spec: ActivitySpec,
): Promise<ChunkResult> {
  const { table, subjectColumn } = spec;
  const result = emptyResult();
  const at = new Date().toISOString();
  const staged: SubjectRow[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const recordId = String(r.values[recordIdColumn]);
    const values = spec.values(r, ctx) as CopyValue[];
    values.unshift(rowId(table, ctx.sourceSystem, recordId));
    values.push(ctx.sourceSystem, recordId, receivedAt(r, at));
    staged[i] = { line: r.line, subjectId: String(r.values[subjectColumn]), values };
  }
  const counts = await upsertLinked(ctx.q, table, ctx.sourceSystem, staged, spec.recordSubject);
  const byLine = counts.unlinked.length > 0 ? new Map(rows.map((r) => [r.line, r])) : null;
  for (const line of counts.unlinked) {
    result.rejects.push({
      row: byLine?.get(line) as CsvRow,
      column: subjectColumn,
      reason: `${subjectColumn}: no record with this id has been received from ${ctx.sourceSystem} yet (load it, then replay)`,
    });
  }
  result.loaded = counts.inserted + counts.updated;
  result.duplicates = counts.unchanged;
  result.tables[table] = result.loaded;
  return result;
}

const DEMOGRAPHICS = [
  col("family_name", F.text(100), true, "Family name"),
  col("given_name", F.text(100), true, "Given name"),
  col("birth_date", F.date, true, "Date of birth"),
  col("sex", F.sex, true, "Sex"),
  col("postcode", F.postcode, false, "Postcode of the address the system holds"),
];

function demographics(r: CsvRow) {
  return {
    family: str(r.values.family_name),
    given: str(r.values.given_name),
    birthDate: str(r.values.birth_date),
    sex: str(r.values.sex) as SourceRecordInput["sex"],
    postcode: str(r.values.postcode),
  };
}

export const GP_PATIENTS: CsvLayout = {
  name: "gp-patients",
  title: "GP registered patients",
  defaultSource: "gp",
  people: true,
  recordIdColumn: "patient_id",
  columns: [
    col("patient_id", F.id, true, "The GP system's id for the patient"),
    col("nhs_number", F.nhsNumber, true, "NHS Number (traced: must be valid)"),
    ...DEMOGRAPHICS,
    col("ethnic_category", F.ethnicCategory, false, "NHS ethnic category letter"),
    EXTRACTED_AT,
  ],
  apply: (ctx, rows) =>
    applyPeople(ctx, rows, (r, at) => ({
      sourceSystem: ctx.sourceSystem,
      recordId: String(r.values.patient_id),
      nhsNumber: str(r.values.nhs_number),
      ...demographics(r),
      receivedAt: receivedAt(r, at),
      identifiers: [],
      ethnicCategory: str(r.values.ethnic_category),
    })),
};

export const GP_REGISTRATIONS = activityLayout(
  {
    name: "gp-registrations",
    title: "GP registrations",
    defaultSource: "gp",
    recordIdColumn: "registration_id",
    columns: [
      col("registration_id", F.id, true, "The GP system's id for the registration"),
      col("patient_id", F.id, true, "The patient (as in gp-patients)"),
      col("practice_code", F.odsCode, true, "Practice ODS code"),
      col("registered_on", F.date, true, "Date registered"),
      col("deregistered_on", F.date, false, "Date deregistered (empty while registered)"),
      col(
        "deregistration_reason",
        F.oneOf(["moved-practice", "moved-away", "died", "other"]),
        false,
        "Why the registration ended",
      ),
      EXTRACTED_AT,
    ],
  },
  {
    table: "registration",
    subjectColumn: "patient_id",
    recordSubject: true,
    values: (r) => [
      r.values.practice_code,
      r.values.registered_on,
      str(r.values.deregistered_on),
      str(r.values.deregistration_reason),
    ],
  },
);

export const GP_CODED_RECORD = activityLayout(
  {
    name: "gp-coded-record",
    title: "GP coded record",
    defaultSource: "gp",
    recordIdColumn: "entry_id",
    columns: [
      col("entry_id", F.id, true, "The GP system's id for the coded entry"),
      col("patient_id", F.id, true, "The patient (as in gp-patients)"),
      col("practice_code", F.odsCode, true, "Practice where it was recorded"),
      col("recorded_on", F.date, true, "Date recorded"),
      col("entry_kind", F.oneOf(["condition", "observation", "procedure"]), true, "What the entry records"),
      col("code_system", F.uri, true, "Code system, e.g. http://snomed.info/sct"),
      col("code", F.code, true, "The code (SNOMED CT ids are kept as text)"),
      col("value", F.decimal, false, "Observation value"),
      col("unit", F.text(40), false, "Unit of the value (UCUM)"),
      EXTRACTED_AT,
    ],
  },
  {
    table: "gp_entry",
    subjectColumn: "patient_id",
    recordSubject: true,
    values: (r) => [
      r.values.practice_code,
      r.values.recorded_on,
      r.values.entry_kind,
      r.values.code_system,
      r.values.code,
      num(r.values.value),
      str(r.values.unit),
    ],
  },
);

export const SC_CLIENTS: CsvLayout = {
  name: "sc-clients",
  title: "Social care clients",
  defaultSource: "social-care",
  people: true,
  recordIdColumn: "client_id",
  needsOrg: true,
  columns: [
    col("client_id", F.id, true, "The social care system's client id"),
    col("nhs_number", F.nhsNumberAsRecorded, false, "NHS Number as recorded (often missing or mistyped)"),
    ...DEMOGRAPHICS,
    EXTRACTED_AT,
  ],
  apply: (ctx, rows) =>
    applyPeople(ctx, rows, (r, at) => ({
      sourceSystem: ctx.sourceSystem,
      recordId: String(r.values.client_id),
      nhsNumber: str(r.values.nhs_number),
      ...demographics(r),
      receivedAt: receivedAt(r, at),
      identifiers: [{ system: clientIdSystem(ctx.orgCode as string), value: String(r.values.client_id) }],
    })),
};

export const SC_ASSESSMENTS = activityLayout(
  {
    name: "sc-assessments",
    title: "Social care assessments",
    defaultSource: "social-care",
    recordIdColumn: "assessment_id",
    columns: [
      col("assessment_id", F.id, true, "The social care system's id for the assessment"),
      col("client_id", F.id, true, "The client (as in sc-clients)"),
      col("assessed_on", F.date, true, "Date of the assessment"),
      col("assessment_type", F.oneOf(["needs", "carer", "review", "financial"]), true, "Kind of assessment"),
      col(
        "outcome",
        F.oneOf(["long-term-support", "short-term-support", "universal-services", "no-services"]),
        true,
        "Outcome",
      ),
      EXTRACTED_AT,
    ],
  },
  {
    table: "social_care_assessment",
    subjectColumn: "client_id",
    recordSubject: false,
    values: (r) => [r.values.client_id, r.values.assessed_on, r.values.assessment_type, r.values.outcome],
  },
);

export const SC_SERVICES = activityLayout(
  {
    name: "sc-services",
    title: "Social care services and packages",
    defaultSource: "social-care",
    recordIdColumn: "service_id",
    columns: [
      col("service_id", F.id, true, "The social care system's id for the service or package"),
      col("client_id", F.id, true, "The client (as in sc-clients)"),
      col(
        "service_type",
        F.oneOf(["reablement", "telecare", "home-care", "day-care", "direct-payment", "equipment", "meals"]),
        true,
        "Kind of service",
      ),
      col("started_on", F.date, true, "Start date"),
      col("ended_on", F.date, false, "End date (empty while it continues)"),
      col("funding", F.oneOf(["council", "self", "nhs", "joint"]), true, "Who pays"),
      col(
        "referral_source",
        F.oneOf(["hospital-discharge", "community", "gp", "self", "other"]),
        false,
        "Where the referral came from",
      ),
      col(
        "after_spell_source",
        F.id,
        false,
        "For a service started on discharge: the hospital source system",
      ),
      col("after_spell_visit", F.id, false, "... and the hospital spell's visit number (PV1-19)"),
      col("hours_per_week", F.decimal, false, "Planned hours a week (home care)"),
      col(
        "end_reason",
        F.oneOf([
          "completed",
          "long-term-support",
          "hospital",
          "care-home",
          "died",
          "declined",
          "moved",
          "other",
        ]),
        false,
        "Why it ended",
      ),
      EXTRACTED_AT,
    ],
  },
  {
    table: "social_care_service",
    subjectColumn: "client_id",
    recordSubject: false,
    values: (r) => [
      r.values.client_id,
      r.values.service_type,
      r.values.started_on,
      str(r.values.ended_on),
      r.values.funding,
      str(r.values.referral_source),
      r.values.after_spell_visit
        ? rowId(
            "hospital_spell",
            str(r.values.after_spell_source) ?? "acute-pas",
            String(r.values.after_spell_visit),
          )
        : null,
      num(r.values.hours_per_week),
      str(r.values.end_reason),
    ],
  },
);

export const SC_PLACEMENTS = activityLayout(
  {
    name: "sc-placements",
    title: "Residential and nursing care placements",
    defaultSource: "social-care",
    recordIdColumn: "placement_id",
    columns: [
      col("placement_id", F.id, true, "The social care system's id for the placement"),
      col("client_id", F.id, true, "The client (as in sc-clients)"),
      col("care_home_code", F.odsCode, true, "The care home's ODS code"),
      col("care_type", F.oneOf(["residential", "nursing"]), true, "Residential or nursing care"),
      col(
        "placement_type",
        F.oneOf(["permanent", "trial", "temporary", "respite"]),
        true,
        "Kind of placement",
      ),
      col("started_on", F.date, true, "Start date"),
      col("ended_on", F.date, false, "End date (empty while it continues)"),
      col("funding", F.oneOf(["council", "self", "nhs-chc", "joint"]), true, "Who pays"),
      col("follows_placement_id", F.id, false, "For a move between homes: the placement it follows"),
      col(
        "end_reason",
        F.oneOf(["died", "returned-home", "moved-home", "hospital", "became-permanent", "other"]),
        false,
        "Why it ended",
      ),
      EXTRACTED_AT,
    ],
  },
  {
    table: "care_home_placement",
    subjectColumn: "client_id",
    recordSubject: false,
    values: (r, ctx) => [
      r.values.client_id,
      r.values.care_home_code,
      r.values.care_type,
      r.values.placement_type,
      r.values.started_on,
      str(r.values.ended_on),
      r.values.funding,
      r.values.follows_placement_id
        ? rowId("care_home_placement", ctx.sourceSystem, String(r.values.follows_placement_id))
        : null,
      str(r.values.end_reason),
    ],
  },
);

export const DELAYED_TRANSFERS = activityLayout(
  {
    name: "delayed-transfers",
    title: "Delayed transfers of care",
    defaultSource: "acute-pas",
    recordIdColumn: "delay_id",
    columns: [
      col("delay_id", F.id, true, "The hospital's id for the delay"),
      col("patient_id", F.id, true, "The patient's hospital number (PID-3 in its ADT messages)"),
      col("visit_number", F.id, true, "The spell's visit number (PV1-19)"),
      col("provider_code", F.odsCode, true, "The hospital trust's ODS code"),
      col("ready_on", F.date, true, "Day the patient was ready to leave"),
      col("ended_on", F.date, false, "Day the patient left (empty while still delayed)"),
      col("attribution", F.oneOf(["nhs", "social-care", "both"]), true, "Who the delay is attributed to"),
      col(
        "reason",
        F.code,
        true,
        "Reason, e.g. awaiting-care-package, awaiting-nursing-home, awaiting-assessment",
      ),
      EXTRACTED_AT,
    ],
  },
  {
    table: "delayed_transfer",
    subjectColumn: "patient_id",
    recordSubject: true,
    values: (r, ctx) => [
      rowId("hospital_spell", ctx.sourceSystem, String(r.values.visit_number)),
      r.values.provider_code,
      r.values.ready_on,
      str(r.values.ended_on),
      r.values.attribution,
      r.values.reason,
    ],
  },
);

export const DEATHS: CsvLayout = {
  name: "deaths",
  title: "Death registrations",
  defaultSource: "death-registration",
  recordIdColumn: "death_id",
  columns: [
    col("death_id", F.id, true, "The registration's id"),
    col("nhs_number", F.nhsNumber, true, "NHS Number of the person who died (must be valid)"),
    col("died_on", F.date, true, "Date of death"),
    col(
      "place_of_death",
      F.oneOf(["hospital", "home", "care-home", "hospice", "other"]),
      false,
      "Place of death",
    ),
    col("underlying_cause", F.icd10, false, "Underlying cause (ICD-10)"),
    EXTRACTED_AT,
  ],
  async apply(ctx, rows) {
    const result = emptyResult();
    const at = new Date().toISOString();
    const holders = await findByNhsNumber(
      ctx.q,
      rows.map((r) => String(r.values.nhs_number)),
    );
    const out: unknown[][] = [];
    const subjects: [string, string, string, string, string][] = [];
    for (const r of rows) {
      const h = holders.get(String(r.values.nhs_number));
      if (!h) {
        result.rejects.push({
          row: r,
          column: "nhs_number",
          reason: "nhs_number: no one with this NHS Number is known yet (load their records, then replay)",
        });
        continue;
      }
      out.push([
        h.personId,
        r.values.died_on,
        str(r.values.place_of_death),
        str(r.values.underlying_cause),
        ctx.sourceSystem,
        r.values.death_id,
        receivedAt(r, at),
      ]);
      subjects.push([ctx.sourceSystem, "death", String(r.values.death_id), h.sourceSystem, h.recordId]);
    }
    const counts = await upsertCanonical(ctx.q, "death", out);
    await recordSubjects(ctx.q, subjects);
    result.loaded = counts.inserted + counts.updated;
    result.duplicates = counts.unchanged;
    result.tables.death = result.loaded;
    return result;
  },
};

const AREA_COLS = cols(
  "area_code text, name text, locality_code text, imd_decile smallint, source_system text",
);
const POSTCODE_COLS = cols("postcode text, area_code text");

export const POSTCODE_AREAS: CsvLayout = {
  name: "postcode-areas",
  title: "Postcodes and small areas",
  defaultSource: "ons-postcode-directory",
  recordIdColumn: "postcode",
  columns: [
    col("postcode", F.postcode, true, "Postcode"),
    col("area_code", F.id, true, "Small area (LSOA) code"),
    col("area_name", F.text(120), true, "Small area name"),
    col("locality_code", F.odsCode, false, "The place's locality the area belongs to"),
    col(
      "imd_decile",
      F.integerRange(1, 10),
      true,
      "Index of Multiple Deprivation decile (1 = most deprived)",
    ),
  ],
  async apply(ctx, rows) {
    const result = emptyResult();
    const localities = new Set(
      (
        await ctx.q.query<{ org_code: string }>("SELECT org_code FROM organisation WHERE kind = 'locality'")
      ).map((r) => r.org_code),
    );
    const areas = new Map<string, unknown[]>();
    const postcodes = new Map<string, unknown[]>();
    for (const r of rows) {
      const locality = str(r.values.locality_code);
      if (locality && !localities.has(locality)) {
        result.rejects.push({
          row: r,
          column: "locality_code",
          reason: "locality_code: no such locality organisation (load organisations first)",
        });
        continue;
      }
      areas.set(String(r.values.area_code), [
        r.values.area_code,
        r.values.area_name,
        locality,
        r.values.imd_decile,
        ctx.sourceSystem,
      ]);
      postcodes.set(String(r.values.postcode), [r.values.postcode, r.values.area_code]);
    }
    await insertMany(
      ctx.q,
      "area",
      AREA_COLS,
      [...areas.values()],
      `ON CONFLICT (area_code) DO UPDATE SET name = excluded.name, locality_code = excluded.locality_code,
         imd_decile = excluded.imd_decile
       WHERE (area.name, area.locality_code, area.imd_decile) IS DISTINCT FROM
             (excluded.name, excluded.locality_code, excluded.imd_decile)`,
    );
    const written = await insertMany(
      ctx.q,
      "postcode_area",
      POSTCODE_COLS,
      [...postcodes.values()],
      `ON CONFLICT (postcode) DO UPDATE SET area_code = excluded.area_code
       WHERE postcode_area.area_code IS DISTINCT FROM excluded.area_code RETURNING 1`,
    );
    result.loaded = written.length;
    result.duplicates = rows.length - result.rejects.length - written.length;
    result.tables.postcode_area = written.length;
    return result;
  },
};

export const CSV_LAYOUTS: readonly CsvLayout[] = [
  GP_PATIENTS,
  GP_REGISTRATIONS,
  GP_CODED_RECORD,
  SC_CLIENTS,
  SC_ASSESSMENTS,
  SC_SERVICES,
  SC_PLACEMENTS,
  DELAYED_TRANSFERS,
  DEATHS,
  POSTCODE_AREAS,
];

export function layoutByName(name: string): CsvLayout | undefined {
  return CSV_LAYOUTS.find((l) => l.name === name);
}

/** The layout whose columns a header has: every required column, and nothing it does not know. */
export function detectLayout(header: readonly string[]): CsvLayout | undefined {
  const names = new Set(header);
  const fits = CSV_LAYOUTS.filter(
    (l) =>
      l.columns.every((c) => !c.required || names.has(c.name)) &&
      header.every((h) => l.columns.some((c) => c.name === h)),
  );
  return fits.length === 1 ? fits[0] : undefined;
}
