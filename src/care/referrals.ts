// Referrals to a service in the directory: made with a reason, urgency and consent; the receiving team
// accepts, declines with a reason, or completes with an outcome. A referral is the receiving team's legitimate
// relationship while open (the access check reads referred_on and closed_on). A reablement referral completes
// with its episode, written as a reablement service after the hospital spell it followed (what ASCOF 2B
// counts), and a 91-day follow-up due on the worklist until recorded: it stays open (the team keeps its
// relationship, so it can follow the person up) until the follow-up closes it. Every step checks the version it was
// made on, so two people deciding the same referral cannot both win.
import { addDays, isIsoDate } from "../core/dates.ts";
import { EPISODE_ENDS, type EpisodeEnd } from "../core/episode-ends.ts";
import { conflict, forbidden, invalid, notFound } from "../core/errors.ts";
import { newId } from "../core/ids.ts";
import type { Db, Queryable } from "../store/index.ts";
import { type Author, PLAN_SOURCE_SYSTEM } from "./plan-store.ts";
import { criteriaNotMet, type PersonCriteria, serviceByCode } from "./services.ts";

export const URGENCIES = ["routine", "urgent", "emergency"] as const;
export type Urgency = (typeof URGENCIES)[number];
export const CONSENTS = ["given", "best-interests"] as const;
export type Consent = (typeof CONSENTS)[number];
export const FOLLOW_UP_OUTCOMES = ["at-home", "in-hospital", "in-care-home", "died"] as const;
export type FollowUpOutcome = (typeof FOLLOW_UP_OUTCOMES)[number];
export { EPISODE_ENDS, type EpisodeEnd };

/** Days after discharge the reablement outcome is followed up (ASCOF 2B(1)). */
export const FOLLOW_UP_DAYS = 91;

export type ReferralStatus = "awaiting-decision" | "accepted" | "declined" | "completed" | "withdrawn";

export interface Referral {
  personId: string;
  referralId: string;
  version: number;
  service: string;
  serviceCode: string | null;
  serviceName: string;
  serviceKind: string | null;
  toTeam: { teamId: string; name: string };
  fromTeam: { teamId: string; name: string } | null;
  referredOn: string;
  referredBy: string | null;
  reason: string | null;
  urgency: Urgency | null;
  consent: Consent | null;
  dueOn: string | null;
  status: ReferralStatus;
  closedOn: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  declineReason: string | null;
  outcomeSummary: string | null;
  episode: { startedOn: string; endedOn: string | null; afterSpellId: string | null } | null;
  followUp: { dueOn: string; outcome: FollowUpOutcome | null; recordedBy: string | null } | null;
  /** The service's access criteria the person did not meet when referred, in words, and why they went ahead. */
  criteria?: { notMet: string[]; reason: string } | null;
  sourceSystem: string;
}

type ReferralRow = {
  person_id: string;
  referral_id: string;
  version: number;
  service: string;
  service_code: string | null;
  service_name: string | null;
  service_kind: string | null;
  to_team_id: string;
  to_team_name: string;
  from_team_id: string | null;
  from_team_name: string | null;
  referred_on: string;
  referred_by: string | null;
  reason: string | null;
  urgency: Urgency | null;
  consent: Consent | null;
  due_on: string | null;
  outcome: string | null;
  closed_on: string | null;
  decided_by: string | null;
  decided_at: Date | string | null;
  decline_reason: string | null;
  outcome_summary: string | null;
  episode_started_on: string | null;
  episode_ended_on: string | null;
  after_spell_id: string | null;
  follow_up_due_on: string | null;
  follow_up_outcome: FollowUpOutcome | null;
  follow_up_by: string | null;
  criteria_not_met: string[];
  criteria_reason: string | null;
  source_system: string;
};

