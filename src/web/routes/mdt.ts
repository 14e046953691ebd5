// MDT meetings: the team's meetings, scheduling one (its agenda drawn by the team's rules), the agenda (add,
// move, remove people; attendance), recording per person (discussion, decisions, lead professional, plan
// started or reviewed, actions and their status), and the minutes as a page and a PDF (printed by Chromium as
// the board report is). Every read and change goes through request.reader: one decision and audit row each;
// a problem a person can fix re-shows the page with the reason; a refusal about a person shows its reason.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AGENDA_RULES, DEFAULT_AGENDA, type MdtActionStatus } from "../../care/index.ts";
import { HTTP_STATUS_OF_KIND, invalid, type OnePlaceError } from "../../core/errors.ts";
import { minutesPdf } from "../mdt-minutes-pdf.ts";
import type { PageError } from "../views/care.context.ts";
import {
  agendaContext,
  mdtPersonContext,
  meetingsContext,
  minutesContext,
  type ScheduleForm,
  scheduleContext,
} from "../views/mdt.context.ts";
import { dateFromParts } from "./care.ts";
import { actionable, csrfOf, errorItem, londonToday, personReply } from "./person-forms.ts";
import { closedObject, csrfField, textField, UUID_PATTERN } from "./schemas.ts";

const uuid = { type: "string", pattern: UUID_PATTERN } as const;
const text = textField;
const dayPart = { type: "string", maxLength: 4 } as const;
const yes = { type: "string", enum: ["yes"] } as const;
const TIERS = ["very-high", "high", "rising", "low"] as const;

const meetingParams = closedObject({ meetingId: uuid }, ["meetingId"]);
const personParams = closedObject({ meetingId: uuid, personId: uuid }, ["meetingId", "personId"]);
const actionParams = closedObject({ meetingId: uuid, personId: uuid, actionId: uuid }, [
  "meetingId",
  "personId",
  "actionId",
]);
const scheduleForm = closedObject({
  ...csrfField,
  title: text(200),
  day: dayPart,
  month: dayPart,
  year: dayPart,
  startsAt: text(10),
  location: text(200),
  cohortId: text(64),
  ...Object.fromEntries(AGENDA_RULES.map((r) => [`rule-${r}`, yes])),
  ...Object.fromEntries(TIERS.map((t) => [`tier-${t}`, yes])),
  size: text(6),
});
const addPersonForm = closedObject({ ...csrfField, nhsNumber: text(20) });
const moveForm = closedObject({ ...csrfField, direction: { type: "string", enum: ["up", "down"] } }, [
  "direction",
]);
const csrfOnly = closedObject({ ...csrfField });
const attendeeForm = closedObject({
  ...csrfField,
  name: text(200),
  role: text(100),
  organisation: text(200),
});
const recordForm = closedObject({
  ...csrfField,
  summary: text(),
  decisions: text(),
  lead: { type: "string", anyOf: [{ pattern: UUID_PATTERN }, { const: "" }] },
  leadRole: text(40),
  leadOutcome: { type: "string", enum: ["assigned", "confirmed", ""] },
  plan: { type: "string", enum: ["started", "reviewed", ""] },
  planVersion: { type: "string", pattern: "^[0-9]{0,6}$" },
});
const actionForm = closedObject({
  ...csrfField,
  description: text(),
  ownerUserId: { type: "string", anyOf: [{ pattern: UUID_PATTERN }, { const: "" }, { const: "external" }] },
  owner: text(200),
  organisation: text(200),
  dueDay: dayPart,
  dueMonth: dayPart,
  dueYear: dayPart,
});
const statusForm = closedObject(
  { ...csrfField, status: { type: "string", enum: ["open", "done", "cancelled"] } },
  ["status"],
);

type MeetingP = { Params: { meetingId: string } };
type PersonP = { Params: { meetingId: string; personId: string } };
type Form = Record<string, string | undefined>;

const errorItems = (error: OnePlaceError | null): PageError[] => (error ? [errorItem(error)] : []);
const str = (v: string | undefined) => v ?? "";

/** A page naming one person: a refusal shows its reason (and break-glass where the role may). */
const personPage = (
  request: FastifyRequest<PersonP>,
  reply: FastifyReply,
  render: () => Promise<{ context: object; status?: number }>,
) => personReply(request, reply, async () => ({ view: "mdt-person.njk", ...(await render()) }));

const agendaPage = async (
  request: FastifyRequest<MeetingP>,
  reply: FastifyReply,
  error: OnePlaceError | null = null,
  nhsNumber = "",
) => {
  const view = await request.reader.mdtMeeting(request.params.meetingId);
  return reply
    .status(error ? HTTP_STATUS_OF_KIND[error.kind] : 200)
    .header("cache-control", "no-store")
    .view(
      "mdt-agenda.njk",
      agendaContext(view, { csrf: csrfOf(request), errors: errorItems(error), nhsNumber }),
    );
};

