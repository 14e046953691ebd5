import { OnePlaceError } from "../../core/errors.ts";
import { ethnicCategoryOf, type Sex, TRANSFER_DESTINATIONS } from "../../core/nhs-dd-codes.ts";
import { nhsNumberProblem, normaliseNhsNumber } from "../../core/nhs-number.ts";
import type { NoBirthDateProblem, SourceRecordInput } from "../../mpi/index.ts";
import { hospitalNumberSystem } from "../ids.ts";
import { type AckCode, type AckError, HL7_ERROR, type Hl7ErrorCondition } from "./ack.ts";
import {
  type CodeLookup,
  type CodeMapName,
  codesToLookUp,
  decodeOrFlag,
  type UnmappedCode,
} from "./coded.ts";
import {
  componentOf,
  type Message,
  parseHl7Date,
  parseHl7Timestamp,
  repetitions,
  type Segment,
  segment,
  segments,
  value,
} from "./message.ts";

// What an ADT message says, checked: the event, the patient (PID), the visit (PV1, PV2, DG1) and, for A40,
// the record merged away (MRG). Anything that stops the message being applied is an AdtRejection carrying
// the ACK code and ERR content; reasons name segments and fields, never patient data.

export const SUPPORTED_EVENTS = [
  "A17",
  "A29",
  "A45",
  "A47",
  "A07",
  "A21",
  "A22",
  "A01",
  "A06",
  "A02",
  "A03",
  "A04",
  "A05",
  "A08",
  "A11",
  "A12",
  "A13",
  "A28",
  "A31",
  "A40",
] as const;
export type AdtTrigger = (typeof SUPPORTED_EVENTS)[number];

/**
 * Identity events other than A40 (merge), A47 (change identifier), A45 (move visit) and A29 (delete person
 * information): applying them would merge or re-identify people without the checks those get, and
 * acknowledging them unapplied would hide that they were not, so they are refused (AR).
 */
const IDENTITY_EVENTS_REFUSED: ReadonlySet<string> = new Set([
  "A30",
  "A34",
  "A35",
  "A36",
  "A37",
  "A39",
  "A41",
  "A42",
  "A46",
  "A48",
  "A49",
]);

export const VISIT_EVENTS: ReadonlySet<string> = new Set([
  "A17",
  "A07",
  "A21",
  "A22",
  "A01",
  "A06",
  "A02",
  "A03",
  "A04",
  "A05",
  "A11",
  "A12",
  "A13",
]);

export class AdtRejection extends OnePlaceError {
  override readonly name = "AdtRejection";
  /** The acknowledgement to send: AR refuses the message outright, AE reports an error in it. */
  readonly ackCode: AckCode;
  readonly error: AckError;
  constructor(
    ackCode: AckCode,
    condition: Hl7ErrorCondition,
    message: string,
    location?: AckError["location"],
  ) {
    super("invalid", ackCode === "AR" ? "ingest.adt-refused" : "ingest.adt-error", message);
    this.ackCode = ackCode;
    this.error = { condition, message, location: location ?? null };
  }
}

/**
 * An ADT event OnePlace does not use (A17, A29, A45 ...): not an error in the message. It is acknowledged AA,
 * kept and counted as unsupported, never refused.
 */
export class UnsupportedEvent extends Error {
  override readonly name = "UnsupportedEvent";
  readonly sourceSystem: string;
  readonly controlId: string;
  readonly messageType: string;
  constructor(sourceSystem: string, controlId: string, messageType: string) {
    super(`${messageType} is not an event OnePlace uses`);
    this.sourceSystem = sourceSystem;
    this.controlId = controlId;
    this.messageType = messageType;
  }
}

/** The visit fields one event carries (what adt_visit_event.detail holds). Times are ISO instants. */
export interface VisitDetail {
  patientClass: string;
  providerCode: string;
  ward?: string;
  wardKind?: string;
  site?: string;
  admissionMethod?: string;
  specialty?: string;
  diagnosis?: string;
  admitAt?: string;
  dischargeAt?: string;
  dischargeMethod?: string;
  destination?: string;
  arrivalMode?: string;
  disposal?: string;
  /** When a transfer happened (EVN-6, else EVN-2). */
  eventAt?: string;
  /** Codes as received that neither the source's map nor the standard knows, by code map: "needs mapping". */
  unmapped?: Partial<Record<CodeMapName, string>>;
}