const SELECT = `
  SELECT r.person_id, r.referral_id, r.version, r.service, r.service_code, s.name AS service_name,
         s.kind AS service_kind, r.to_team_id, tt.name AS to_team_name, r.from_team_id, ft.name AS from_team_name,
         r.referred_on::text AS referred_on, ru.display_name AS referred_by, r.reason, r.urgency, r.consent,
         r.due_on::text AS due_on, r.outcome, r.closed_on::text AS closed_on, du.display_name AS decided_by,
         r.decided_at, r.decline_reason, r.outcome_summary, r.episode_started_on::text AS episode_started_on,
         r.episode_ended_on::text AS episode_ended_on, r.after_spell_id, r.follow_up_due_on::text AS follow_up_due_on,
         r.follow_up_outcome, fu.display_name AS follow_up_by, r.criteria_not_met, r.criteria_reason, r.source_system
  FROM referral r
  JOIN team tt ON tt.team_id = r.to_team_id
  LEFT JOIN team ft ON ft.team_id = r.from_team_id
  LEFT JOIN care_service s ON s.service_code = r.service_code
  LEFT JOIN app_user ru ON ru.user_id = r.referred_by_user_id
  LEFT JOIN app_user du ON du.user_id = r.decided_by_user_id
  LEFT JOIN app_user fu ON fu.user_id = r.follow_up_recorded_by_user_id`;

function statusOf(r: ReferralRow): ReferralStatus {
  if (r.outcome === "declined" || r.outcome === "completed" || r.outcome === "withdrawn") return r.outcome;
  if (r.outcome === "accepted") return "accepted";
  return "awaiting-decision";
}

function toReferral(r: ReferralRow): Referral {
  return {
    personId: r.person_id,
    referralId: r.referral_id,
    version: r.version,
    service: r.service,
    serviceCode: r.service_code,
    serviceName: r.service_name ?? r.service.replaceAll("-", " "),
    serviceKind: r.service_kind,
    toTeam: { teamId: r.to_team_id, name: r.to_team_name },
    fromTeam: r.from_team_id ? { teamId: r.from_team_id, name: r.from_team_name ?? "" } : null,
    referredOn: r.referred_on,
    referredBy: r.referred_by,
    reason: r.reason,
    urgency: r.urgency,
    consent: r.consent,
    dueOn: r.due_on,
    status: statusOf(r),
    closedOn: r.closed_on,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at ? new Date(r.decided_at).toISOString() : null,
    declineReason: r.decline_reason,
    outcomeSummary: r.outcome_summary,
    episode: r.episode_started_on
      ? { startedOn: r.episode_started_on, endedOn: r.episode_ended_on, afterSpellId: r.after_spell_id }
      : null,
    criteria:
      r.criteria_reason && r.criteria_not_met.length > 0
        ? { notMet: r.criteria_not_met, reason: r.criteria_reason }
        : null,
    followUp: r.follow_up_due_on
      ? { dueOn: r.follow_up_due_on, outcome: r.follow_up_outcome, recordedBy: r.follow_up_by }
      : null,
    sourceSystem: r.source_system,
  };
}

/** The person's referrals, newest first (made in OnePlace or fed from other systems). */
export async function readReferrals(q: Queryable, personId: string): Promise<Referral[]> {
  const rows = await q.query<ReferralRow>(
    `${SELECT} WHERE r.person_id = $1 ORDER BY r.referred_on DESC, r.referral_id`,
    [personId],
  );
  return rows.map(toReferral);
}

/** Each person's referrals, as readReferrals gives them, in one statement (a Bulk Data batch renders thousands). */
export async function readReferralsOfPeople(
  q: Queryable,
  personIds: readonly string[],
): Promise<Map<string, Referral[]>> {
  const rows = await q.query<ReferralRow>(
    `${SELECT} WHERE r.person_id = ANY($1::uuid[]) ORDER BY r.person_id, r.referred_on DESC, r.referral_id`,
    [personIds],
  );
  const byPerson = new Map<string, Referral[]>();
  for (const row of rows) {
    const referral = toReferral(row);
    const referrals = byPerson.get(referral.personId);
    if (referrals) referrals.push(referral);
    else byPerson.set(referral.personId, [referral]);
  }
  return byPerson;
}

