import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { NHS_NUMBER_SYSTEM, ODS_ORGANISATION_SYSTEM } from "../../core/codes.ts";
import { createRng, type Rng } from "../../core/rng.ts";
import {
  type AdtPatientFields,
  buildAdt,
  type FeedFile,
  type FeedManifest,
  FHIR_EXTENSIONS,
  FHIR_SYSTEMS,
} from "../../ingest/index.ts";
import type { CopyValue, TableShape } from "../../store/index.ts";
import { type SynthConfig, validateSynthConfig } from "../config.ts";
import { createContext } from "../context.ts";
import { generatePlace } from "../generate.ts";
import { SOURCE_SYSTEM } from "../source-systems.ts";
import { CsvFile, NdjsonFile, TextFile } from "./files.ts";

// The synthetic place as its source systems would send it: the hospital's ADT messages (HL7v2), FHIR NDJSON
// from the community and mental health systems (and the GP's medicines and care plans), CSV extracts from
// the GP and social care systems and the death register, and reference data (organisations as FHIR, postcodes
// and small areas as CSV). The generator's own faults (missing and mistyped NHS Numbers, name variants,
// duplicate client records, stale addresses) are in the rows already; the feeds add the faults of transport:
// events out of order, cancelled events, messages sent twice, and a few damaged records. A manifest says
// what each file is, in load order; truth.tsv and faults.json are for scoring, not feeds.

export interface FeedFaults {
  /** Share of discharged spells whose A03 is sent before their A01. */
  outOfOrder: number;
  /** Share of spells with a cancelled event (a premature discharge, a transfer, or a whole admission). */
  cancellations: number;
  /** Share of ADT messages sent twice. */
  duplicateMessages: number;
  /** Share of leaf records (coded entries, assessments, medicines, contacts) damaged beyond use. */
  corrupt: number;
}

export const DEFAULT_FEED_FAULTS: FeedFaults = Object.freeze({
  outOfOrder: 0.03,
  cancellations: 0.03,
  duplicateMessages: 0.01,
  corrupt: 0.002,
});

export interface DamagedRecord {
  table: string;
  sourceSystem: string;
  recordId: string;
}

export interface FeedWriteResult {
  dir: string;
  files: Record<string, number>;
  damaged: DamagedRecord[];
  messages: number;
}

type Obj = Record<string, CopyValue>;

function obj(shape: TableShape, values: readonly CopyValue[]): Obj {
  const o: Obj = {};
  for (let i = 0; i < shape.columns.length; i++) o[shape.columns[i]] = values[i];
  return o;
}

const s = (v: CopyValue) => (v === null || v === undefined ? null : String(v));
const plusSeconds = (iso: string, seconds: number) =>
  new Date(new Date(iso).getTime() + seconds * 1000).toISOString().replace(".000Z", "Z");

const ADMISSION_CODE: Record<string, string> = {
  emergency: "21",
  elective: "11",
  maternity: "31",
  transfer: "81",
  other: "82",
};
const DISCHARGE_CODE: Record<string, string> = {
  discharged: "1",
  "self-discharged": "2",
  died: "4",
  transferred: "1",
};
const DISPOSAL_CODE: Record<string, string> = {
  admitted: "01",
  discharged: "03",
  referred: "06",
  left: "12",
  died: "10",
};
const ARRIVAL_CODE: Record<string, string> = { ambulance: "A", "walk-in": "F", other: "O" };
const CONTACT_CLASS: Record<string, string> = {
  "face-to-face": "AMB",
  "home-visit": "HH",
  telephone: "VR",
  video: "VR",
};
const ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
const ADMIN_GENDER: Record<string, string> = {
  female: "female",
  male: "male",
  other: "other",
  unknown: "unknown",
};

interface AdtItem {
  time: string;
  text: string;
}