export interface AdtEvent {
  sourceSystem: string;
  providerCode: string;
  controlId: string;
  trigger: AdtTrigger;
  messageType: string;
  messageTime: string;
  patient: SourceRecordInput;
  visitNumber: string | null;
  visit: VisitDetail | null;
  /** A40: the patient identifiers merged into this patient; A47 and A45: MRG-1, the prior patient. */
  priorRecordIds: string[];
  /** A17 (swap patients): the other patient of the pair and their visit, read from the second PID and PV1. */
  swap?: {
    patient: SourceRecordInput;
    visitNumber: string;
    visit: VisitDetail;
    /** The codes of the second PID no mapping knows (a sex left unmapped keeps what the record knows). */
    patientFlags: UnmappedCode[];
  };
  /** Codes in the message no mapping or standard knows: stored as received and flagged. */
  unmapped: UnmappedCode[];
  /** An A08 applied for the person whose visit fields could not be read: why (kept as a reject of its own). */
  visitProblem?: AdtRejection;
}

const NHS_AUTHORITY = "NHS";

/**
 * The events whose purpose is the person's demographics (add, update person information): they must carry the
 * date of birth. A visit event without one is applied for the visit; the record keeps the date it had, and a
 * new record is linked by its identifiers without one.
 */
export const BIRTH_DATE_REQUIRED: ReadonlySet<string> = new Set(["A28", "A31"]);

const noMappings: CodeLookup = () => null;
const NHS_TYPE = "NH";

function loc(segmentName: string, field: number, component?: number): AckError["location"] {
  return { segment: segmentName, sequence: 1, field, component };
}

/** An MSH problem: the message is refused (AR), pointing at the field. */
function refused(
  condition: Hl7ErrorCondition,
  message: string,
  field: number,
  component?: number,
): AdtRejection {
  return new AdtRejection("AR", condition, message, loc("MSH", field, component));
}

/** A field that stops the message being applied (AE): "PID-7 (date of birth) is not valid". */
function fieldError(
  condition: Hl7ErrorCondition,
  problem: string,
  segmentName: string,
  field: number,
  what: string,
  component?: number,
): AdtRejection {
  return new AdtRejection(
    "AE",
    condition,
    `${segmentName}-${field}${component ? `.${component}` : ""} (${what}) ${problem}`,
    loc(segmentName, field, component),
  );
}

const missing = (segmentName: string, field: number, what: string, component?: number) =>
  fieldError(HL7_ERROR.requiredFieldMissing, "is required", segmentName, field, what, component);

const badValue = (segmentName: string, field: number, what: string, component?: number) =>
  fieldError(HL7_ERROR.dataTypeError, "is not valid", segmentName, field, what, component);

const NO_BIRTH_DATE: Record<NoBirthDateProblem, string> = {
  "no-nhs-number":
    "and it carries no NHS Number (PID-3 or PID-2) of someone known here, so the patient can be neither matched nor recorded as a new person",
  "nhs-number-unknown":
    "and no one here holds the NHS Number it carries, so the patient cannot be recorded as a new person",
  "nhs-number-contradicted":
    "and the person holding the NHS Number it carries has a name or details that differ from it, which a date of birth would have to confirm",
};

/**
 * A message about a patient the MPI has never seen, without a date of birth, that cannot be attributed to the
 * person holding its NHS Number (AE, pointing at PID-7): the sender can resend it with the date of birth.
 */
export function birthDateNeeded(problem: NoBirthDateProblem): AdtRejection {
  return new AdtRejection(
    "AE",
    HL7_ERROR.requiredFieldMissing,
    `PID-7 (date of birth) is required for a patient OnePlace does not know yet, ${NO_BIRTH_DATE[problem]}: resend the message with the date of birth`,
    loc("PID", 7),
  );
}

