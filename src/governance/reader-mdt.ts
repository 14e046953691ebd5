// The reader's MDT meetings. A meeting belongs to one practice or locality MDT: only a user acting in that
// team opens it, and only in a direct-care role that may list people. The agenda is drawn by the rules as
// internal ids, then the access filter names only those this user may see ("list", one audit row naming them
// and counting the rest), so nobody the team may not see is stored on an agenda or shown. Recording about a
// person (discussion, decisions, actions, lead, plan) is one "change" decision on their identifiable record,
// audited before anything is written; a person's recording page is a "view". The minutes are a "list" read
// of the agenda's people, like the agenda itself.
import {
  type AttendeeInput,
  type Author,
  addAttendee,
  addMdtAction,
  addToAgenda,
  agendaCandidates,
  agendaPeople,
  applyMdtPlanOutcome,
  checkDiscussion,
  checkMeeting,
  createMeeting,
  type DiscussionInput,
  listMeetings,
  type MdtActionInput,
  type MdtActionStatus,
  type MdtTeam,
  type Meeting,
  type MeetingInput,
  type MeetingSummary,
  meetingSummary,
  moveOnAgenda,
  readMeeting,
  readPlans,
  recordDiscussion,
  removeFromAgenda,
  setMdtActionStatus,
} from "../care/index.ts";
import { invalid, notFound } from "../core/errors.ts";
import { isCitus, peopleHoldingNhsNumber } from "../store/index.ts";
import type { PersonSummary } from "./person-reads.ts";
import { readBanner } from "./person-view.ts";
import type { ReaderBase } from "./reader-base.ts";
import { requireOwner } from "./reader-care.ts";
import type { PersonPageBase } from "./reader-person.ts";
import { londonDate } from "./relationship-facts.ts";
import type { Disclosure } from "./types.ts";

export type MdtPerson = PersonSummary & { disclosure: Disclosure | null };

/** A meeting with the people on its agenda this user may see, named; the others counted. */
export interface MdtMeetingView {
  meeting: Meeting;
  people: Map<string, MdtPerson>;
  /** People on the agenda this user may not see now (counted, never named). */
  withheld: number;
}

export interface MdtPersonPage extends PersonPageBase {
  meeting: Meeting;
  /** The person's plans' ids and status, to link the plan started or reviewed. */
  currentPlanId: string | null;
  /** The current plan's latest version when the page was read: a change made on it names it. */
  currentPlanVersion: number | null;
}

/** Who may be recorded as present or own an action comes from the form; a plan outcome from the plan store. */
export interface MdtRecordInput extends Omit<DiscussionInput, "plan" | "leadPlan"> {
  plan: "started" | "reviewed" | null;
  /** The plan version the page showed (a lead or review is written on it; a newer one is a conflict). */
  planVersion?: number | null;
}

export interface MdtReads {
  /** The meetings of the team this user acts in (no person named). */
  mdtMeetings(): Promise<MeetingSummary[]>;
  /** Schedules a meeting and draws its agenda by the rules ("list" of the people found). */
  scheduleMdtMeeting(input: MeetingInput): Promise<{ meetingId: string; people: number; withheld: number }>;
  /** The agenda (or minutes): every person the user may see on it, with what was recorded ("list"). */
  mdtMeeting(meetingId: string): Promise<MdtMeetingView>;
  /** One person's recording page ("view", identifiable). */
  mdtPerson(meetingId: string, personId: string): Promise<MdtPersonPage>;
  addMdtAgendaPerson(meetingId: string, nhsNumber: string): Promise<string>;
  removeMdtAgendaPerson(meetingId: string, personId: string): Promise<void>;
  moveMdtAgendaPerson(meetingId: string, personId: string, direction: "up" | "down"): Promise<void>;
  addMdtAttendee(meetingId: string, attendee: AttendeeInput): Promise<void>;
  recordMdtDiscussion(meetingId: string, personId: string, input: MdtRecordInput): Promise<void>;
  addMdtAction(meetingId: string, personId: string, action: MdtActionInput): Promise<string>;
  setMdtActionStatus(
    meetingId: string,
    personId: string,
    actionId: string,
    status: MdtActionStatus,
  ): Promise<void>;
}