export async function writeFeeds(
  config: SynthConfig,
  dir: string,
  faults: FeedFaults = DEFAULT_FEED_FAULTS,
): Promise<FeedWriteResult> {
  validateSynthConfig(config);
  const ctx = createContext(config);
  const place = ctx.place;
  const acute = place.acute.code;
  const council = place.council.code;
  const rng: Rng = createRng(`${config.seed}:feeds`);
  const damaged: DamagedRecord[] = [];
  const S = SOURCE_SYSTEM;

  const csv = {
    gpPatients: new CsvFile(dir, "gp/gp-patients.csv", [
      "patient_id",
      "nhs_number",
      "family_name",
      "given_name",
      "birth_date",
      "sex",
      "postcode",
      "ethnic_category",
      "extracted_at",
    ]),
    gpRegistrations: new CsvFile(dir, "gp/gp-registrations.csv", [
      "registration_id",
      "patient_id",
      "practice_code",
      "registered_on",
      "deregistered_on",
      "deregistration_reason",
      "extracted_at",
    ]),
    gpCoded: new CsvFile(dir, "gp/gp-coded-record.csv", [
      "entry_id",
      "patient_id",
      "practice_code",
      "recorded_on",
      "entry_kind",
      "code_system",
      "code",
      "value",
      "unit",
      "extracted_at",
    ]),
    scClients: new CsvFile(
      dir,
      "social-care/sc-clients.csv",
      [
        "client_id",
        "nhs_number",
        "family_name",
        "given_name",
        "birth_date",
        "sex",
        "postcode",
        "extracted_at",
      ],
      true,
    ),
    scAssessments: new CsvFile(
      dir,
      "social-care/sc-assessments.csv",
      ["assessment_id", "client_id", "assessed_on", "assessment_type", "outcome", "extracted_at"],
      true,
    ),
    scServices: new CsvFile(
      dir,
      "social-care/sc-services.csv",
      [
        "service_id",
        "client_id",
        "service_type",
        "started_on",
        "ended_on",
        "funding",
        "referral_source",
        "after_spell_source",
        "after_spell_visit",
        "hours_per_week",
        "end_reason",
        "extracted_at",
      ],
      true,
    ),
    scPlacements: new CsvFile(
      dir,
      "social-care/sc-placements.csv",
      [
        "placement_id",
        "client_id",
        "care_home_code",
        "care_type",
        "placement_type",
        "started_on",
        "ended_on",
        "funding",
        "follows_placement_id",
        "end_reason",
        "extracted_at",
      ],
      true,
    ),
    delays: new CsvFile(dir, "acute-pas/delayed-transfers.csv", [
      "delay_id",
      "patient_id",
      "visit_number",
      "provider_code",
      "ready_on",
      "ended_on",
      "attribution",
      "reason",
      "extracted_at",
    ]),
    deaths: new CsvFile(dir, "death-registration/deaths.csv", [
      "death_id",
      "nhs_number",
      "died_on",
      "place_of_death",
      "underlying_cause",
      "extracted_at",
    ]),
    postcodes: new CsvFile(dir, "reference/postcode-areas.csv", [
      "postcode",
      "area_code",
      "area_name",
      "locality_code",
      "imd_decile",
    ]),
    codeMap: new CsvFile(dir, "acute-pas/code-maps.csv", [
      "source_system",
      "map_name",
      "source_code",
      "target_code",
    ]),
  };
  const ndjson = {
    orgs: new NdjsonFile(dir, "reference/Organization.ndjson"),
    gpMeds: new NdjsonFile(dir, "gp/MedicationRequest.ndjson"),
    gpPlans: new NdjsonFile(dir, "gp/EpisodeOfCare.ndjson"),
    acuteOutpatients: new NdjsonFile(dir, "acute-pas/Encounter.ndjson"),
    cmPatients: new NdjsonFile(dir, "community-ehr/Patient.ndjson"),
    cmEncounters: new NdjsonFile(dir, "community-ehr/Encounter.ndjson"),
    cmPlans: new NdjsonFile(dir, "community-ehr/EpisodeOfCare.ndjson"),
    mhPatients: new NdjsonFile(dir, "mental-health-ehr/Patient.ndjson"),
    mhEncounters: new NdjsonFile(dir, "mental-health-ehr/Encounter.ndjson"),
    mhPlans: new NdjsonFile(dir, "mental-health-ehr/EpisodeOfCare.ndjson"),
    scPlans: new NdjsonFile(dir, "social-care/EpisodeOfCare.ndjson"),
  };
  const adt = new TextFile(dir, "acute-pas/adt.hl7");
  const truth = new TextFile(dir, "truth.tsv");
  const wardKinds = new Map<string, string>();
  const areaRows: Obj[] = [];
  // Postcodes people live at (care homes included) with their small area, as a postcode directory gives them.
  const livedAt = new Map<string, string>();
  let messages = 0;

  const pending: Promise<void>[] = [];
  const w = (p: Promise<void> | undefined) => {
    if (p) pending.push(p);
  };

  const patientRef = (system: string, records: Map<string, Obj[]>, nhs: string | null) => {
    const rec = records.get(system)?.[0];
    if (rec) return { reference: `Patient/${rec.source_record_id}` };
    return nhs ? { identifier: { system: NHS_NUMBER_SYSTEM, value: nhs } } : { reference: "Patient/unknown" };
  };

  const fhirPatient = (r: Obj, ethnic: CopyValue) => ({
    resourceType: "Patient",
    id: r.source_record_id,
    meta: { lastUpdated: r.received_at },
    ...(ethnic
      ? {
          extension: [
            { url: FHIR_EXTENSIONS.ethnicCategory, valueCodeableConcept: { coding: [{ code: ethnic }] } },
          ],
        }
      : {}),
    identifier: r.nhs_number ? [{ system: NHS_NUMBER_SYSTEM, value: r.nhs_number }] : [],
    name: [{ use: "official", family: r.family_name, given: [r.given_name] }],
    gender: ADMIN_GENDER[String(r.sex)] ?? "unknown",
    birthDate: r.birth_date,
    address: r.postcode ? [{ use: "home", postalCode: r.postcode }] : [],
  });

  const damage = (table: string, sourceSystem: string, recordId: string): boolean => {
    if (!(rng.next() < faults.corrupt)) return false;
    damaged.push({ table, sourceSystem, recordId });
    return true;
  };

  function writePerson(rows: [TableShape, CopyValue[]][]): void {
    const by = new Map<string, Obj[]>();
    for (const [shape, values] of rows) {
      const list = by.get(shape.table) ?? [];
      list.push(obj(shape, values));
      by.set(shape.table, list);
    }
    const person = by.get("person")?.[0];
    if (!person) return;
    const nhs = s(person.nhs_number);
    if (person.postcode && person.area_code) livedAt.set(String(person.postcode), String(person.area_code));
    const records = new Map<string, Obj[]>();
    for (const r of by.get("person_record") ?? []) {
      const list = records.get(String(r.source_system)) ?? [];
      list.push(r);
      records.set(String(r.source_system), list);
    }
    for (const t of by.get("synth_truth") ?? [])
      w(truth.write(`${t.person_id}\t${t.source_system}\t${t.source_record_id}\n`));

    const gp = records.get(S.gp)?.[0];
    if (gp) {
      w(
        csv.gpPatients.row({
          patient_id: gp.source_record_id,
          nhs_number: gp.nhs_number,
          family_name: gp.family_name,
          given_name: gp.given_name,
          birth_date: gp.birth_date,
          sex: gp.sex,
          postcode: gp.postcode,
          ethnic_category: person.ethnic_category,
          extracted_at: gp.received_at,
        }),
      );
    }
    for (const r of records.get(S.socialCare) ?? []) {
      w(
        csv.scClients.row({
          client_id: r.source_record_id,
          nhs_number: r.nhs_number,
          family_name: r.family_name,
          given_name: r.given_name,
          birth_date: r.birth_date,
          sex: r.sex,
          postcode: r.postcode,
          extracted_at: r.received_at,
        }),
      );
    }
    for (const r of records.get(S.community) ?? [])
      w(ndjson.cmPatients.write(fhirPatient(r, person.ethnic_category)));
    for (const r of records.get(S.mentalHealth) ?? [])
      w(ndjson.mhPatients.write(fhirPatient(r, person.ethnic_category)));

    // The hospital: ADT messages for the person, the spells, ward stays and A&E attendances.
    const acuteRec = records.get(S.acute)?.[0];
    const items: AdtItem[] = [];
    if (acuteRec) {
      const patient: AdtPatientFields = {
        recordId: String(acuteRec.source_record_id),
        authority: acute,
        nhsNumber: s(acuteRec.nhs_number),
        family: s(acuteRec.family_name),
        given: s(acuteRec.given_name),
        birthDate: s(acuteRec.birth_date),
        sex: s(acuteRec.sex) as AdtPatientFields["sex"],
        postcode: s(acuteRec.postcode),
        ethnicCategory: s(person.ethnic_category),
      };
      const base = { sendingApplication: S.acute, sendingFacility: acute, patient };
      const add = (time: string, text: string) => {
        items.push({ time, text });
        if (rng.next() < faults.duplicateMessages) items.push({ time, text });
      };
      add(
        String(acuteRec.received_at),
        buildAdt({
          ...base,
          controlId: `${patient.recordId}-A28`,
          trigger: "A28",
          messageTime: String(acuteRec.received_at),
        }),
      );
      const wardsBySpell = new Map<string, Obj[]>();
      for (const ward of by.get("ward_stay") ?? []) {
        const list = wardsBySpell.get(String(ward.spell_id)) ?? [];
        list.push(ward);
        wardsBySpell.set(String(ward.spell_id), list);
        wardKinds.set(String(ward.ward_code), String(ward.ward_kind));
      }
      const visitOfSpell = new Map<string, string>();
      for (const spell of by.get("hospital_spell") ?? []) {
        const visitNumber = String(spell.source_record_id);
        visitOfSpell.set(String(spell.spell_id), visitNumber);
        const wards = (wardsBySpell.get(String(spell.spell_id)) ?? []).sort((a, b) =>
          String(a.started_at).localeCompare(String(b.started_at)),
        );
        const visit = {
          visitNumber,
          patientClass: spell.patient_class === "day-case" ? "D" : "I",
          site: s(spell.site_code),
          admissionType: ADMISSION_CODE[String(spell.admission_method)],
          specialty: s(spell.specialty_code),
        };
        const admitted = String(spell.admitted_at);
        const first = wards[0];
        const spellItems: AdtItem[] = [];
        const push = (time: string, text: string) => spellItems.push({ time, text });
        push(
          plusSeconds(admitted, 4),
          buildAdt({
            ...base,
            controlId: first ? String(first.source_record_id) : `${visitNumber}-A01`,
            trigger: "A01",
            messageTime: plusSeconds(admitted, 4),
            visit: {
              ...visit,
              ward: first ? s(first.ward_code) : "UNMAPPED",
              admitAt: admitted,
              diagnosis: s(spell.primary_diagnosis),
            },
          }),
        );
        for (const ward of wards.slice(1)) {
          const at = String(ward.started_at);
          push(
            plusSeconds(at, 6),
            buildAdt({
              ...base,
              controlId: String(ward.source_record_id),
              trigger: "A02",
              messageTime: plusSeconds(at, 6),
              eventAt: at,
              visit: { ...visit, ward: s(ward.ward_code) },
            }),
          );
        }
        const roll = rng.next();
        if (roll < faults.cancellations / 3 && first) {
          // A premature discharge, cancelled a few seconds later.
          push(
            plusSeconds(admitted, 30),
            buildAdt({
              ...base,
              controlId: `${visitNumber}-A03x`,
              trigger: "A03",
              messageTime: plusSeconds(admitted, 30),
              visit: {
                ...visit,
                ward: s(first.ward_code),
                dischargeAt: plusSeconds(admitted, 20),
                disposition: "1",
                destination: "19",
              },
            }),
          );
          push(
            plusSeconds(admitted, 40),
            buildAdt({
              ...base,
              controlId: `${visitNumber}-A13`,
              trigger: "A13",
              messageTime: plusSeconds(admitted, 40),
              visit,
            }),
          );
        } else if (roll < (2 * faults.cancellations) / 3 && first) {
          // A transfer keyed in error and cancelled.
          push(
            plusSeconds(admitted, 50),
            buildAdt({
              ...base,
              controlId: `${visitNumber}-A02x`,
              trigger: "A02",
              messageTime: plusSeconds(admitted, 50),
              eventAt: plusSeconds(admitted, 45),
              visit: { ...visit, ward: s(first.ward_code) },
            }),
          );
          push(
            plusSeconds(admitted, 55),
            buildAdt({
              ...base,
              controlId: `${visitNumber}-A12`,
              trigger: "A12",
              messageTime: plusSeconds(admitted, 55),
              visit,
            }),
          );
        } else if (roll < faults.cancellations && first) {
          // An admission to the wrong visit, cancelled.
          const wrong = { ...visit, visitNumber: `${visitNumber}-void` };
          push(
            plusSeconds(admitted, 2),
            buildAdt({
              ...base,
              controlId: `${visitNumber}-void-A01`,
              trigger: "A01",
              messageTime: plusSeconds(admitted, 2),
              visit: { ...wrong, ward: s(first.ward_code), admitAt: admitted },
            }),
          );
          push(
            plusSeconds(admitted, 3),
            buildAdt({
              ...base,
              controlId: `${visitNumber}-void-A11`,
              trigger: "A11",
              messageTime: plusSeconds(admitted, 3),
              visit: wrong,
            }),
          );
        }
        if (spell.discharged_at) {
          const at = String(spell.discharged_at);
          push(
            plusSeconds(at, 4),
            buildAdt({
              ...base,
              controlId: `${visitNumber}-A03`,
              trigger: "A03",
              messageTime: plusSeconds(at, 4),
              visit: {
                ...visit,
                ward: s(wards.at(-1)?.ward_code ?? null),
                dischargeAt: at,
                disposition: DISCHARGE_CODE[String(spell.discharge_method)],
                destination: s(spell.discharge_destination),
              },
            }),
          );
        }
        spellItems.sort((a, b) => a.time.localeCompare(b.time));
        if (spell.discharged_at && rng.next() < faults.outOfOrder) {
          // The discharge overtakes the admission on its way (the fold still orders them by MSH-7).
          const last = spellItems.pop() as AdtItem;
          spellItems.unshift({ ...last, time: spellItems[0]?.time ?? last.time });
        }
        for (const it of spellItems) add(it.time, it.text);
      }
      for (const ae of by.get("ae_attendance") ?? []) {
        const id = String(ae.source_record_id);
        const visit = {
          visitNumber: id,
          patientClass: "E",
          arrivalMode: ae.arrival_mode ? ARRIVAL_CODE[String(ae.arrival_mode)] : null,
        };
        add(
          plusSeconds(String(ae.arrived_at), 5),
          buildAdt({
            ...base,
            controlId: `${id}-A04`,
            trigger: "A04",
            messageTime: plusSeconds(String(ae.arrived_at), 5),
            visit: { ...visit, admitAt: String(ae.arrived_at) },
          }),
        );
        if (ae.departed_at) {
          add(
            plusSeconds(String(ae.departed_at), 5),
            buildAdt({
              ...base,
              controlId: `${id}-A03`,
              trigger: "A03",
              messageTime: plusSeconds(String(ae.departed_at), 5),
              visit: {
                ...visit,
                dischargeAt: String(ae.departed_at),
                disposition: ae.disposal ? DISPOSAL_CODE[String(ae.disposal)] : null,
              },
            }),
          );
        }
      }
      // Per person in time order, keeping any deliberate overtaking inside a spell.
      items.sort((a, b) => a.time.localeCompare(b.time));
      for (const it of items) {
        w(adt.write(`${it.text}\n`));
        messages++;
      }
      for (const d of by.get("delayed_transfer") ?? []) {
        w(
          csv.delays.row({
            delay_id: d.source_record_id,
            patient_id: patient.recordId,
            visit_number: visitOfSpell.get(String(d.spell_id)),
            provider_code: d.provider_code,
            ready_on: d.ready_on,
            ended_on: d.ended_on,
            attribution: d.attribution,
            reason: d.reason,
            extracted_at: d.received_at,
          }),
        );
      }
      for (const o of by.get("outpatient_attendance") ?? []) {
        const attended = o.attendance === "attended";
        w(
          ndjson.acuteOutpatients.write({
            resourceType: "Encounter",
            id: o.source_record_id,
            meta: { lastUpdated: o.received_at },
            extension: [
              ...(attended ? [] : [{ url: FHIR_EXTENSIONS.attendance, valueCode: o.attendance }]),
              { url: FHIR_EXTENSIONS.firstAttendance, valueBoolean: o.first_attendance === true },
            ],
            status: attended ? "finished" : "cancelled",
            class: { system: ACT_CODE, code: "AMB" },
            type: [{ coding: [{ system: FHIR_SYSTEMS.encounterKind, code: "outpatient" }] }],
            serviceType: {
              coding: [
                {
                  system: "https://fhir.nhs.uk/CodeSystem/NHSDataModelAndDictionary-TreatmentFunction",
                  code: o.specialty_code,
                },
              ],
            },
            subject: { reference: `Patient/${patient.recordId}` },
            period: { start: o.appointment_on },
            serviceProvider: { identifier: { system: ODS_ORGANISATION_SYSTEM, value: o.provider_code } },
          }),
        );
      }
    }

    // Community and mental health contacts as FHIR Encounters.
    for (const c of by.get("care_contact") ?? []) {
      const community = c.setting === "community";
      const system = community ? S.community : S.mentalHealth;
      const file = community ? ndjson.cmEncounters : ndjson.mhEncounters;
      const resource = {
        resourceType: "Encounter",
        id: c.source_record_id,
        meta: { lastUpdated: c.received_at },
        status: "finished",
        class: { system: ACT_CODE, code: CONTACT_CLASS[String(c.contact_mode)] ?? "AMB" },
        type: [
          {
            coding: [
              {
                system: FHIR_SYSTEMS.encounterKind,
                code: community ? "community-contact" : "mental-health-contact",
              },
            ],
          },
          ...(c.contact_mode
            ? [{ coding: [{ system: FHIR_SYSTEMS.contactMode, code: c.contact_mode }] }]
            : []),
        ],
        serviceType: { coding: [{ system: FHIR_SYSTEMS.careService, code: c.service }] },
        subject: patientRef(system, records, nhs),
        period: { start: c.contact_on },
        serviceProvider: { identifier: { system: ODS_ORGANISATION_SYSTEM, value: c.provider_code } },
      };
      if (damage("care_contact", system, String(c.source_record_id))) {
        // Cut off mid-write: a truncated line.
        const text = JSON.stringify(resource);
        w(file.writeRaw(text.slice(0, Math.floor(text.length / 2))));
      } else w(file.write(resource));
    }

    // The GP record.
    const gpId = gp ? String(gp.source_record_id) : null;
    for (const r of by.get("registration") ?? []) {
      w(
        csv.gpRegistrations.row({
          registration_id: r.source_record_id,
          patient_id: gpId,
          practice_code: r.practice_code,
          registered_on: r.registered_on,
          deregistered_on: r.deregistered_on,
          deregistration_reason: r.deregistration_reason,
          extracted_at: r.received_at,
        }),
      );
    }
    for (const e of by.get("gp_entry") ?? []) {
      const bad = damage("gp_entry", S.gp, String(e.source_record_id));
      w(
        csv.gpCoded.row({
          entry_id: e.source_record_id,
          patient_id: gpId,
          practice_code: e.practice_code,
          recorded_on: bad ? "31/02/2014" : e.recorded_on,
          entry_kind: e.entry_kind,
          code_system: e.code_system,
          code: e.code,
          value: e.value,
          unit: e.unit,
          extracted_at: e.received_at,
        }),
      );
    }
    for (const m of by.get("medication_issue") ?? []) {
      const bad = damage("medication_issue", S.gp, String(m.source_record_id));
      w(
        ndjson.gpMeds.write({
          resourceType: "MedicationRequest",
          id: m.source_record_id,
          meta: { lastUpdated: m.received_at },
          status: "completed",
          intent: "order",
          medicationCodeableConcept: {
            coding: [{ system: m.code_system, code: m.code, display: m.display }],
          },
          ...(bad ? {} : { subject: patientRef(S.gp, records, nhs) }),
          authoredOn: m.issued_on,
          ...(m.quantity === null || m.quantity === undefined
            ? {}
            : { dispenseRequest: { quantity: { value: Number(m.quantity) } } }),
          courseOfTherapyType: {
            coding: [
              {
                system: "http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy",
                code: m.is_repeat ? "continuous" : "acute",
              },
            ],
          },
        }),
      );
    }

    // Social care.
    const spellVisit = new Map<string, string>();
    for (const sp of by.get("hospital_spell") ?? [])
      spellVisit.set(String(sp.spell_id), String(sp.source_record_id));
    const placementIds = new Map<string, string>();
    for (const p of by.get("care_home_placement") ?? [])
      placementIds.set(String(p.placement_id), String(p.source_record_id));
    for (const a of by.get("social_care_assessment") ?? []) {
      const bad = damage("social_care_assessment", S.socialCare, String(a.source_record_id));
      w(
        csv.scAssessments.row({
          assessment_id: a.source_record_id,
          client_id: a.client_id,
          assessed_on: a.assessed_on,
          assessment_type: bad ? "unknown-type" : a.assessment_type,
          outcome: a.outcome,
          extracted_at: a.received_at,
        }),
      );
    }
    for (const v of by.get("social_care_service") ?? []) {
      const visit = v.after_spell_id ? spellVisit.get(String(v.after_spell_id)) : null;
      w(
        csv.scServices.row({
          service_id: v.source_record_id,
          client_id: v.client_id,
          service_type: v.service_type,
          started_on: v.started_on,
          ended_on: v.ended_on,
          funding: v.funding,
          referral_source: v.referral_source,
          after_spell_source: visit ? S.acute : null,
          after_spell_visit: visit,
          hours_per_week: v.hours_per_week,
          end_reason: v.end_reason,
          extracted_at: v.received_at,
        }),
      );
    }
    for (const p of by.get("care_home_placement") ?? []) {
      w(
        csv.scPlacements.row({
          placement_id: p.source_record_id,
          client_id: p.client_id,
          care_home_code: p.care_home_code,
          care_type: p.care_type,
          placement_type: p.placement_type,
          started_on: p.started_on,
          ended_on: p.ended_on,
          funding: p.funding,
          follows_placement_id: p.follows_placement_id
            ? placementIds.get(String(p.follows_placement_id))
            : null,
          end_reason: p.end_reason,
          extracted_at: p.received_at,
        }),
      );
    }

    // Joint care plans, from whichever system holds them.
    for (const plan of by.get("care_plan") ?? []) {
      const system = String(plan.source_system);
      const file =
        system === S.gp
          ? ndjson.gpPlans
          : system === S.socialCare
            ? ndjson.scPlans
            : system === S.mentalHealth
              ? ndjson.mhPlans
              : ndjson.cmPlans;
      const role = s(plan.lead_professional_role);
      const org = s(plan.lead_org_code);
      const contained =
        role || org
          ? [
              {
                resourceType: "PractitionerRole",
                id: "lead",
                ...(role
                  ? { code: [{ coding: [{ system: FHIR_SYSTEMS.professionalRole, code: role }] }] }
                  : {}),
                ...(org
                  ? { organization: { identifier: { system: ODS_ORGANISATION_SYSTEM, value: org } } }
                  : {}),
              },
            ]
          : undefined;
      w(
        file.write({
          resourceType: "EpisodeOfCare",
          id: plan.source_record_id,
          meta: { lastUpdated: plan.received_at },
          ...(plan.review_due_on
            ? { extension: [{ url: FHIR_EXTENSIONS.reviewDue, valueDate: plan.review_due_on }] }
            : {}),
          ...(contained ? { contained, careManager: { reference: "#lead" } } : {}),
          status: plan.ended_on ? "finished" : "active",
          type: [{ coding: [{ system: FHIR_SYSTEMS.carePlanType, code: plan.plan_type }] }],
          patient: patientRef(system, records, nhs),
          period: { start: plan.started_on, ...(plan.ended_on ? { end: plan.ended_on } : {}) },
        }),
      );
    }

    for (const d of by.get("death") ?? []) {
      w(
        csv.deaths.row({
          death_id: d.source_record_id,
          nhs_number: nhs,
          died_on: d.died_on,
          place_of_death: d.place_of_death,
          underlying_cause: d.underlying_cause,
          extracted_at: d.received_at,
        }),
      );
    }
  }

  let current: [TableShape, CopyValue[]][] = [];
  const sink = {
    add(shape: TableShape, values: readonly CopyValue[]): Promise<void> | undefined {
      if (shape.table === "organisation" || shape.table === "site") {
        const o = obj(shape, values);
        const site = shape.table === "site";
        const kind = site ? "site" : String(o.kind);
        const period =
          o.opened_on || o.closed_on
            ? { start: o.opened_on ?? undefined, end: o.closed_on ?? undefined }
            : null;
        return ndjson.orgs.write({
          resourceType: "Organization",
          id: site ? o.site_code : o.org_code,
          meta: { lastUpdated: o.received_at },
          ...(period ? { extension: [{ url: FHIR_EXTENSIONS.operationalPeriod, valuePeriod: period }] } : {}),
          identifier: [{ system: ODS_ORGANISATION_SYSTEM, value: site ? o.site_code : o.org_code }],
          type: [
            { coding: [{ system: FHIR_SYSTEMS.organisationKind, code: kind }] },
            ...(o.care_home_type
              ? [{ coding: [{ system: FHIR_SYSTEMS.careHomeType, code: o.care_home_type }] }]
              : []),
          ],
          name: o.name,
          ...(o.postcode ? { address: [{ postalCode: o.postcode }] } : {}),
          ...((site ? o.org_code : o.parent_code)
            ? {
                partOf: {
                  identifier: { system: ODS_ORGANISATION_SYSTEM, value: site ? o.org_code : o.parent_code },
                },
              }
            : {}),
        });
      }
      if (shape.table === "area") {
        areaRows.push(obj(shape, values));
        return undefined;
      }
      if (shape.table === "person" && current.length > 0) {
        writePerson(current);
        current = [];
      }
      current.push([shape, [...values]]);
      if (pending.length > 0) {
        const all = Promise.all(pending.splice(0)).then(() => undefined);
        return all;
      }
      return undefined;
    },
  };
  await generatePlace(config, sink);
  if (current.length > 0) writePerson(current);
  const postcodesOf = new Map<string, Set<string>>(place.areas.map((a) => [a.code, new Set(a.postcodes)]));
  for (const [postcode, area] of livedAt) postcodesOf.get(area)?.add(postcode);
  for (const a of areaRows) {
    for (const postcode of [...(postcodesOf.get(String(a.area_code)) ?? [])].sort()) {
      w(
        csv.postcodes.row({
          postcode,
          area_code: a.area_code,
          area_name: a.name,
          locality_code: a.locality_code,
          imd_decile: a.imd_decile,
        }),
      );
    }
  }
  for (const [ward, kind] of [...wardKinds].sort()) {
    w(
      csv.codeMap.row({
        source_system: S.acute,
        map_name: "ward-kind",
        source_code: ward,
        target_code: kind,
      }),
    );
  }
  await Promise.all(pending.splice(0));
  const files: Record<string, number> = {};
  for (const [name, f] of Object.entries(csv)) {
    files[name] = f.rows;
    await f.close();
  }
  for (const [name, f] of Object.entries(ndjson)) {
    files[name] = f.rows;
    await f.close();
  }
  files.adt = messages;
  await adt.close();
  await truth.close();

  const feed = (
    file: string,
    format: FeedFile["format"],
    source: string,
    extra: Partial<FeedFile> = {},
  ): FeedFile => ({ file, format, source, ...extra });
  const manifest: FeedManifest = {
    description: `Synthetic place feeds: seed ${JSON.stringify(config.seed)}, ${config.people} people, ${config.historyStart} to ${config.historyEnd}`,
    files: [
      feed("reference/Organization.ndjson", "fhir", "ods"),
      feed("reference/postcode-areas.csv", "csv", "ons-postcode-directory", { layout: "postcode-areas" }),
      feed("acute-pas/code-maps.csv", "code-map", S.acute),
      feed("gp/gp-patients.csv", "csv", S.gp, { layout: "gp-patients" }),
      feed("gp/gp-registrations.csv", "csv", S.gp, { layout: "gp-registrations" }),
      feed("gp/gp-coded-record.csv", "csv", S.gp, { layout: "gp-coded-record" }),
      feed("gp/MedicationRequest.ndjson", "fhir", S.gp),
      feed("acute-pas/adt.hl7", "hl7", S.acute),
      feed("acute-pas/Encounter.ndjson", "fhir", S.acute),
      feed("acute-pas/delayed-transfers.csv", "csv", S.acute, { layout: "delayed-transfers" }),
      feed("community-ehr/Patient.ndjson", "fhir", S.community),
      feed("community-ehr/Encounter.ndjson", "fhir", S.community),
      feed("mental-health-ehr/Patient.ndjson", "fhir", S.mentalHealth),
      feed("mental-health-ehr/Encounter.ndjson", "fhir", S.mentalHealth),
      feed("social-care/sc-clients.csv", "csv", S.socialCare, { layout: "sc-clients", org: council }),
      feed("social-care/sc-assessments.csv", "csv", S.socialCare, { layout: "sc-assessments" }),
      feed("social-care/sc-services.csv", "csv", S.socialCare, { layout: "sc-services" }),
      feed("social-care/sc-placements.csv", "csv", S.socialCare, { layout: "sc-placements" }),
      feed("gp/EpisodeOfCare.ndjson", "fhir", S.gp),
      feed("community-ehr/EpisodeOfCare.ndjson", "fhir", S.community),
      feed("mental-health-ehr/EpisodeOfCare.ndjson", "fhir", S.mentalHealth),
      feed("social-care/EpisodeOfCare.ndjson", "fhir", S.socialCare),
      feed("death-registration/deaths.csv", "csv", S.deathRegistration, { layout: "deaths" }),
    ],
  };
  writeFileSync(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(dir, "faults.json"), `${JSON.stringify({ faults, damaged }, null, 2)}\n`);
  return { dir, files, damaged, messages };
}