export async function readReferral(q: Queryable, personId: string, referralId: string): Promise<Referral> {
  const rows = await q.query<ReferralRow>(`${SELECT} WHERE r.person_id = $1 AND r.referral_id = $2`, [
    personId,
    referralId,
  ]);
  if (!rows[0]) {
    throw notFound("care.no-such-referral", "There is no such referral for this person.", {
      hint: "Open the person's care plan tab to see their referrals.",
    });
  }
  return toReferral(rows[0]);
}

export interface ReferralInput {
  serviceCode: string;
  reason: string;
  urgency: string;
  consent: string;
  /** Why refer although the person does not meet the service's access criteria (needed only then). */
  criteriaReason?: string;
}

/** What the directory's access criteria are checked against: the latest stratification, else the person's age. */
export async function personCriteria(q: Queryable, personId: string): Promise<PersonCriteria> {
  const [row] = await q.query<{
    age: number | null;
    efi_category: string | null;
    risk_tier: string | null;
    locality_code: string | null;
  }>(
    `SELECT coalesce(rp.age::int, date_part('year', age(current_date, p.birth_date))::int) AS age,
            rp.efi_category, rp.risk_tier, rp.locality_code
       FROM person p LEFT JOIN risk_person rp ON rp.person_id = p.person_id
      WHERE p.person_id = $1`,
    [personId],
  );
  return {
    age: row?.age ?? null,
    efiCategory: row?.efi_category ?? null,
    riskTier: row?.risk_tier ?? null,
    localityCode: row?.locality_code ?? null,
  };
}

/**
 * Makes a referral to a service in the directory. Refused, with the reason, without a reason, urgency or
 * consent, to a service that is closed or whose team is not in OnePlace (the directory says how to refer
 * instead), or when the person already has an open referral to that service.
 */
export async function makeReferral(
  db: Db,
  personId: string,
  input: ReferralInput,
  author: Author,
): Promise<Referral> {
  const service = await serviceByCode(db, input.serviceCode);
  if (!service?.active) {
    throw invalid("care.no-such-service", "Choose a service from the directory.", {
      hint: "The directory of services lists the services open to referrals.",
    });
  }
  if (!service.team) {
    throw invalid(
      "care.service-not-in-oneplace",
      `${service.name} does not take referrals through OnePlace yet.`,
      {
        hint: service.howToRefer || "Refer as the directory of services says.",
      },
    );
  }
  const reason = input.reason.trim();
  if (reason === "") {
    throw invalid("care.referral-needs-reason", "Say why you are referring the person.", {
      hint: "The receiving team decides from the reason: what has changed and what you hope the service will do.",
    });
  }
  if (reason.length > 4_000)
    throw invalid("care.text-too-long", "The reason is longer than 4000 characters.");
  if (!(URGENCIES as readonly string[]).includes(input.urgency)) {
    throw invalid("care.referral-needs-urgency", "Choose how urgent the referral is.", {
      hint: `One of: ${URGENCIES.join(", ")}.`,
    });
  }
  if (!(CONSENTS as readonly string[]).includes(input.consent)) {
    throw invalid("care.referral-needs-consent", "Record the person's consent to the referral.", {
      hint: "The person agreed, or (when they cannot decide) it is in their best interests, recorded as such.",
    });
  }
  const notMet = criteriaNotMet(service, await personCriteria(db, personId));
  const criteriaReason = (input.criteriaReason ?? "").trim();
  if (notMet.length > 0 && criteriaReason === "") {
    throw invalid(
      "care.referral-criteria-not-met",
      `The person does not meet ${service.name}'s access criteria: it is ${notMet.join("; ")}.`,
      {
        hint: "Choose another service, or say why you are referring them anyway (the reason is kept with the referral).",
      },
    );
  }
  if (criteriaReason.length > 2_000)
    throw invalid("care.text-too-long", "The reason for going ahead is longer than 2000 characters.");
  const referralId = newId();
  const teamId = service.team.teamId;
  const alreadyOpen = () =>
    conflict("care.referral-open", `The person already has an open referral to ${service.name}.`, {
      hint: "Open that referral to see where it is; a second would be lost between the teams.",
    });
  await db
    .transaction(async (tx) => {
      const open = await tx.query(
        `SELECT 1 FROM referral WHERE person_id = $1 AND service_code = $2 AND closed_on IS NULL
         AND outcome IS DISTINCT FROM 'completed'`,
        [personId, service.serviceCode],
      );
      if (open.length > 0) throw alreadyOpen();
      const due = addDays(author.today, input.urgency === "routine" ? (service.responseDays ?? 5) : 0);
      await tx.query(
        `INSERT INTO referral (person_id, referral_id, to_team_id, from_team_id, service, referred_on, closed_on,
         outcome, source_system, source_record_id, received_at, service_code, reason, urgency, consent,
         referred_by_user_id, referred_at, due_on, criteria_not_met, criteria_reason)
       VALUES ($1, $2::uuid, $3, $4, $5, $6::date, NULL, NULL, $7, $15, $8, $9, $10, $11, $12, $13, $8, $14::date,
               $16::text[], $17)`,
        [
          personId,
          referralId,
          teamId,
          author.teamId,
          service.kind === "other" ? service.serviceCode : service.kind,
          author.today,
          PLAN_SOURCE_SYSTEM,
          author.at.toISOString(),
          service.serviceCode,
          reason,
          input.urgency,
          input.consent,
          author.userId,
          due,
          referralId,
          notMet,
          notMet.length > 0 ? criteriaReason : null,
        ],
      );
    })
    .catch((error: unknown) => {
      // Another submit opened the same referral between the check and the insert (the unique index, 0950).
      if ((error as { code?: string }).code === "23505") throw alreadyOpen();
      throw error;
    });
  return readReferral(db, personId, referralId);
}

