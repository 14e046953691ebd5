import { findLinks, mergePersons, resolveRecords } from "../../mpi/index.ts";
import { AUTOMATIC, recordKey, recordLockNames } from "../../mpi/resolve.ts";
import { cols, insertMany, lockNames } from "../../mpi/sql.ts";
import type { Db, Queryable } from "../../store/db.ts";
import { recordSubjects, upsertCanonical } from "../canonical.ts";
import { rowId, sha256 } from "../ids.ts";
import { resolveRejects } from "../rejects.ts";
import { buildAck, HL7_ERROR } from "./ack.ts";
import {
  type AdtEvent,
  AdtRejection,
  readHeader,
  readPatient,
  readPriorIds,
  readVisit,
  type VisitDetail,
} from "./adt.ts";
import { type Hl7Context, type Hl7Outcome, processHl7Safely, rejectHl7 } from "./apply.ts";
import { Hl7ParseError, type Message, parseMessage, segment, value } from "./message.ts";
import { foldVisit, type VisitEventRow, type VisitState } from "./visits.ts";

// Many ADT messages in one transaction with a fixed number of statements, whatever their number: the
// listener's group commit and batch files both go through here. Messages are still applied one after another
// in memory (a later message sees the visit log an earlier one extended, a repeated control id counts once),
// and each is checked in full before anything is written, so a rejected message leaves only its reject.

interface Item {
  raw: string;
  ctx: Hl7Context;
}

interface Accepted {
  index: number;
  message: Message;
  event: AdtEvent;
  previousStatus: string | null;
}

const visitKey = (source: string, visit: string) => `${source}\u0000${visit}`;
const msgKey = (source: string, control: string) => `${source}\u0000${control}`;

function hasVisitEvent(e: AdtEvent): e is AdtEvent & { visitNumber: string; visit: VisitDetail } {
  return (
    e.visitNumber !== null &&
    e.visit !== null &&
    e.trigger !== "A28" &&
    e.trigger !== "A31" &&
    e.trigger !== "A40"
  );
}

function validate(state: VisitState): void {
  if (!state) return;
  if (state.kind === "ae") {
    if (state.departedAt && state.departedAt < state.arrivedAt) {
      throw new AdtRejection("AE", HL7_ERROR.dataTypeError, "PV1-45 (departure) is before PV1-44 (arrival)", {
        segment: "PV1",
        field: 45,
      });
    }
    return;
  }
  if (state.dischargedAt && state.dischargedAt < state.admittedAt) {
    throw new AdtRejection("AE", HL7_ERROR.dataTypeError, "PV1-45 (discharge) is before PV1-44 (admission)", {
      segment: "PV1",
      field: 45,
    });
  }
  for (const w of state.wards) {
    if (w.endedAt && w.endedAt < w.startedAt) {
      throw new AdtRejection(
        "AE",
        HL7_ERROR.dataTypeError,
        "a ward stay would end before it starts (EVN-6 out of order)",
        {
          segment: "EVN",
          field: 6,
        },
      );
    }
  }
}