/** MSH checks that decide whether OnePlace accepts the message at all (AR when not). */
export function readHeader(
  m: Message,
  options: { testInstance?: boolean } = {},
): Pick<AdtEvent, "sourceSystem" | "providerCode" | "controlId" | "trigger" | "messageType" | "messageTime"> {
  const msh = segment(m, "MSH") as Segment;
  const app = value(msh, 3).trim();
  if (!app) {
    throw refused(HL7_ERROR.requiredFieldMissing, "MSH-3 (sending application) is required", 3);
  }
  const controlId = value(msh, 10).trim();
  if (!controlId) {
    throw refused(HL7_ERROR.requiredFieldMissing, "MSH-10 (message control id) is required", 10);
  }
  const type = value(msh, 9, 1);
  const trigger = value(msh, 9, 2) || value(segment(m, "EVN"), 1);
  if (type !== "ADT") {
    throw refused(HL7_ERROR.unsupportedMessageType, `MSH-9 message type ${type || "(none)"} is not ADT`, 9);
  }
  const version = value(msh, 12);
  if (!/^2\.[1-9](\.\d+)?$/.test(version)) {
    throw refused(HL7_ERROR.unsupportedVersionId, `MSH-12 version ${version || "(none)"} is not HL7 v2`, 12);
  }
  const processing = value(msh, 11, 1);
  if (processing === "T" && !options.testInstance) {
    throw refused(
      HL7_ERROR.unsupportedProcessingId,
      "MSH-11 processing id T (test) is taken only by a place set up as a test instance ('oneplace feeds instance --test'); this place is production",
      11,
    );
  }
  if (processing !== "P" && processing !== "T") {
    throw refused(
      HL7_ERROR.unsupportedProcessingId,
      `MSH-11 processing id ${processing || "(none)"} is not P (production) or T (test)`,
      11,
    );
  }
  if (!(SUPPORTED_EVENTS as readonly string[]).includes(trigger)) {
    if (!trigger) {
      throw refused(HL7_ERROR.unsupportedEventCode, "MSH-9.2 trigger event (none) is not supported", 9, 2);
    }
    if (IDENTITY_EVENTS_REFUSED.has(trigger)) {
      throw refused(
        HL7_ERROR.unsupportedEventCode,
        `MSH-9.2 trigger event ${trigger} merges, links or changes patient identifiers, which OnePlace takes only as A40 (merge patient)`,
        9,
        2,
      );
    }
    throw new UnsupportedEvent(app.toLowerCase(), controlId, `ADT^${trigger}`);
  }
  const messageTime = parseHl7Timestamp(value(msh, 7));
  if (!messageTime) throw badValue("MSH", 7, "date/time of message");
  return {
    sourceSystem: app.toLowerCase(),
    providerCode: value(msh, 4).trim(),
    controlId,
    trigger: trigger as AdtTrigger,
    messageType: `ADT^${trigger}`,
    messageTime,
  };
}

/**
 * An NHS Number as sent in PID-3 or PID-2, or the reason it cannot be one. The same digit ten times (3333333333,
 * 9999999999) is a placeholder some systems key in for "not known": it passes Modulus 11 but is nobody's number,
 * so it is read as no NHS Number (`placeholder`), and refused as such only when nothing else identifies the patient.
 */
function checkedNhsNumber(id: string, field: number): string | typeof PLACEHOLDER {
  const problem = nhsNumberProblem(id);
  if (!problem) return normaliseNhsNumber(id) as string;
  if (problem.problem === "placeholder") return PLACEHOLDER;
  if (problem.problem === "check-digit")
    throw badValue("PID", field, "NHS Number fails its Modulus 11 check");
  throw badValue("PID", field, "NHS Number is not 10 digits");
}

const PLACEHOLDER = Symbol("placeholder NHS Number");

const placeholderOnly = (field: number) =>
  badValue(
    "PID",
    field,
    "NHS Number is a placeholder, the same digit ten times, not a person's number, and no local identifier was sent",
  );

/**
 * PID-2 (patient ID, external), where v2.2 and v2.3 patient administration systems in England put the NHS
 * Number: taken when it says it is one (authority NHS or type NH) or, with no authority, when it is ten digits
 * that are a valid NHS Number, unless the source is set to say its bare PID-2 digits are some other id
 * (`oneplace feeds pid2 SOURCE --ignore`). Ten bare digits that are not one are some other system's id:
 * ignored, never a reason to refuse a message that PID-3 identifies.
 */