export function mdtReads(base: ReaderBase): MdtReads {
  const { db, ctx, identity, allowed, filtered, refuse } = base;
  const { role, team } = identity.roleAssignment;
  const now = () => ctx.now?.() ?? new Date();
  const author = (): Author => {
    const at = now();
    return { userId: identity.user.userId, teamId: team.teamId, at, today: londonDate(at) };
  };

  /** The team this user acts in, as an MDT: a practice or a locality MDT with its organisation. */
  const mdtTeam = (): MdtTeam => {
    if ((team.kind === "practice" || team.kind === "locality-mdt") && team.orgCode) {
      return {
        teamId: team.teamId,
        kind: team.kind === "practice" ? "practice" : "locality",
        orgCode: team.orgCode,
      };
    }
    throw invalid("care.mdt-needs-team", "MDT meetings belong to a practice or locality MDT team.", {
      hint: "Act in a role in a practice or locality MDT team to see its meetings.",
    });
  };

  /** Lists of people are for direct-care roles whose policy lets them list. */
  const mayList = async () => {
    if (role.accessBasis !== "relationship" || !role.actions.includes("list")) {
      await refuse("list", `the ${role.name} role may not list people for an MDT`);
    }
  };

  /** The meeting, if it is this user's team's: another team's meeting is refused and audited. */
  const ownMeeting = async (meetingId: string): Promise<MeetingSummary> => {
    const t = mdtTeam();
    const summary = await meetingSummary(db, meetingId.toLowerCase());
    if (summary.teamId !== t.teamId) await refuse("list", "the meeting belongs to another team's MDT");
    return summary;
  };

  /** A change about one person on a meeting of this team: decided and audited as "change" first. */
  const changing = async <T>(
    meetingId: string,
    personId: string,
    write: (m: string, p: string, who: Author) => Promise<T>,
  ) => {
    await ownMeeting(meetingId);
    await allowed(personId, "identifiable", "change");
    return write(meetingId.toLowerCase(), personId.toLowerCase(), author());
  };

  return {
    async mdtMeetings() {
      return listMeetings(db, mdtTeam().teamId);
    },
    async scheduleMdtMeeting(raw) {
      const t = mdtTeam();
      await mayList();
      const input = checkMeeting(raw);
      const candidates = await agendaCandidates(db, t, input);
      let shown = candidates;
      let withheld = 0;
      if (candidates.length > 0) {
        const seen = await filtered(
          candidates.map((c) => c.personId),
          "list",
          "mdt agenda",
        );
        const ids = new Set(seen.people.map((p) => p.personId));
        shown = candidates.filter((c) => ids.has(c.personId));
        withheld = seen.withheld;
      }
      const meetingId = await createMeeting(db, t, input, shown, withheld, author());
      return { meetingId, people: shown.length, withheld };
    },
    async mdtMeeting(meetingId) {
      await mayList();
      await ownMeeting(meetingId);
      const id = meetingId.toLowerCase();
      const ids = await agendaPeople(db, id);
      if (ids.length === 0) return { meeting: await readMeeting(db, id, []), people: new Map(), withheld: 0 };
      const seen = await filtered(ids, "list", "mdt meeting");
      const people = new Map(seen.people.map((p) => [p.personId, p]));
      const meeting = await readMeeting(db, id, [...people.keys()]);
      return { meeting, people, withheld: seen.withheld };
    },
    async mdtPerson(meetingId, personId) {
      await ownMeeting(meetingId);
      const decision = await allowed(personId, "identifiable", "view");
      const id = personId.toLowerCase();
      const today = londonDate(now());
      const [banner, meeting, plans] = await Promise.all([
        readBanner(db, id, today),
        readMeeting(db, meetingId.toLowerCase(), [id]),
        readPlans(db, id),
      ]);
      if (!banner) throw notFound("governance.no-such-person", "There is no such person.");
      if (meeting.items.length === 0) {
        throw notFound("care.mdt-not-on-agenda", "This person is not on the meeting's agenda.", {
          hint: "Add them to the agenda first.",
        });
      }
      const current = plans.find((p) => p.latest.status !== "ended");
      return {
        banner,
        disclosure: decision.disclosure,
        relationship: decision.relationship,
        breakGlassId: decision.breakGlassId,
        today,
        meeting,
        currentPlanId: current?.planId ?? null,
        currentPlanVersion: current?.latest.version ?? null,
      };
    },
    async addMdtAgendaPerson(meetingId, nhsNumber) {
      await ownMeeting(meetingId);
      const digits = nhsNumber.replace(/\s+/g, "");
      if (!/^\d{10}$/.test(digits)) {
        throw invalid("care.mdt-nhs-number", "Enter the person's 10-digit NHS Number.", {
          hint: "For example, 943 476 5919.",
        });
      }
      // On Citus the number's routes (one shard); person by its number would ask every shard.
      const [row] = isCitus(db)
        ? (await peopleHoldingNhsNumber(db, digits)).map((person_id) => ({ person_id }))
        : await db.query<{ person_id: string }>(
            "SELECT person_id::text AS person_id FROM person WHERE nhs_number = $1 LIMIT 1",
            [digits],
          );
      if (!row)
        throw notFound("care.mdt-no-person", "No one with that NHS Number is known to OnePlace.", {
          hint: "Check the number.",
        });
      await allowed(row.person_id, "identifiable", "change");
      await addToAgenda(db, meetingId.toLowerCase(), row.person_id);
      return row.person_id;
    },
    removeMdtAgendaPerson: (meetingId, personId) =>
      changing(meetingId, personId, (m, p) => removeFromAgenda(db, m, p)),
    moveMdtAgendaPerson: (meetingId, personId, direction) =>
      changing(meetingId, personId, (m, p) => moveOnAgenda(db, m, p, direction)),
    async addMdtAttendee(meetingId, attendee) {
      await ownMeeting(meetingId);
      await addAttendee(db, meetingId.toLowerCase(), attendee);
    },
    recordMdtDiscussion: (meetingId, personId, input) =>
      changing(meetingId, personId, async (m, p, who) => {
        // Everything is checked before anything is written; the plan's changes (a plan started, the lead
        // written into it as a new version) commit together, then the meeting's record links that version.
        await checkDiscussion(db, m, p, input);
        const heldOn = (await meetingSummary(db, m)).heldOn;
        const linked =
          input.plan || input.lead
            ? await applyMdtPlanOutcome(
                db,
                p,
                {
                  plan: input.plan,
                  baseVersion: input.planVersion ?? null,
                  lead: input.lead ? { userId: input.lead.userId, role: input.lead.role } : null,
                  note: `${input.lead?.outcome ?? "recorded"} at the MDT meeting of ${heldOn}`,
                },
                who,
              )
            : null;
        await recordDiscussion(
          db,
          m,
          p,
          {
            ...input,
            plan: linked && input.plan ? { ...linked, outcome: input.plan } : null,
            leadPlan: linked && input.lead ? linked : null,
          },
          who,
        );
      }),
    addMdtAction: (meetingId, personId, action) =>
      changing(meetingId, personId, async (m, p, who) => {
        if (action.ownerUserId) await requireOwner(db, p, action.ownerUserId, who.at);
        return addMdtAction(db, m, p, action, who);
      }),
    setMdtActionStatus: (meetingId, personId, actionId, status) =>
      changing(meetingId, personId, (m, p, who) => setMdtActionStatus(db, m, p, actionId, status, who)),
  };
}