export type ReferralDecision =
  | { kind: "accept" }
  | { kind: "decline"; reason: string }
  | {
      kind: "complete";
      outcomeSummary: string;
      /** Reablement only: the episode, and the hospital spell it followed (if it followed one). */
      episode?: { startedOn: string; endedOn: string; end: string; afterSpellId: string | null };
    };

/** Only the receiving team decides; the step must follow from where the referral is. */
export async function decideReferral(
  db: Db,
  personId: string,
  referralId: string,
  baseVersion: number,
  decision: ReferralDecision,
  author: Author,
): Promise<Referral> {
  await db.transaction(async (tx) => {
    const [row] = await tx.query<ReferralRow>(
      `${SELECT} WHERE r.person_id = $1 AND r.referral_id = $2 FOR UPDATE OF r`,
      [personId, referralId],
    );
    if (!row) throw notFound("care.no-such-referral", "There is no such referral for this person.");
    const ref = toReferral(row);
    if (ref.toTeam.teamId !== author.teamId) {
      throw forbidden(
        "care.not-receiving-team",
        "Only the team the person was referred to can decide the referral.",
        {
          hint: `Act in a role in ${ref.toTeam.name} to decide it.`,
        },
      );
    }
    if (ref.version !== baseVersion) {
      throw conflict(
        "care.referral-version-conflict",
        "Someone else changed this referral while you were looking at it.",
        {
          hint: "Open the referral again to see what they decided.",
        },
      );
    }
    const set = (sql: string, params: unknown[]) =>
      tx.query(
        `UPDATE referral SET ${sql}, version = version + 1, decided_by_user_id = $3, decided_at = $4
         WHERE person_id = $1 AND referral_id = $2`,
        [personId, referralId, author.userId, author.at.toISOString(), ...params],
      );
    if (decision.kind === "accept") {
      if (ref.status !== "awaiting-decision") throw wrongStep(ref.status, "accepted");
      await set("outcome = 'accepted'", []);
      return;
    }
    if (decision.kind === "decline") {
      if (ref.status !== "awaiting-decision" && ref.status !== "accepted")
        throw wrongStep(ref.status, "declined");
      const reason = decision.reason.trim();
      if (reason === "") {
        throw invalid("care.decline-needs-reason", "Say why the referral is declined.", {
          hint: "The referrer needs the reason to find the person another service.",
        });
      }
      await set("outcome = 'declined', decline_reason = $5, closed_on = greatest($6::date, referred_on)", [
        reason.slice(0, 4_000),
        author.today,
      ]);
      return;
    }
    if (ref.status !== "accepted") throw wrongStep(ref.status, "completed");
    const summary = decision.outcomeSummary.trim();
    if (summary === "") {
      throw invalid("care.complete-needs-outcome", "Record the outcome of the referral.", {
        hint: "What the service did and where the person is now.",
      });
    }
    if (ref.serviceKind !== "reablement") {
      await set("outcome = 'completed', outcome_summary = $5, closed_on = greatest($6::date, referred_on)", [
        summary.slice(0, 4_000),
        author.today,
      ]);
      return;
    }
    const episode = await checkEpisode(tx, personId, ref, decision.episode, author.today);
    await set(
      // Still open: the team keeps its relationship until the 91-day follow-up closes the referral.
      `outcome = 'completed', outcome_summary = $5, episode_started_on = $6::date, episode_ended_on = $7::date,
       after_spell_id = $8, follow_up_due_on = $9::date`,
      [
        summary.slice(0, 4_000),
        episode.startedOn,
        episode.endedOn,
        episode.afterSpellId,
        addDays(episode.discharged ?? episode.startedOn, FOLLOW_UP_DAYS),
      ],
    );
    await recordReablementService(tx, personId, ref, episode);
  });
  return readReferral(db, personId, referralId);
}