function nhsNumberInPid2(pid: Segment, bareDigits: boolean): string | typeof PLACEHOLDER | null {
  const id = value(pid, 2, 1).trim();
  if (!id) return null;
  const auth = value(pid, 2, 4).trim();
  const type = value(pid, 2, 5).trim();
  if (auth === NHS_AUTHORITY || type === NHS_TYPE) return checkedNhsNumber(id, 2);
  if (!bareDigits || auth || !/^\d{3}[ -]?\d{3}[ -]?\d{4}$/.test(id)) return null;
  const problem = nhsNumberProblem(id);
  if (!problem) return normaliseNhsNumber(id) as string;
  return problem.problem === "placeholder" ? PLACEHOLDER : null;
}

/** PID: the patient's local identifier, NHS Number, names, date of birth, sex, postcode, ethnic category. */
export function readPatient(
  m: Message,
  sourceSystem: string,
  providerCode: string,
  receivedAt: string,
  options: { trigger?: string; local?: CodeLookup; flags?: UnmappedCode[]; ignoreBarePid2?: boolean } = {},
): SourceRecordInput {
  const pid = segment(m, "PID");
  if (!pid)
    throw new AdtRejection("AE", HL7_ERROR.segmentSequence, "PID segment is required", { segment: "PID" });
  let nhsNumber: string | null = null;
  let placeholderIn: number | null = null;
  let recordId = "";
  let authority = "";
  for (const rep of repetitions(pid, 3)) {
    const id = componentOf(rep, 1).trim();
    const auth = componentOf(rep, 4).trim();
    const type = componentOf(rep, 5).trim();
    if (!id) continue;
    if (auth === NHS_AUTHORITY || type === NHS_TYPE) {
      const checked = checkedNhsNumber(id, 3);
      if (checked === PLACEHOLDER) placeholderIn = 3;
      else nhsNumber = checked;
    } else if (!recordId) {
      recordId = id;
      authority = auth || providerCode;
    }
  }
  if (!nhsNumber) {
    const inPid2 = nhsNumberInPid2(pid, !options.ignoreBarePid2);
    if (inPid2 === PLACEHOLDER) placeholderIn ??= 2;
    else nhsNumber = inPid2;
  }
  // A feed that identifies patients by NHS Number alone (as the ITK examples do) uses it as the record id.
  if (!recordId && nhsNumber) recordId = nhsNumber;
  if (!recordId && placeholderIn) throw placeholderOnly(placeholderIn);
  if (!recordId) throw missing("PID", 3, "patient identifier: a local identifier or the NHS Number");
  const family = value(pid, 5, 1).trim();
  const given = value(pid, 5, 2).trim();
  if (!family && !given) throw missing("PID", 5, "patient name");
  const dobText = value(pid, 7).trim();
  if (!dobText && (!options.trigger || BIRTH_DATE_REQUIRED.has(options.trigger)))
    throw missing("PID", 7, "date of birth");
  const birthDate = dobText ? parseHl7Date(dobText) : null;
  if (dobText && !birthDate) throw badValue("PID", 7, "date of birth");
  const sexCode = value(pid, 8).trim();
  const sex = sexCode
    ? ((decodeOrFlag("sex", sexCode, options.local ?? noMappings, options.flags ?? []) as Sex | null) ??
      "unknown")
    : "unknown";
  const postcode = value(pid, 11, 5).trim().toUpperCase() || null;
  const ethnic = value(pid, 22).trim();
  return {
    sourceSystem,
    recordId,
    nhsNumber,
    family: family || null,
    given: given || null,
    birthDate,
    sex,
    postcode,
    receivedAt,
    identifiers: authority ? [{ system: hospitalNumberSystem(authority), value: recordId }] : [],
    ethnicCategory: ethnicCategoryOf(ethnic),
  };
}

const INPATIENT_CLASSES = new Set(["I", "D"]);

function timeField(
  seg: Segment | undefined,
  name: string,
  field: number,
  what: string,
  required: boolean,
): string | undefined {
  const text = value(seg, field).trim();
  if (!text) {
    if (required) throw missing(name, field, what);
    return undefined;
  }
  const t = parseHl7Timestamp(text);
  if (!t) throw badValue(name, field, what);
  return t;
}

