import {
  ADMISSION_METHOD,
  AE_DISPOSAL,
  ARRIVAL_MODE,
  DESTINATION_USUAL_RESIDENCE,
  DISCHARGE_METHOD,
} from "../../core/nhs-dd-codes.ts";
import { type AdtFields, buildAdt } from "../../ingest/index.ts";
import { SOURCE_SYSTEM as S } from "../source-systems.ts";
import type { FaultDice } from "./faults.ts";
import { type PersonRows, plusSeconds, type Row, rowsOf, text } from "./person-rows.ts";

// The hospital PAS's ADT messages for one person (HL7v2): the patient (A28), each spell's admission, ward
// transfers and discharge (A01, A02, A03), and A&E attendances (A04, A03), with the faults of transport:
// cancelled events (A11, A12, A13), a discharge overtaking its admission, and messages sent twice.

interface AdtItem {
  time: string;
  text: string;
}

type Base = Pick<AdtFields, "sendingApplication" | "sendingFacility" | "patient">;
type AdtPatientFields = AdtFields["patient"];
type Visit = NonNullable<AdtFields["visit"]>;

/** One message and when it was sent (MSH-7). */
function message(
  base: Base,
  controlId: string,
  trigger: string,
  sentAt: string,
  visit?: Visit,
  eventAt?: string,
) {
  return {
    time: sentAt,
    text: buildAdt({
      ...base,
      controlId,
      trigger,
      messageTime: sentAt,
      ...(eventAt ? { eventAt } : {}),
      ...(visit ? { visit } : {}),
    }),
  };
}

function patientFields(acuteRec: Row, person: Row, acute: string): AdtPatientFields {
  return {
    recordId: String(acuteRec.source_record_id),
    authority: acute,
    nhsNumber: text(acuteRec.nhs_number),
    family: text(acuteRec.family_name),
    given: text(acuteRec.given_name),
    birthDate: text(acuteRec.birth_date),
    sex: text(acuteRec.sex) as AdtPatientFields["sex"],
    postcode: text(acuteRec.postcode),
    ethnicCategory: text(person.ethnic_category),
  };
}

/** The cancelled event of a spell whose roll falls in the cancellation share (a third each kind), or none. */
function cancelledEvents(
  roll: number,
  cancellations: number,
  base: Base,
  visit: Visit,
  admitted: string,
  ward: string | null,
): AdtItem[] {
  const visitNumber = visit.visitNumber;
  if (roll < cancellations / 3) {
    // A premature discharge, cancelled a few seconds later.
    return [
      message(base, `${visitNumber}-A03x`, "A03", plusSeconds(admitted, 30), {
        ...visit,
        ward,
        dischargeAt: plusSeconds(admitted, 20),
        disposition: DISCHARGE_METHOD.encode("discharged"),
        destination: DESTINATION_USUAL_RESIDENCE,
      }),
      message(base, `${visitNumber}-A13`, "A13", plusSeconds(admitted, 40), visit),
    ];
  }
  if (roll < (2 * cancellations) / 3) {
    // A transfer keyed in error and cancelled.
    return [
      message(
        base,
        `${visitNumber}-A02x`,
        "A02",
        plusSeconds(admitted, 50),
        { ...visit, ward },
        plusSeconds(admitted, 45),
      ),
      message(base, `${visitNumber}-A12`, "A12", plusSeconds(admitted, 55), visit),
    ];
  }
  if (roll < cancellations) {
    // An admission to the wrong visit, cancelled.
    const wrong = { ...visit, visitNumber: `${visitNumber}-void` };
    return [
      message(base, `${visitNumber}-void-A01`, "A01", plusSeconds(admitted, 2), {
        ...wrong,
        ward,
        admitAt: admitted,
      }),
      message(base, `${visitNumber}-void-A11`, "A11", plusSeconds(admitted, 3), wrong),
    ];
  }
  return [];
}