async function wardKinds(
  q: Queryable,
  wanted: { source: string; ward: string }[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (wanted.length === 0) return out;
  const rows = await q.query<{ source_system: string; source_code: string; target_code: string }>(
    `SELECT source_system, source_code, target_code FROM ingest_code_map
     WHERE map_name = 'ward-kind' AND (source_system, source_code) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [wanted.map((w) => w.source), wanted.map((w) => w.ward)],
  );
  for (const r of rows) out.set(`${r.source_system}\u0000${r.source_code}`, r.target_code);
  return out;
}

const EVENT_COLS = cols(
  "source_system text, visit_number text, control_id text, trigger_event text, message_time timestamptz, record_id text, detail jsonb",
);
const MESSAGE_COLS = cols(
  "source_system text, control_id text, message_type text, message_time timestamptz, status text, ack_code text, payload text, payload_sha256 text, load_id uuid",
);

export async function applyHl7Many(q: Queryable, items: readonly Item[]): Promise<Hl7Outcome[]> {
  const outcomes: (Hl7Outcome | null)[] = items.map(() => null);
  const rejections: { index: number; rejection: AdtRejection | Hl7ParseError; message: Message | null }[] =
    [];

  // 1. Read every message: header, patient, and which ward codes need their kind.
  const firstPass: {
    index: number;
    message: Message;
    header: ReturnType<typeof readHeader>;
    patient: AdtEvent["patient"];
  }[] = [];
  items.forEach((item, index) => {
    let message: Message | null = null;
    try {
      message = parseMessage(item.raw);
      const header = readHeader(message);
      const patient = readPatient(message, header.sourceSystem, header.providerCode, header.messageTime);
      firstPass.push({ index, message, header, patient });
    } catch (error) {
      if (error instanceof AdtRejection || error instanceof Hl7ParseError)
        rejections.push({ index, rejection: error, message });
      else throw error;
    }
  });
  const wardsWanted = new Map<string, { source: string; ward: string }>();
  for (const f of firstPass) {
    const ward = value(segment(f.message, "PV1"), 3, 1).trim();
    if (ward)
      wardsWanted.set(`${f.header.sourceSystem}\u0000${ward}`, { source: f.header.sourceSystem, ward });
  }
  const kinds = await wardKinds(q, [...wardsWanted.values()]);
  const parsed: { index: number; message: Message; event: AdtEvent }[] = [];
  for (const f of firstPass) {
    try {
      const visit = readVisit(
        f.message,
        f.header.trigger,
        f.header.providerCode,
        (w) => kinds.get(`${f.header.sourceSystem}\u0000${w}`) ?? null,
      );
      const priorRecordIds = f.header.trigger === "A40" ? readPriorIds(f.message) : [];
      parsed.push({
        index: f.index,
        message: f.message,
        event: {
          ...f.header,
          patient: f.patient,
          visitNumber: visit?.visitNumber ?? null,
          visit: visit?.detail ?? null,
          priorRecordIds,
        },
      });
    } catch (error) {
      if (error instanceof AdtRejection)
        rejections.push({ index: f.index, rejection: error, message: f.message });
      else throw error;
    }
  }

  // 2. Locks, previous statuses and visit logs, for the whole batch at once.
  const locks: string[] = [];
  for (const p of parsed) {
    locks.push(...recordLockNames(p.event.patient), `message:${p.event.sourceSystem}:${p.event.controlId}`);
    if (hasVisitEvent(p.event)) locks.push(`visit:${p.event.sourceSystem}:${p.event.visitNumber}`);
  }
  await lockNames(q, locks);
  const statuses = new Map<string, string>();
  const logs = new Map<string, VisitEventRow[]>();
  if (parsed.length > 0) {
    const visits = parsed.filter((p) => hasVisitEvent(p.event));
    const rows = await q.query<{
      kind: string;
      source_system: string;
      key: string;
      control_id: string;
      trigger_event: string | null;
      message_time: Date | null;
      record_id: string | null;
      detail: VisitDetail | string | null;
    }>(
      `SELECT 'message' AS kind, source_system, control_id AS key, status AS control_id, NULL::text AS trigger_event,
              NULL::timestamptz AS message_time, NULL::text AS record_id, NULL::jsonb AS detail
       FROM ingest_message WHERE (source_system, control_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
       UNION ALL
       SELECT 'event', source_system, visit_number, control_id, trigger_event, message_time, record_id, detail
       FROM adt_visit_event WHERE (source_system, visit_number) IN (SELECT * FROM unnest($3::text[], $4::text[]))`,
      [
        parsed.map((p) => p.event.sourceSystem),
        parsed.map((p) => p.event.controlId),
        visits.map((p) => p.event.sourceSystem),
        visits.map((p) => p.event.visitNumber as string),
      ],
    );
    for (const r of rows) {
      if (r.kind === "message") statuses.set(msgKey(r.source_system, r.key), r.control_id);
      else {
        const k = visitKey(r.source_system, r.key);
        const list = logs.get(k) ?? [];
        list.push({
          controlId: r.control_id,
          trigger: r.trigger_event as string,
          messageTime: (r.message_time as Date).toISOString(),
          recordId: r.record_id as string,
          detail:
            typeof r.detail === "string" ? (JSON.parse(r.detail) as VisitDetail) : (r.detail as VisitDetail),
        });
        logs.set(k, list);
      }
    }
  }

  // 3. One message after another, in memory.
  const accepted: Accepted[] = [];
  const seen = new Set<string>();
  const touched = new Map<
    string,
    { source: string; visit: string; log: VisitEventRow[]; before: VisitEventRow[] }
  >();
  for (const p of parsed) {
    const e = p.event;
    const mk = msgKey(e.sourceSystem, e.controlId);
    if (statuses.get(mk) === "applied" || seen.has(mk)) {
      outcomes[p.index] = {
        ack: buildAck({ code: "AA", original: p.message }),
        code: "AA",
        sourceSystem: e.sourceSystem,
        controlId: e.controlId,
        messageType: e.messageType,
        applied: false,
        duplicate: true,
        held: false,
      };
      continue;
    }
    if (hasVisitEvent(e)) {
      const k = visitKey(e.sourceSystem, e.visitNumber);
      const entry = touched.get(k);
      const current = entry?.log ?? logs.get(k) ?? [];
      const next = current.some((x) => x.controlId === e.controlId)
        ? current
        : [
            ...current,
            {
              controlId: e.controlId,
              trigger: e.trigger,
              messageTime: e.messageTime,
              recordId: e.patient.recordId,
              detail: e.visit,
            },
          ];
      try {
        validate(foldVisit(next));
      } catch (error) {
        if (!(error instanceof AdtRejection)) throw error;
        rejections.push({ index: p.index, rejection: error, message: p.message });
        continue;
      }
      touched.set(k, {
        source: e.sourceSystem,
        visit: e.visitNumber,
        log: next,
        before: entry?.before ?? logs.get(k) ?? [],
      });
    }
    seen.add(mk);
    accepted.push({ ...p, previousStatus: statuses.get(mk) ?? null });
  }

  // 4. People, merges, visit logs, canonical rows, raw messages.
  const persons = await resolveRecords(
    q,
    accepted.map((a) => a.event.patient),
    { locked: true },
  );
  for (const a of accepted) {
    const e = a.event;
    if (e.trigger !== "A40") continue;
    const survivor = (await findLinks(q, e.sourceSystem, [e.patient.recordId])).get(
      e.patient.recordId,
    ) as string;
    const links = await findLinks(q, e.sourceSystem, e.priorRecordIds);
    for (const prior of e.priorRecordIds) {
      const other = links.get(prior);
      if (other && other !== survivor) {
        await mergePersons(
          q,
          survivor,
          other,
          `hl7:${e.sourceSystem}:${e.controlId}`,
          `A40: ${prior} merged into ${e.patient.recordId}`,
        );
      }
    }
  }
  const newEvents: unknown[][] = [];
  for (const a of accepted) {
    const e = a.event;
    if (!hasVisitEvent(e)) continue;
    newEvents.push([
      e.sourceSystem,
      e.visitNumber,
      e.controlId,
      e.trigger,
      e.messageTime,
      e.patient.recordId,
      JSON.stringify(e.visit),
    ]);
  }
  await insertMany(q, "adt_visit_event", EVENT_COLS, newEvents, "ON CONFLICT DO NOTHING");

  const states = new Map<string, VisitState>();
  const needPeople = new Map<string, Set<string>>();
  for (const [k, t] of touched) {
    const state = foldVisit(t.log);
    states.set(k, state);
    if (state && !persons.has(recordKey(t.source, state.recordId))) {
      const set = needPeople.get(t.source) ?? new Set();
      set.add(state.recordId);
      needPeople.set(t.source, set);
    }
  }
  const extraLinks = new Map<string, string>();
  for (const [source, ids] of needPeople) {
    for (const [id, person] of await findLinks(q, source, [...ids]))
      extraLinks.set(recordKey(source, id), person);
  }
  const personOf = (source: string, recordId: string) => {
    const k = recordKey(source, recordId);
    const found = persons.get(k)?.personId ?? extraLinks.get(k);
    if (!found) throw new Error("a visit's patient record is not linked");
    return found;
  };
  const spells: unknown[][] = [];
  const wardRows: unknown[][] = [];
  const aeRows: unknown[][] = [];
  const subjects: [string, string, string, string, string][] = [];
  for (const [k, t] of touched) {
    const state = states.get(k) ?? null;
    const { source, visit } = t;
    const spellId = rowId("hospital_spell", source, visit);
    const had = (trigger: string) => t.log.some((e) => e.trigger === trigger);
    if (state?.kind !== "spell" && had("A01")) {
      await q.query("DELETE FROM ward_stay WHERE spell_id = $1", [spellId]);
      await q.query("DELETE FROM hospital_spell WHERE source_system = $1 AND source_record_id = $2", [
        source,
        visit,
      ]);
    }
    if (state?.kind !== "ae" && had("A04")) {
      await q.query("DELETE FROM ae_attendance WHERE source_system = $1 AND source_record_id = $2", [
        source,
        visit,
      ]);
    }
    if (!state) continue;
    const personId = personOf(source, state.recordId);
    if (state.kind === "ae") {
      aeRows.push([
        personId,
        rowId("ae_attendance", source, visit),
        state.providerCode,
        state.arrivedAt,
        state.departedAt,
        state.arrivalMode,
        state.disposal,
        source,
        visit,
        state.receivedAt,
      ]);
      subjects.push([source, "ae_attendance", visit, source, state.recordId]);
      continue;
    }
    spells.push([
      personId,
      spellId,
      state.providerCode,
      state.site,
      state.admittedAt,
      state.admissionMethod,
      state.patientClass,
      state.specialty,
      state.diagnosis,
      state.dischargedAt,
      state.dischargeMethod,
      state.destination,
      source,
      visit,
      state.receivedAt,
    ]);
    subjects.push([source, "hospital_spell", visit, source, state.recordId]);
    if (had("A11") || had("A12")) {
      await q.query(
        "DELETE FROM ward_stay WHERE spell_id = $1 AND NOT (source_record_id = ANY($2::text[]))",
        [spellId, state.wards.map((w) => w.recordId)],
      );
    }
    for (const w of state.wards) {
      wardRows.push([
        personId,
        rowId("ward_stay", source, w.recordId),
        spellId,
        w.ward,
        w.wardKind,
        w.startedAt,
        w.endedAt,
        source,
        w.recordId,
        w.receivedAt,
      ]);
      subjects.push([source, "ward_stay", w.recordId, source, state.recordId]);
    }
  }
  await upsertCanonical(q, "hospital_spell", spells);
  await upsertCanonical(q, "ward_stay", wardRows);
  await upsertCanonical(q, "ae_attendance", aeRows);
  await recordSubjects(q, subjects);
  await insertMany(
    q,
    "ingest_message",
    MESSAGE_COLS,
    accepted.map((a) => [
      a.event.sourceSystem,
      a.event.controlId,
      a.event.messageType,
      a.event.messageTime,
      "applied",
      "AA",
      items[a.index].raw,
      sha256(items[a.index].raw),
      items[a.index].ctx.loadId ?? null,
    ]),
    `ON CONFLICT (source_system, control_id) DO UPDATE SET status = 'applied', ack_code = 'AA', payload = excluded.payload,
       payload_sha256 = excluded.payload_sha256, received_at = now(), load_id = excluded.load_id,
       message_type = excluded.message_type, message_time = excluded.message_time`,
  );
  const previouslyRejected = accepted.filter((a) => a.previousStatus === "rejected");
  for (const a of previouslyRejected) {
    await resolveRejects(
      q,
      a.event.sourceSystem,
      "hl7",
      [a.event.controlId],
      items[a.index].ctx.replayedBy ?? AUTOMATIC,
    );
  }
  for (const a of accepted) {
    const e = a.event;
    const state = hasVisitEvent(e) ? states.get(visitKey(e.sourceSystem, e.visitNumber)) : undefined;
    outcomes[a.index] = {
      ack: buildAck({ code: "AA", original: a.message }),
      code: "AA",
      sourceSystem: e.sourceSystem,
      controlId: e.controlId,
      messageType: e.messageType,
      applied: true,
      duplicate: false,
      held:
        hasVisitEvent(e) &&
        state === null &&
        !touched.get(visitKey(e.sourceSystem, e.visitNumber as string))?.log.some((x) => x.trigger === "A11"),
    };
  }

  // 5. Rejects, each with its raw message and reason.
  for (const r of rejections) {
    const item = items[r.index];
    if (r.rejection instanceof AdtRejection) {
      outcomes[r.index] = await rejectHl7(
        q,
        item.raw,
        item.ctx,
        r.rejection.code,
        r.rejection.error,
        r.message,
      );
    } else {
      outcomes[r.index] = await rejectHl7(q, item.raw, item.ctx, "AR", {
        condition: HL7_ERROR.segmentSequence,
        message: `not a readable HL7v2 message: ${r.rejection.message}`,
        location: r.rejection.location,
      });
    }
  }
  return outcomes as Hl7Outcome[];
}

/**
 * Applies messages in one transaction and returns their outcomes once it has committed. The fast path runs
 * them without savepoints; if anything fails unexpectedly, the whole batch is rolled back and run again with
 * a savepoint per message, so only the failing message is rejected.
 */
export async function applyHl7Batch(
  db: Db,
  items: readonly { raw: string; ctx: Hl7Context }[],
  onInternalError?: (error: unknown) => void,
  beforeCommit?: (tx: Queryable, outcomes: Hl7Outcome[]) => Promise<void>,
): Promise<Hl7Outcome[]> {
  try {
    return await db.transaction(async (tx) => {
      const out = await applyHl7Many(tx, items);
      if (beforeCommit) await beforeCommit(tx, out);
      return out;
    });
  } catch (error) {
    onInternalError?.(error);
    return db.transaction(async (tx) => {
      const out: Hl7Outcome[] = [];
      for (const { raw, ctx } of items) out.push(await processHl7Safely(tx, raw, ctx, onInternalError));
      if (beforeCommit) await beforeCommit(tx, out);
      return out;
    });
  }
}