/** The codes a message carries in its coded fields, for looking up the source's mappings in one go. */
export function messageCodes(m: Message): UnmappedCode[] {
  const pv1 = segment(m, "PV1");
  const disposition = value(pv1, 36).trim();
  return codesToLookUp({
    sex: value(segment(m, "PID"), 8).trim(),
    "ward-kind": value(pv1, 3, 1).trim(),
    "admission-method": value(pv1, 4).trim(),
    "treatment-function": value(pv1, 10).trim(),
    diagnosis: value(segments(m, "DG1")[0], 3, 1).trim(),
    "discharge-method": disposition,
    "ae-disposal": disposition,
    "discharge-destination": value(pv1, 37, 1).trim(),
    "arrival-mode": value(segment(m, "PV2"), 38).trim(),
  });
}

/**
 * PV1/PV2/DG1/EVN for a visit event, checked for what that event needs. A coded field is decoded with the
 * source's own mappings (`local`) or the standard; a code neither knows leaves the value out and is added to
 * `flags` (the event is stored all the same, the code kept as received in `detail.unmapped`).
 */
export function readVisit(
  m: Message,
  trigger: AdtTrigger,
  providerCode: string,
  local: CodeLookup,
  flags: UnmappedCode[] = [],
): { visitNumber: string; detail: VisitDetail } | null {
  const pv1 = segment(m, "PV1");
  if (!pv1) {
    if (VISIT_EVENTS.has(trigger))
      throw new AdtRejection("AE", HL7_ERROR.segmentSequence, "PV1 segment is required", { segment: "PV1" });
    return null;
  }
  const visitNumber = value(pv1, 19).trim();
  if (!visitNumber) {
    if (VISIT_EVENTS.has(trigger)) throw missing("PV1", 19, "visit number");
    return null;
  }
  const patientClass = value(pv1, 2).trim();
  if (VISIT_EVENTS.has(trigger) && !patientClass) throw missing("PV1", 2, "patient class");
  const detail: VisitDetail = { patientClass, providerCode };
  const visitFlags: UnmappedCode[] = [];
  const decode = (map: CodeMapName, code: string) => decodeOrFlag(map, code, local, visitFlags);
  const evn = segment(m, "EVN");
  const eventAt =
    timeField(evn, "EVN", 6, "event occurred", false) ??
    timeField(evn, "EVN", 2, "recorded date/time", false);
  if (eventAt) detail.eventAt = eventAt;
  const ward = value(pv1, 3, 1).trim();
  if (ward) {
    detail.ward = ward;
    const site = value(pv1, 3, 4).trim();
    if (site) detail.site = site;
  }
  const inpatient = INPATIENT_CLASSES.has(patientClass);
  const needsWard = (trigger === "A01" || trigger === "A02" || trigger === "A17") && inpatient;
  if (needsWard && !ward) throw missing("PV1", 3, "assigned location (ward)", 1);
  // A06 (an outpatient or A&E visit becomes an admission) has its ward when it has one.
  if ((needsWard || trigger === "A06") && inpatient && ward) {
    const kind = decode("ward-kind", ward);
    if (kind) detail.wardKind = kind;
  }
  const admissionType = value(pv1, 4).trim();
  if (admissionType) {
    const method = decode("admission-method", admissionType);
    if (method) detail.admissionMethod = method;
  } else if (trigger === "A01" && inpatient) throw missing("PV1", 4, "admission type");
  const specialty = value(pv1, 10).trim();
  if (specialty) {
    const code = decode("treatment-function", specialty);
    if (code) detail.specialty = code;
  }
  const dg1 = segments(m, "DG1")[0];
  const diagnosisCode = value(dg1, 3, 1).trim();
  if (diagnosisCode) {
    const icd = decode("diagnosis", diagnosisCode);
    if (icd) detail.diagnosis = icd;
  }
  const admitAt = timeField(
    pv1,
    "PV1",
    44,
    "admit date/time",
    (trigger === "A01" && inpatient) || (trigger === "A04" && patientClass === "E"),
  );
  if (admitAt) detail.admitAt = admitAt;
  const dischargeAt = timeField(pv1, "PV1", 45, "discharge date/time", trigger === "A03");
  if (dischargeAt) detail.dischargeAt = dischargeAt;
  if ((trigger === "A02" || trigger === "A17") && inpatient && !eventAt)
    throw missing("EVN", 6, "event occurred (transfer time)");
  const disposition = value(pv1, 36).trim();
  const destination = value(pv1, 37, 1).trim();
  if (destination) {
    const code = decode("discharge-destination", destination);
    if (code) detail.destination = code;
  }
  if (trigger === "A03") {
    if (patientClass === "E") {
      if (disposition) {
        const disposal = decode("ae-disposal", disposition);
        if (disposal) detail.disposal = disposal;
      }
    } else if (inpatient) {
      if (!disposition) throw missing("PV1", 36, "discharge disposition");
      const method = decode("discharge-method", disposition);
      if (method) detail.dischargeMethod = dischargeMethodOfValue(method, detail.destination ?? null);
    }
  }
  const pv2 = segment(m, "PV2");
  const arrival = value(pv2, 38).trim();
  if (arrival) {
    const mode = decode("arrival-mode", arrival);
    if (mode) detail.arrivalMode = mode;
  }
  if (visitFlags.length > 0) {
    detail.unmapped = Object.fromEntries(visitFlags.map((f) => [f.map, f.code]));
    for (const f of visitFlags) if (!flags.some((x) => x.map === f.map && x.code === f.code)) flags.push(f);
  }
  return { visitNumber, detail };
}

