// Information governance pages: the IG officer's break-glass reviews and audit search, and a person's sharing
// choices (objections and the national data opt-out) with a check-and-confirm step. Everything through
// request.reader, which decides and audits; forms work without JavaScript (GET for searches, POST + CSRF).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isOnePlaceError } from "../../core/errors.ts";
import { normaliseNhsNumber } from "../../core/nhs-number.ts";
import {
  checkSharingChange,
  csrfTokenFor,
  REVIEW_OUTCOMES,
  type ReviewOutcome,
  SHARING_CHANGES,
  type SharingChangeInput,
  type SharingChangeKind,
} from "../../governance/index.ts";
import { auditSearchContext } from "../views/ig-audit.context.ts";
import { breakGlassListContext } from "../views/ig-break-glass.context.ts";
import { breakGlassReviewContext } from "../views/ig-break-glass-review.context.ts";
import {
  type SharingForm,
  sharingConfirmContext,
  sharingContext,
  sharingDoneContext,
} from "../views/person-sharing.context.ts";
import { closedObject, csrfField, textField, UUID_PATTERN } from "./schemas.ts";

const page = { type: "integer", minimum: 1, maximum: 100_000 } as const;
const idParams = closedObject({ id: { type: "string", pattern: UUID_PATTERN } }, ["id"]);
const personParams = closedObject({ personId: { type: "string", pattern: UUID_PATTERN } }, ["personId"]);
const text = textField;

const reviewBody = closedObject({ outcome: text(40), note: text(4_000), ...csrfField });
const sharingBody = closedObject({
  change: text(40),
  day: text(4),
  month: text(4),
  year: text(6),
  source: text(400),
  objectionId: text(40),
  optOutId: text(40),
  confirm: { type: "string", enum: ["yes"] },
  ...csrfField,
});

type SharingBody = {
  change?: string;
  day?: string;
  month?: string;
  year?: string;
  source?: string;
  objectionId?: string;
  optOutId?: string;
  confirm?: "yes";
};

const csrf = (request: FastifyRequest) => (request.sessionToken ? csrfTokenFor(request.sessionToken) : "");
const REVIEW_NOTE_MAX = 2_000;

/** What the NHS Number field says when the number is not valid, in words. */
function nhsNumberProblem(value: string): string | null {
  const digits = value.replace(/[\s-]/g, "");
  if (!digits) return "Enter an NHS Number";
  if (!/^\d+$/.test(digits)) return "An NHS Number has only digits, like 943 476 5919";
  if (digits.length !== 10) return `An NHS Number has 10 digits; this has ${digits.length}`;
  if (!normaliseNhsNumber(digits))
    return "This is not a valid NHS Number: its last digit (the check digit) does not match the others. Check each digit";
  return null;
}