/** Runs a change to the agenda, then back to it (303), or the agenda again with the reason. */
const agendaChange = async (
  request: FastifyRequest<MeetingP>,
  reply: FastifyReply,
  run: () => Promise<unknown>,
  nhsNumber = "",
) => {
  try {
    await run();
  } catch (error) {
    const fix = actionable(error);
    if (!fix) throw error;
    return agendaPage(request, reply, fix, nhsNumber);
  }
  return reply.redirect(`/care/mdt/${request.params.meetingId.toLowerCase()}`, 303);
};

const recordPage = async (
  request: FastifyRequest<PersonP>,
  error: OnePlaceError | null,
  form?: Record<string, string>,
) => {
  const page = await request.reader.mdtPerson(request.params.meetingId, request.params.personId);
  const [staff, owners] = await Promise.all([
    request.reader.careStaff(),
    request.reader.careOwners(request.params.personId),
  ]);
  return {
    context: mdtPersonContext(page, staff, {
      csrf: csrfOf(request),
      errors: errorItems(error),
      form,
      owners,
    }),
    status: error ? HTTP_STATUS_OF_KIND[error.kind] : 200,
  };
};

/** Runs a change about one person, then their page (303), or the page again with the reason. */
const personChange = async (
  request: FastifyRequest<PersonP>,
  reply: FastifyReply,
  run: () => Promise<unknown>,
  form?: Record<string, string>,
) => {
  try {
    await run();
  } catch (error) {
    const fix = actionable(error);
    if (!fix) return personPage(request, reply, () => Promise.reject(error));
    return personPage(request, reply, () => recordPage(request, fix, form));
  }
  const { meetingId, personId } = request.params;
  return reply.redirect(`/care/mdt/${meetingId.toLowerCase()}/people/${personId.toLowerCase()}`, 303);
};

const schedulePage = async (
  request: FastifyRequest,
  reply: FastifyReply,
  error: OnePlaceError | null,
  form?: ScheduleForm,
) => {
  const index = await request.reader.registers();
  return reply
    .status(error ? HTTP_STATUS_OF_KIND[error.kind] : 200)
    .view(
      "mdt-schedule.njk",
      scheduleContext(index.cohorts, { csrf: csrfOf(request), errors: errorItems(error), form }),
    );
};

function meetingRoutes(app: FastifyInstance): void {
  app.get("/care/mdt", async (request, reply) => {
    const meetings = await request.reader.mdtMeetings();
    return reply
      .header("cache-control", "no-store")
      .view(
        "mdt-meetings.njk",
        meetingsContext(meetings, request.identity?.roleAssignment.team.name ?? "your team"),
      );
  });

  app.get("/care/mdt/new", async (request, reply) => {
    await request.reader.mdtMeetings(); // a team that holds no MDT is told so before it fills in the form
    return schedulePage(request, reply, null);
  });

  app.post<{ Body: Form }>("/care/mdt", { schema: { body: scheduleForm } }, async (request, reply) => {
    const b = request.body;
    const form: ScheduleForm = {
      title: str(b.title),
      day: str(b.day),
      month: str(b.month),
      year: str(b.year),
      startsAt: str(b.startsAt),
      location: str(b.location),
      cohortId: str(b.cohortId),
      rules: AGENDA_RULES.filter((r) => b[`rule-${r}`] === "yes"),
      tiers: TIERS.filter((t) => b[`tier-${t}`] === "yes"),
      size: str(b.size) || String(DEFAULT_AGENDA),
    };
    try {
      const heldOn = dateFromParts(form.day, form.month, form.year);
      const made = await request.reader.scheduleMdtMeeting({
        title: form.title,
        heldOn: heldOn === null || heldOn === "invalid" ? "" : heldOn,
        startsAt: form.startsAt,
        location: form.location,
        cohortId: form.cohortId || null,
        rules: form.rules as (typeof AGENDA_RULES)[number][],
        tiers: form.tiers,
        size: /^\d{1,4}$/.test(form.size.trim()) ? Number(form.size.trim()) : Number.NaN,
      });
      return reply.redirect(`/care/mdt/${made.meetingId}`, 303);
    } catch (error) {
      const fix = actionable(error);
      if (!fix) throw error;
      return schedulePage(request, reply, fix, form);
    }
  });
}