/** A discharge to another hospital is a transfer, whichever code said "discharged". */
export function dischargeMethodOfValue(method: string, destination: string | null): string {
  return method === "discharged" && destination && TRANSFER_DESTINATIONS.has(destination)
    ? "transferred"
    : method;
}

/**
 * MRG-1: the patient identifiers (in this source) that were merged into the PID-3 patient (A40), that PID-3
 * replaces (A47), or whose visit moves to the PID-3 patient (A45).
 */
export function readPriorIds(m: Message, trigger = "A40"): string[] {
  const mrg = segment(m, "MRG");
  if (!mrg)
    throw new AdtRejection("AE", HL7_ERROR.segmentSequence, `MRG segment is required for ${trigger}`, {
      segment: "MRG",
    });
  const ids: string[] = [];
  const nhsIds: string[] = [];
  for (const rep of repetitions(mrg, 1)) {
    const id = componentOf(rep, 1).trim();
    const auth = componentOf(rep, 4).trim();
    const type = componentOf(rep, 5).trim();
    if (!id) continue;
    if (auth !== NHS_AUTHORITY && type !== NHS_TYPE) ids.push(id);
    else nhsIds.push(normaliseNhsNumber(id) ?? id);
  }
  // A feed that identifies patients by NHS Number alone names the prior record by its NHS Number too.
  if (ids.length === 0) ids.push(...nhsIds);
  if (ids.length === 0) throw missing("MRG", 1, "prior patient identifier");
  return ids;
}

/**
 * A45 (move visit information): the visit that moves, MRG-5 (prior visit number) or else PV1-19, and its
 * patient class; it moves from the MRG-1 patient to the PID-3 patient.
 */
export function readMovedVisit(
  m: Message,
  providerCode: string,
): { visitNumber: string; detail: VisitDetail } {
  const pv1 = segment(m, "PV1");
  const visitNumber = value(segment(m, "MRG"), 5).trim() || value(pv1, 19).trim();
  if (!visitNumber) throw missing("MRG", 5, "prior visit number (or PV1-19 visit number)");
  return { visitNumber, detail: { patientClass: value(pv1, 2).trim(), providerCode } };
}

/**
 * A17 (swap patients) carries two patients, each PID followed by its PV1: the second pair as a message of its
 * own (the same MSH and EVN), to read with the same rules as the first. Throws when the second pair is missing.
 */
export function swapPartner(m: Message): Message {
  const pids = m.segments.flatMap((s, i) => (s.name === "PID" ? [i] : []));
  if (pids.length < 2)
    throw new AdtRejection(
      "AE",
      HL7_ERROR.segmentSequence,
      "A17 needs a second PID and PV1 (the other patient)",
      {
        segment: "PID",
        sequence: 2,
      },
    );
  const head = m.segments.filter((s) => s.name === "MSH" || s.name === "EVN");
  return { delimiters: m.delimiters, segments: [...head, ...m.segments.slice(pids[1])] };
}

const BARE_PID2 = /(?:^|[\r\n])PID\|[^|\r\n]*\|\d{3}[ -]?\d{3}[ -]?\d{4}(?:[|\r\n]|$)/;

/** Whether a raw message may carry ten bare digits in PID-2 (assuming | as the field separator, as all do). */
export function mayHaveBarePid2(raw: string): boolean {
  return BARE_PID2.test(raw);
}