export async function igRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { page?: number; reviewed?: string } }>(
    "/ig/break-glass",
    {
      schema: { querystring: closedObject({ page, reviewed: { type: "string", pattern: UUID_PATTERN } }) },
    },
    async (request, reply) => {
      const data = await request.reader.breakGlassReviews({ page: request.query.page ?? 1 });
      const reviewed = request.query.reviewed?.toLowerCase();
      const just = reviewed ? (data.reviewed.rows.find((e) => e.breakGlassId === reviewed) ?? null) : null;
      return reply.view("ig-break-glass.njk", breakGlassListContext(data, just));
    },
  );

  app.get<{ Params: { id: string } }>(
    "/ig/break-glass/:id",
    { schema: { params: idParams } },
    async (request, reply) => {
      const { entry, accesses } = await request.reader.breakGlassForReview(request.params.id);
      return reply.view("ig-break-glass-review.njk", breakGlassReviewContext(entry, accesses, csrf(request)));
    },
  );

  app.post<{ Params: { id: string }; Body: { outcome?: string; note?: string } }>(
    "/ig/break-glass/:id",
    { schema: { params: idParams, body: reviewBody } },
    async (request, reply) => {
      const outcome = request.body.outcome ?? "";
      const note = (request.body.note ?? "").trim();
      const errors: { outcome?: string; note?: string } = {};
      if (!REVIEW_OUTCOMES.includes(outcome as ReviewOutcome))
        errors.outcome = "Choose whether the access was appropriate";
      if (!note) errors.note = "Enter a review note";
      else if (note.length > REVIEW_NOTE_MAX)
        errors.note = `The note must be ${REVIEW_NOTE_MAX} characters or fewer`;
      if (errors.outcome || errors.note) {
        const { entry, accesses } = await request.reader.breakGlassForReview(request.params.id);
        return reply.status(400).view(
          "ig-break-glass-review.njk",
          breakGlassReviewContext(entry, accesses, csrf(request), {
            outcome,
            note: request.body.note,
            errors,
          }),
        );
      }
      try {
        const entry = await request.reader.reviewBreakGlass(
          request.params.id,
          outcome as ReviewOutcome,
          note,
        );
        return reply.redirect(`/ig/break-glass?reviewed=${entry.breakGlassId}`, 303);
      } catch (error) {
        // Reviewed by someone else in the meantime: their review is on the page.
        if (isOnePlaceError(error) && error.kind === "conflict")
          return reply.redirect(`/ig/break-glass/${request.params.id.toLowerCase()}`, 303);
        throw error;
      }
    },
  );

  app.get<{ Querystring: { nhsNumber?: string; personId?: string; username?: string; page?: number } }>(
    "/ig/audit",
    {
      schema: {
        querystring: closedObject({
          nhsNumber: text(30),
          personId: { type: "string", pattern: UUID_PATTERN },
          username: text(64),
          page,
        }),
      },
    },
    async (request, reply) => {
      const { nhsNumber, personId, username } = request.query;
      const at = { page: request.query.page ?? 1 };
      if (personId) {
        const found = await request.reader.auditForPerson({ personId }, at);
        const nhs = found.people[0]?.nhsNumber ?? "";
        return reply.view("ig-audit.njk", auditSearchContext({ nhsNumber: nhs }, found));
      }
      if (nhsNumber !== undefined) {
        const problem = nhsNumberProblem(nhsNumber);
        if (problem) {
          await request.reader.checkAuditAccess("who looked at a person");
          return reply
            .status(400)
            .view("ig-audit.njk", auditSearchContext({ nhsNumber, errors: { nhsNumber: problem } }, null));
        }
        const found = await request.reader.auditForPerson({ nhsNumber }, at);
        return reply.view("ig-audit.njk", auditSearchContext({ nhsNumber }, found));
      }
      if (username !== undefined) {
        if (!username.trim()) {
          await request.reader.checkAuditAccess("what a user looked at");
          return reply
            .status(400)
            .view(
              "ig-audit.njk",
              auditSearchContext({ username, errors: { username: "Enter a username" } }, null),
            );
        }
        try {
          const found = await request.reader.auditForUser(username, at);
          return reply.view("ig-audit.njk", auditSearchContext({ username }, found));
        } catch (error) {
          if (!(isOnePlaceError(error) && error.kind === "not-found")) throw error;
          return reply
            .status(404)
            .view(
              "ig-audit.njk",
              auditSearchContext({ username, errors: { username: error.message } }, null),
            );
        }
      }
      await request.reader.checkAuditAccess("audit search");
      return reply.view("ig-audit.njk", auditSearchContext({}, null));
    },
  );

  app.get<{ Params: { personId: string } }>(
    "/people/:personId/sharing",
    { schema: { params: personParams } },
    async (request, reply) => {
      const view = await request.reader.sharing(request.params.personId);
      return reply.view("person-sharing.njk", sharingContext(view, csrf(request)));
    },
  );

  app.post<{ Params: { personId: string }; Body: SharingBody }>(
    "/people/:personId/sharing",
    { schema: { params: personParams, body: sharingBody } },
    (request, reply) => changeSharing(request, reply),
  );

  app.get<{ Params: { personId: string }; Querystring: { change: SharingChangeKind } }>(
    "/people/:personId/sharing/done",
    {
      schema: {
        params: personParams,
        querystring: closedObject({ change: { type: "string", enum: [...SHARING_CHANGES] } }, ["change"]),
      },
    },
    async (request, reply) => {
      const view = await request.reader.sharing(request.params.personId);
      return reply.view("person-sharing-done.njk", sharingDoneContext(view, request.query.change));
    },
  );
}

function inputOf(body: SharingBody): SharingChangeInput {
  const recordId =
    body.change === "withdraw-objection"
      ? body.objectionId
      : body.change === "withdraw-opt-out"
        ? body.optOutId
        : undefined;
  return {
    change: body.change ?? "",
    day: body.day,
    month: body.month,
    year: body.year,
    source: body.source,
    recordId,
  };
}

/** Check, then confirm, then record: the first POST shows what will happen; the second (confirm=yes) does it. */
async function changeSharing(
  request: FastifyRequest<{ Params: { personId: string }; Body: SharingBody }>,
  reply: FastifyReply,
) {
  const { personId } = request.params;
  const body = request.body;
  const input = inputOf(body);
  const form: SharingForm = {
    change: body.change,
    day: body.day,
    month: body.month,
    year: body.year,
    source: body.source,
  };
  if (body.confirm === "yes") {
    try {
      const result = await request.reader.changeSharing(personId, input);
      return reply.redirect(`/people/${personId.toLowerCase()}/sharing/done?change=${result.kind}`, 303);
    } catch (error) {
      if (!(isOnePlaceError(error) && (error.kind === "invalid" || error.kind === "conflict"))) throw error;
      const view = await request.reader.sharing(personId);
      return reply
        .status(error.kind === "conflict" ? 409 : 400)
        .view(
          "person-sharing.njk",
          sharingContext(view, csrf(request), { ...form, errors: { change: error.message } }),
        );
    }
  }
  const view = await request.reader.sharing(personId);
  // A role that may not record is refused by the reader, which audits the attempt.
  if (view.changeRefusal) return request.reader.changeSharing(personId, input);
  const { change, errors } = checkSharingChange(input, new Date().toISOString().slice(0, 10));
  if (!change)
    return reply
      .status(400)
      .view("person-sharing.njk", sharingContext(view, csrf(request), { ...form, errors }));
  return reply.view("person-sharing-confirm.njk", sharingConfirmContext(view, change, form, csrf(request)));
}