/** A spell's messages in the order sent (the dice decide a cancelled event and whether the discharge overtakes). */
function spellMessages(spell: Row, wards: Row[], base: Base, dice: FaultDice): AdtItem[] {
  const visitNumber = String(spell.source_record_id);
  const visit: Visit = {
    visitNumber,
    patientClass: spell.patient_class === "day-case" ? "D" : "I",
    site: text(spell.site_code),
    admissionType: ADMISSION_METHOD.encode(String(spell.admission_method)),
    specialty: text(spell.specialty_code),
  };
  const admitted = String(spell.admitted_at);
  const first = wards[0];
  const items: AdtItem[] = [
    message(
      base,
      first ? String(first.source_record_id) : `${visitNumber}-A01`,
      "A01",
      plusSeconds(admitted, 4),
      {
        ...visit,
        ward: first ? text(first.ward_code) : "UNMAPPED",
        admitAt: admitted,
        diagnosis: text(spell.primary_diagnosis),
      },
    ),
  ];
  for (const ward of wards.slice(1)) {
    const at = String(ward.started_at);
    items.push(
      message(
        base,
        String(ward.source_record_id),
        "A02",
        plusSeconds(at, 6),
        { ...visit, ward: text(ward.ward_code) },
        at,
      ),
    );
  }
  const roll = dice.rng.next();
  if (first)
    items.push(
      ...cancelledEvents(roll, dice.faults.cancellations, base, visit, admitted, text(first.ward_code)),
    );
  if (spell.discharged_at) {
    const at = String(spell.discharged_at);
    items.push(
      message(base, `${visitNumber}-A03`, "A03", plusSeconds(at, 4), {
        ...visit,
        ward: text(wards.at(-1)?.ward_code ?? null),
        dischargeAt: at,
        disposition: DISCHARGE_METHOD.encode(String(spell.discharge_method)),
        destination: text(spell.discharge_destination),
      }),
    );
  }
  items.sort((a, b) => a.time.localeCompare(b.time));
  if (spell.discharged_at && dice.rng.next() < dice.faults.outOfOrder) {
    // The discharge overtakes the admission on its way (the fold still orders them by MSH-7).
    const last = items.pop() as AdtItem;
    items.unshift({ ...last, time: items[0]?.time ?? last.time });
  }
  return items;
}

function aeMessages(ae: Row, base: Base): AdtItem[] {
  const id = String(ae.source_record_id);
  const visit: Visit = {
    visitNumber: id,
    patientClass: "E",
    arrivalMode: ae.arrival_mode ? ARRIVAL_MODE.encode(String(ae.arrival_mode)) : null,
  };
  const arrived = String(ae.arrived_at);
  const items = [message(base, `${id}-A04`, "A04", plusSeconds(arrived, 5), { ...visit, admitAt: arrived })];
  if (ae.departed_at) {
    const departed = String(ae.departed_at);
    items.push(
      message(base, `${id}-A03`, "A03", plusSeconds(departed, 5), {
        ...visit,
        dischargeAt: departed,
        disposition: ae.disposal ? AE_DISPOSAL.encode(String(ae.disposal)) : null,
      }),
    );
  }
  return items;
}

/** Each spell's ward stays in time order, by spell id. */
export function wardsBySpell(p: PersonRows): Map<string, Row[]> {
  const by = new Map<string, Row[]>();
  for (const ward of rowsOf(p, "ward_stay")) {
    const list = by.get(String(ward.spell_id)) ?? [];
    list.push(ward);
    by.set(String(ward.spell_id), list);
  }
  for (const list of by.values())
    list.sort((a, b) => String(a.started_at).localeCompare(String(b.started_at)));
  return by;
}

/** The person's ADT messages in the order the PAS sends them (time order, keeping a deliberate overtaking). */
export function adtMessages(p: PersonRows, acuteRec: Row, acute: string, dice: FaultDice): string[] {
  const base: Base = {
    sendingApplication: S.acute,
    sendingFacility: acute,
    patient: patientFields(acuteRec, p.person, acute),
  };
  const items: AdtItem[] = [];
  const send = (item: AdtItem) => {
    items.push(item);
    if (dice.rng.next() < dice.faults.duplicateMessages) items.push(item);
  };
  const registered = String(acuteRec.received_at);
  send(message(base, `${base.patient.recordId}-A28`, "A28", registered));
  const wards = wardsBySpell(p);
  for (const spell of rowsOf(p, "hospital_spell"))
    for (const item of spellMessages(spell, wards.get(String(spell.spell_id)) ?? [], base, dice)) send(item);
  for (const ae of rowsOf(p, "ae_attendance")) for (const item of aeMessages(ae, base)) send(item);
  items.sort((a, b) => a.time.localeCompare(b.time));
  return items.map((it) => it.text);
}
