import type { Queryable } from "../../store/index.ts";
import type { VisitDetail } from "./adt.ts";

// A visit's canonical rows, folded from its event log in the order the sender created the events (MSH-7,
// then control id). Because the state is recomputed from every event each time, a cancellation (A11, A12,
// A13) undoes exactly what it cancels, a message that arrives twice counts once, and a discharge that arrives
// before its admission waits in the log and takes effect when the admission arrives.

export interface VisitEventRow {
  controlId: string;
  trigger: string;
  messageTime: string;
  recordId: string;
  detail: VisitDetail;
}

/** A visit's event log as stored, in no particular order (foldVisit orders it). */
export async function readVisitLog(
  q: Queryable,
  sourceSystem: string,
  visitNumber: string,
): Promise<VisitEventRow[]> {
  const rows = await q.query<{
    control_id: string;
    trigger_event: string;
    message_time: Date | string;
    record_id: string;
    detail: VisitDetail | string;
  }>(
    `SELECT control_id, trigger_event, message_time, record_id, detail FROM adt_visit_event
     WHERE source_system = $1 AND visit_number = $2`,
    [sourceSystem, visitNumber],
  );
  return rows.map((r) => ({
    controlId: r.control_id,
    trigger: r.trigger_event,
    messageTime: new Date(r.message_time).toISOString(),
    recordId: r.record_id,
    detail: typeof r.detail === "string" ? (JSON.parse(r.detail) as VisitDetail) : r.detail,
  }));
}

export interface SpellState {
  kind: "spell";
  recordId: string;
  providerCode: string;
  site: string | null;
  admittedAt: string;
  admissionMethod: string;
  patientClass: "inpatient" | "day-case";
  specialty: string | null;
  diagnosis: string | null;
  dischargedAt: string | null;
  dischargeMethod: string | null;
  destination: string | null;
  receivedAt: string;
  wards: {
    recordId: string;
    ward: string;
    wardKind: string;
    startedAt: string;
    endedAt: string | null;
    receivedAt: string;
  }[];
}

export interface AeState {
  kind: "ae";
  recordId: string;
  providerCode: string;
  arrivedAt: string;
  departedAt: string | null;
  arrivalMode: string | null;
  disposal: string | null;
  receivedAt: string;
}

/**
 * An outpatient attendance (PV1-2 O): the patient arrived for a clinic (A04 registers the arrival). ADT does
 * not say whether it was a first attendance or a follow-up, so it is stored as not known to be first, as a
 * standard FHIR Encounter without OnePlace's extension is.
 */
export interface OutpatientState {
  kind: "op";
  recordId: string;
  providerCode: string;
  specialty: string | null;
  /** The clinic day in England (Europe/London) of PV1-44, else EVN-6, else the message time. */
  appointmentOn: string;
  receivedAt: string;
}

export type VisitState = SpellState | AeState | OutpatientState | null;

const LONDON_DAY = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Europe/London",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});

function ordered(events: readonly VisitEventRow[]): VisitEventRow[] {
  return [...events].sort((a, b) =>
    a.messageTime < b.messageTime
      ? -1
      : a.messageTime > b.messageTime
        ? 1
        : a.controlId < b.controlId
          ? -1
          : a.controlId > b.controlId
            ? 1
            : 0,
  );
}

const later = (a: string, b: string) => (a > b ? a : b);

/** The mapped value, or `unmapped` when the sender's code is waiting for a mapping, or null when none was sent. */
function mappedOrFlagged(
  d: VisitDetail,
  key: "admissionMethod" | "wardKind",
  map: "admission-method" | "ward-kind",
): string | null {
  return d[key] ?? (d.unmapped?.[map] ? UNMAPPED : null);
}

/** What a spell's admission method or a stay's ward kind is while its local code waits for a mapping. */
export const UNMAPPED = "unmapped";