const wrongStep = (status: ReferralStatus, to: string) =>
  invalid("care.referral-wrong-step", `A referral that is ${status.replaceAll("-", " ")} cannot be ${to}.`, {
    hint: "Referrals are accepted or declined first, then completed.",
  });

interface CheckedEpisode {
  startedOn: string;
  endedOn: string;
  end: string;
  afterSpellId: string | null;
  /** The day the person left the hospital spell the episode followed. */
  discharged: string | null;
}

async function checkEpisode(
  q: Queryable,
  personId: string,
  ref: Referral,
  episode: { startedOn: string; endedOn: string; end: string; afterSpellId: string | null } | undefined,
  today: string,
): Promise<CheckedEpisode> {
  if (!episode || !isIsoDate(episode.startedOn) || !isIsoDate(episode.endedOn)) {
    throw invalid(
      "care.reablement-needs-episode",
      "Record the reablement episode: the day it started and the day it ended.",
      {
        hint: "The 91-day follow-up and the BCF reablement measure count from the episode.",
      },
    );
  }
  if (episode.endedOn < episode.startedOn) {
    throw invalid("care.episode-dates", "The episode cannot end before it started.");
  }
  if (episode.startedOn < ref.referredOn || episode.endedOn > today) {
    throw invalid("care.episode-dates", "The episode must start on or after the referral and end by today.");
  }
  if (!(EPISODE_ENDS as readonly string[]).includes(episode.end)) {
    throw invalid("care.episode-end", `Say how the episode ended: one of ${EPISODE_ENDS.join(", ")}.`);
  }
  let discharged: string | null = null;
  if (episode.afterSpellId) {
    const [spell] = await q.query<{ discharged_on: string | null }>(
      `SELECT ((discharged_at AT TIME ZONE 'Europe/London')::date)::text AS discharged_on
       FROM hospital_spell WHERE person_id = $1 AND spell_id = $2`,
      [personId, episode.afterSpellId],
    );
    if (!spell?.discharged_on) {
      throw invalid("care.episode-spell", "The hospital stay chosen is not one of the person's discharges.", {
        hint: "Choose the hospital stay the reablement followed, or none.",
      });
    }
    discharged = spell.discharged_on;
  }
  return { ...episode, discharged };
}

