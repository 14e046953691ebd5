import { ADMINISTRATIVE_SEX } from "../../core/nhs-dd-codes.ts";
import {
  DEFAULT_DELIMITERS,
  type Delimiters,
  encodeMessage,
  encodeSegment,
  type FieldValue,
  hl7Timestamp,
} from "./message.ts";

// Building ADT messages the way a hospital's integration engine sends them, field by field in the positions
// adt.ts reads. Used by the synthetic place's feeds, by tests and by benchmarks.

export interface AdtPatientFields {
  recordId: string;
  /** PID-3.4 assigning authority of the local identifier (the trust's ODS code). */
  authority: string;
  nhsNumber?: string | null;
  family?: string | null;
  given?: string | null;
  birthDate?: string | null; // YYYY-MM-DD
  sex?: "female" | "male" | "other" | "unknown" | null;
  postcode?: string | null;
  ethnicCategory?: string | null;
}

export interface AdtVisitFields {
  visitNumber: string;
  /** PV1-2: I inpatient, D day case, E emergency (A&E), O outpatient, P pre-admit. */
  patientClass: string;
  ward?: string | null;
  site?: string | null;
  /** PV1-4: NHS admission method code (21 emergency via A&E, 11 elective waiting list, 31 maternity ...). */
  admissionType?: string | null;
  specialty?: string | null;
  admitAt?: string | null; // ISO instant
  dischargeAt?: string | null;
  /** PV1-36: NHS discharge method (1, 2, 4 ...) or A&E disposal (01, 03 ...). */
  disposition?: string | null;
  /** PV1-37: NHS discharge destination (19, 51, 79 ...). */
  destination?: string | null;
  /** PV2-38: HL7 table 0430 (A ambulance, F on foot, O other). */
  arrivalMode?: string | null;
  diagnosis?: string | null; // ICD-10
}

export interface AdtFields {
  sendingApplication: string;
  sendingFacility: string;
  controlId: string;
  trigger: string;
  messageTime: string; // ISO instant
  /** EVN-6: when the event happened (a transfer's time). */
  eventAt?: string | null;
  patient: AdtPatientFields;
  visit?: AdtVisitFields | null;
  /** A40: MRG-1 identifiers merged into this patient. */
  priorIds?: readonly string[];
  version?: string;
  delimiters?: Delimiters;
}

const STRUCTURE: Record<string, string> = {
  A01: "ADT_A01",
  A04: "ADT_A01",
  A05: "ADT_A05",
  A08: "ADT_A01",
  A13: "ADT_A01",
  A02: "ADT_A02",
  A03: "ADT_A03",
  A11: "ADT_A09",
  A12: "ADT_A12",
  A28: "ADT_A05",
  A31: "ADT_A05",
  A40: "ADT_A39",
};

function positional(
  values: Record<number, FieldValue | null | undefined>,
): (FieldValue | null | undefined)[] {
  const max = Math.max(0, ...Object.keys(values).map(Number));
  const out: (FieldValue | null | undefined)[] = [];
  for (let i = 1; i <= max; i++) out.push(values[i]);
  return out;
}

const date8 = (iso: string | null | undefined) => (iso ? iso.slice(0, 10).replaceAll("-", "") : null);
const ts = (iso: string | null | undefined) => (iso ? hl7Timestamp(iso) : null);

export function buildAdt(f: AdtFields): string {
  const d = f.delimiters ?? DEFAULT_DELIMITERS;
  const p = f.patient;
  const ids: (string | string[])[][] = [[p.recordId, "", "", p.authority, "MR"]];
  if (p.nhsNumber) ids.push([p.nhsNumber, "", "", "NHS", "NH"]);
  const lines = [
    encodeSegment(
      "MSH",
      [
        f.sendingApplication,
        f.sendingFacility,
        "ONEPLACE",
        "ONEPLACE",
        hl7Timestamp(f.messageTime),
        "",
        ["ADT", f.trigger, STRUCTURE[f.trigger] ?? "ADT_A01"],
        f.controlId,
        "P",
        f.version ?? "2.4",
      ],
      d,
    ),
    encodeSegment("EVN", positional({ 1: f.trigger, 2: hl7Timestamp(f.messageTime), 6: ts(f.eventAt) }), d),
    encodeSegment(
      "PID",
      positional({
        1: "1",
        3: { repeat: ids },
        5: [p.family ?? "", p.given ?? ""],
        7: date8(p.birthDate),
        8: p.sex ? ADMINISTRATIVE_SEX.encode(p.sex) : null,
        11: p.postcode ? ["", "", "", "", p.postcode] : null,
        22: p.ethnicCategory ?? null,
      }),
      d,
    ),
  ];
  if (f.priorIds && f.priorIds.length > 0) {
    lines.push(
      encodeSegment("MRG", [{ repeat: f.priorIds.map((id) => [id, "", "", p.authority, "MR"]) }], d),
    );
  }
  const v = f.visit;
  if (v) {
    lines.push(
      encodeSegment(
        "PV1",
        positional({
          1: "1",
          2: v.patientClass,
          3: v.ward ? [v.ward, "", "", v.site ?? ""] : null,
          4: v.admissionType ?? null,
          10: v.specialty ?? null,
          19: v.visitNumber,
          36: v.disposition ?? null,
          37: v.destination ?? null,
          44: ts(v.admitAt),
          45: ts(v.dischargeAt),
        }),
        d,
      ),
    );
    if (v.arrivalMode) lines.push(encodeSegment("PV2", positional({ 38: v.arrivalMode }), d));
    if (v.diagnosis) lines.push(encodeSegment("DG1", ["1", "", [v.diagnosis, "", "I10"], "", "", "F"], d));
  }
  return encodeMessage(lines);
}