/** Folds a visit's events into the rows it should have now (null: nothing to show yet, or cancelled). */
export function foldVisit(events: readonly VisitEventRow[]): VisitState {
  let admit: VisitEventRow | null = null;
  /**
   * The patient's moves in order: A02 transfers and A17 swaps. A bed swapped within the ward is kept too (as
   * `bedOnly`), so that an A12 cancelling it cancels that swap, not the transfer before it.
   */
  let moves: { event: VisitEventRow; bedOnly: boolean }[] = [];
  let discharge: VisitEventRow | null = null;
  const updates: VisitEventRow[] = [];
  let undo: string | null = null;
  /** An A45 moved the visit to another patient of the source: their record, and when. */
  let moved: VisitEventRow | null = null;
  for (const e of ordered(events)) {
    switch (e.trigger) {
      case "A01":
      case "A04":
        admit = e;
        moves = [];
        discharge = null;
        undo = null;
        break;
      case "A06":
        // Change an outpatient (or A&E) visit to an inpatient one: the admission, unless the visit was admitted
        // already, when it updates the admission as an A08 would.
        if (!admit || admit.trigger === "A04") {
          admit = e;
          moves = [];
          discharge = null;
          undo = null;
        } else updates.push(e);
        break;
      case "A07":
        // Change an inpatient to an outpatient (or A&E) visit: the admission and its ward stays go, and the
        // visit is what the A07's PV1-2 says, as if registered by an A04.
        admit = { ...e, trigger: "A04" };
        moves = [];
        discharge = null;
        undo = null;
        break;
      case "A02":
        moves.push({ event: e, bedOnly: false });
        break;
      case "A17": {
        // Swap patients: this patient now lies where the other did. A new ward is a transfer; a bed swapped
        // within the same ward changes nothing OnePlace keeps (it keeps wards, not beds).
        const current = moves.findLast((m) => !m.bedOnly)?.event.detail.ward ?? admit?.detail.ward;
        moves.push({ event: e, bedOnly: !e.detail.ward || e.detail.ward === current });
        break;
      }
      case "A45":
        // Move visit information: from here on the visit is the PID-3 patient's.
        moved = e;
        break;
      case "A29":
        // Delete person information: the source retracts the patient and their visits; a visit moved to
        // another patient (A45) before it is that patient's, and stays.
        if ((moved?.recordId ?? admit?.recordId ?? e.recordId) !== e.recordId) break;
        admit = null;
        moves = [];
        discharge = null;
        moved = null;
        undo = e.messageTime;
        break;
      case "A03":
        discharge = e;
        break;
      case "A08":
        updates.push(e);
        break;
      case "A11":
        admit = null;
        moves = [];
        discharge = null;
        undo = e.messageTime;
        break;
      case "A12":
        // Cancel transfer: the patient's last move goes (a bed swap within a ward: nothing to undo).
        moves.pop();
        break;
      case "A13":
        discharge = null;
        undo = e.messageTime;
        break;
      default:
        // A05 pre-admission: nothing to show until the admission. A21/A22 leave of absence and its return:
        // the patient stays admitted, the spell and ward stay run on. Both are kept in the log.
        break;
    }
  }
  if (!admit) return null;
  const a = { ...admit.detail };
  for (const u of updates) {
    if (u.messageTime < admit.messageTime) continue;
    for (const key of ["admissionMethod", "specialty", "diagnosis", "site"] as const) {
      if (u.detail[key]) a[key] = u.detail[key];
    }
  }
  let receivedAt = admit.messageTime;
  for (const u of updates)
    if (u.messageTime >= admit.messageTime) receivedAt = later(receivedAt, u.messageTime);
  if (undo) receivedAt = later(receivedAt, undo);
  if (discharge) receivedAt = later(receivedAt, discharge.messageTime);
  if (moved) receivedAt = later(receivedAt, moved.messageTime);
  const recordId = moved?.recordId ?? admit.recordId;

  if (admit.trigger === "A04" && a.patientClass === "O") {
    const at = a.admitAt ?? a.eventAt ?? admit.messageTime;
    return {
      kind: "op",
      recordId,
      providerCode: a.providerCode,
      specialty: a.specialty ?? null,
      appointmentOn: LONDON_DAY.format(new Date(at)),
      receivedAt,
    };
  }
  if (admit.trigger === "A04") {
    if (a.patientClass !== "E" || !a.admitAt) return null;
    return {
      kind: "ae",
      recordId,
      providerCode: a.providerCode,
      arrivedAt: a.admitAt,
      departedAt: discharge?.detail.dischargeAt ?? null,
      arrivalMode: a.arrivalMode ?? null,
      disposal: discharge?.detail.disposal ?? null,
      receivedAt,
    };
  }
  const admissionMethod = mappedOrFlagged(a, "admissionMethod", "admission-method");
  const admitWardKind = mappedOrFlagged(a, "wardKind", "ward-kind");
  if (!a.admitAt || !a.ward || !admitWardKind || !admissionMethod) return null;
  const dischargedAt = discharge?.detail.dischargeAt ?? null;
  const transfers = moves.filter((m) => !m.bedOnly).map((m) => m.event);
  const stays = [
    {
      recordId: admit.controlId,
      ward: a.ward,
      wardKind: admitWardKind,
      startedAt: a.admitAt,
      receivedAt: admit.messageTime,
    },
    ...transfers
      .filter((t) => t.detail.ward && mappedOrFlagged(t.detail, "wardKind", "ward-kind") && t.detail.eventAt)
      .map((t) => ({
        // An A17 moves two patients in one message: each one's stay is keyed by the message and the patient.
        recordId: t.trigger === "A17" ? `${t.controlId}#${t.recordId}` : t.controlId,
        ward: t.detail.ward as string,
        wardKind: mappedOrFlagged(t.detail, "wardKind", "ward-kind") as string,
        startedAt: t.detail.eventAt as string,
        receivedAt: t.messageTime,
      }))
      .sort((x, y) => (x.startedAt < y.startedAt ? -1 : x.startedAt > y.startedAt ? 1 : 0)),
  ];
  const wards = stays.map((s, i) => {
    const next = stays[i + 1];
    const endedAt = next ? next.startedAt : dischargedAt;
    const endedBy = next ? next.receivedAt : discharge?.messageTime;
    return { ...s, endedAt, receivedAt: endedBy ? later(s.receivedAt, endedBy) : s.receivedAt };
  });
  return {
    kind: "spell",
    recordId,
    providerCode: a.providerCode,
    site: a.site ?? null,
    admittedAt: a.admitAt,
    admissionMethod,
    patientClass: a.patientClass === "D" ? "day-case" : "inpatient",
    specialty: a.specialty ?? null,
    diagnosis: a.diagnosis ?? null,
    dischargedAt,
    dischargeMethod: discharge ? (discharge.detail.dischargeMethod ?? null) : null,
    destination: discharge ? (discharge.detail.destination ?? null) : null,
    receivedAt,
    wards,
  };
}