/** The episode as the reablement service the BCF measure reads (ASCOF 2B: a service after the spell). */
async function recordReablementService(
  q: Queryable,
  personId: string,
  ref: Referral,
  episode: CheckedEpisode,
): Promise<void> {
  await q.query(
    `INSERT INTO social_care_service (person_id, service_id, client_id, service_type, started_on, ended_on, funding,
       referral_source, after_spell_id, hours_per_week, end_reason, source_system, source_record_id, received_at)
     VALUES ($1::uuid, $2, $10, 'reablement', $3::date, $4::date, 'council', $5, $6, NULL, $7, $8, $9, now())
     ON CONFLICT (person_id, source_system, source_record_id) DO NOTHING`,
    [
      personId,
      newId(),
      episode.startedOn,
      episode.endedOn,
      episode.afterSpellId ? "hospital-discharge" : "community",
      episode.afterSpellId,
      episode.end,
      PLAN_SOURCE_SYSTEM,
      `referral:${ref.referralId}`,
      personId,
    ],
  );
}

/** The reablement follow-up on day 91: where the person is. Only once it is due, by the receiving team. */
export async function recordFollowUp(
  db: Db,
  personId: string,
  referralId: string,
  baseVersion: number,
  outcome: string,
  author: Author,
): Promise<Referral> {
  const ref = await readReferral(db, personId, referralId);
  if (ref.toTeam.teamId !== author.teamId) {
    throw forbidden(
      "care.not-receiving-team",
      "Only the team the person was referred to records the follow-up.",
    );
  }
  if (!ref.followUp) {
    throw invalid("care.no-follow-up", "Only a completed reablement referral has a 91-day follow-up.");
  }
  if (ref.followUp.outcome) {
    throw conflict("care.follow-up-recorded", "The 91-day follow-up has already been recorded.");
  }
  if (author.today < ref.followUp.dueOn) {
    throw invalid("care.follow-up-not-due", `The 91-day follow-up is due on ${ref.followUp.dueOn}.`, {
      hint: "Record where the person is on or after that day.",
    });
  }
  if (!(FOLLOW_UP_OUTCOMES as readonly string[]).includes(outcome)) {
    throw invalid(
      "care.follow-up-outcome",
      `Say where the person is: one of ${FOLLOW_UP_OUTCOMES.join(", ")}.`,
    );
  }
  const updated = await db.query(
    `UPDATE referral SET follow_up_outcome = $4, follow_up_recorded_by_user_id = $5, follow_up_recorded_at = $6,
       closed_on = greatest($7::date, referred_on), version = version + 1
     WHERE person_id = $1 AND referral_id = $2 AND version = $3 RETURNING 1`,
    [personId, referralId, baseVersion, outcome, author.userId, author.at.toISOString(), author.today],
  );
  if (updated.length === 0) {
    throw conflict(
      "care.referral-version-conflict",
      "Someone else changed this referral while you were looking at it.",
      {
        hint: "Open the referral again to see what they recorded.",
      },
    );
  }
  return readReferral(db, personId, referralId);
}

export interface Discharge {
  spellId: string;
  providerCode: string;
  admittedOn: string;
  dischargedOn: string;
}

/** The person's latest hospital discharges, newest first: what a reablement episode may follow. */
export async function readDischarges(q: Queryable, personId: string, limit = 10): Promise<Discharge[]> {
  const rows = await q.query<{
    spell_id: string;
    provider_code: string;
    admitted_on: string;
    discharged_on: string;
  }>(
    `SELECT spell_id, provider_code, ((admitted_at AT TIME ZONE 'Europe/London')::date)::text AS admitted_on,
            ((discharged_at AT TIME ZONE 'Europe/London')::date)::text AS discharged_on
     FROM hospital_spell WHERE person_id = $1 AND discharged_at IS NOT NULL
     ORDER BY discharged_at DESC LIMIT $2::int`,
    [personId, limit],
  );
  return rows.map((r) => ({
    spellId: r.spell_id,
    providerCode: r.provider_code,
    admittedOn: r.admitted_on,
    dischargedOn: r.discharged_on,
  }));
}