/** The agenda: people added, moved and removed; attendance. */
function agendaRoutes(app: FastifyInstance): void {
  app.get<MeetingP>("/care/mdt/:meetingId", { schema: { params: meetingParams } }, (request, reply) =>
    agendaPage(request, reply),
  );

  app.post<MeetingP & { Body: { nhsNumber?: string } }>(
    "/care/mdt/:meetingId/people",
    { schema: { params: meetingParams, body: addPersonForm } },
    (request, reply) =>
      agendaChange(
        request,
        reply,
        () => request.reader.addMdtAgendaPerson(request.params.meetingId, request.body.nhsNumber ?? ""),
        request.body.nhsNumber ?? "",
      ),
  );

  app.post<PersonP & { Body: { direction: "up" | "down" } }>(
    "/care/mdt/:meetingId/people/:personId/move",
    { schema: { params: personParams, body: moveForm } },
    (request, reply) =>
      agendaChange(request, reply, () =>
        request.reader.moveMdtAgendaPerson(
          request.params.meetingId,
          request.params.personId,
          request.body.direction,
        ),
      ),
  );

  app.post<PersonP>(
    "/care/mdt/:meetingId/people/:personId/remove",
    { schema: { params: personParams, body: csrfOnly } },
    (request, reply) =>
      agendaChange(request, reply, () =>
        request.reader.removeMdtAgendaPerson(request.params.meetingId, request.params.personId),
      ),
  );

  app.post<MeetingP & { Body: { name?: string; role?: string; organisation?: string } }>(
    "/care/mdt/:meetingId/attendees",
    { schema: { params: meetingParams, body: attendeeForm } },
    (request, reply) =>
      agendaChange(request, reply, () =>
        request.reader.addMdtAttendee(request.params.meetingId, {
          name: request.body.name ?? "",
          role: request.body.role ?? "",
          organisation: request.body.organisation ?? "",
        }),
      ),
  );
}

/** One person's record: the discussion, lead professional, plan, actions and their status. */
function recordingRoutes(app: FastifyInstance): void {
  app.get<PersonP>(
    "/care/mdt/:meetingId/people/:personId",
    { schema: { params: personParams } },
    (request, reply) => personPage(request, reply, () => recordPage(request, null)),
  );

  app.post<PersonP & { Body: Record<string, string> }>(
    "/care/mdt/:meetingId/people/:personId",
    { schema: { params: personParams, body: recordForm } },
    (request, reply) => {
      const b = request.body;
      return personChange(
        request,
        reply,
        async () => {
          if (b.lead && (!b.leadRole || !b.leadOutcome)) {
            throw invalid(
              "care.mdt-lead-role",
              "Choose the lead professional's role and whether they were assigned or confirmed.",
            );
          }
          return request.reader.recordMdtDiscussion(request.params.meetingId, request.params.personId, {
            summary: b.summary ?? "",
            decisions: b.decisions ?? "",
            lead: b.lead
              ? { userId: b.lead, role: b.leadRole ?? "", outcome: b.leadOutcome as "assigned" | "confirmed" }
              : null,
            plan: b.plan === "started" || b.plan === "reviewed" ? b.plan : null,
            planVersion: b.planVersion ? Number(b.planVersion) : null,
          });
        },
        { ...b },
      );
    },
  );

  app.post<PersonP & { Body: Record<string, string> }>(
    "/care/mdt/:meetingId/people/:personId/actions",
    { schema: { params: personParams, body: actionForm } },
    (request, reply) => {
      const b = request.body;
      return personChange(
        request,
        reply,
        () => {
          const due = dateFromParts(b.dueDay, b.dueMonth, b.dueYear);
          return request.reader.addMdtAction(request.params.meetingId, request.params.personId, {
            description: b.description ?? "",
            ownerUserId: b.ownerUserId && b.ownerUserId !== "external" ? b.ownerUserId : null,
            ownerExternal: b.ownerUserId === "external",
            owner: b.ownerUserId === "external" ? (b.owner ?? "") : "",
            organisation: b.organisation ?? "",
            dueOn: due === "invalid" ? null : due,
          });
        },
        { ...b },
      );
    },
  );

  app.post<{
    Params: { meetingId: string; personId: string; actionId: string };
    Body: { status: MdtActionStatus };
  }>(
    "/care/mdt/:meetingId/people/:personId/actions/:actionId",
    { schema: { params: actionParams, body: statusForm } },
    (request, reply) =>
      personChange(request as unknown as FastifyRequest<PersonP>, reply, () =>
        request.reader.setMdtActionStatus(
          request.params.meetingId,
          request.params.personId,
          request.params.actionId,
          request.body.status,
        ),
      ),
  );
}

/** The minutes, as a page and as a PDF printed by Chromium. */
function minutesRoutes(app: FastifyInstance, chromium: string): void {
  app.get<MeetingP>(
    "/care/mdt/:meetingId/minutes",
    { schema: { params: meetingParams } },
    async (request, reply) => {
      const view = await request.reader.mdtMeeting(request.params.meetingId);
      return reply
        .header("cache-control", "no-store")
        .view("mdt-minutes.njk", minutesContext(view, londonToday()));
    },
  );

  app.get<MeetingP>(
    "/care/mdt/:meetingId/minutes.pdf",
    { schema: { params: meetingParams } },
    async (request, reply) => {
      const view = await request.reader.mdtMeeting(request.params.meetingId);
      const pdf = await minutesPdf(view, londonToday(), chromium);
      return reply
        .type("application/pdf")
        .header("cache-control", "no-store")
        .header("content-disposition", `attachment; filename="mdt-minutes-${view.meeting.heldOn}.pdf"`)
        .send(pdf);
    },
  );
}

export async function mdtRoutes(app: FastifyInstance, options: { chromium: string }): Promise<void> {
  meetingRoutes(app);
  agendaRoutes(app);
  recordingRoutes(app);
  minutesRoutes(app, options.chromium);
}
