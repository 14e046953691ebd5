// A person's single view: Summary, Timeline, Care team and Records under the person banner, and the page
// that says why a user cannot see the person, with the break-glass form where their role may use it. Every
// read goes through request.reader (one decision and one audit row per page); nothing here queries.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AccessDenied, TIMELINE_KINDS } from "../../governance/index.ts";
import { breakGlassContext } from "../views/person-break-glass.context.ts";
import { careTeamContext } from "../views/person-care-team.context.ts";
import { recordsContext } from "../views/person-records.context.ts";
import { summaryContext } from "../views/person-summary.context.ts";
import {
  TIMELINE_PAGE_SIZE,
  type TimelineFilter,
  timelineContext,
} from "../views/person-timeline.context.ts";
import { csrfOf } from "./person-forms.ts";
import { closedObject, csrfField, UUID_PATTERN } from "./schemas.ts";

const personParams = closedObject({ personId: { type: "string", pattern: UUID_PATTERN } }, ["personId"]);

const timelineQuery = closedObject({
  kind: { type: "string", anyOf: [{ enum: [...TIMELINE_KINDS] }, { const: "" }] },
  organisation: { type: "string", maxLength: 20, pattern: "^[A-Za-z0-9]*$" },
  page: { type: "integer", minimum: 1, maximum: 100_000 },
});

// The reason is checked by the break-glass decision itself (its words come back as the field's error).
const breakGlassForm = closedObject({ reason: { type: "string", maxLength: 2_000 }, ...csrfField });

type PersonParams = { Params: { personId: string } };

function signedIn(request: FastifyRequest) {
  if (!request.identity) throw new Error("route reached without an identity");
  return request.identity;
}

/** Renders a person page, or the refusal (403) with the decision's reason and, where allowed, break-glass. */
async function personPage(
  request: FastifyRequest<PersonParams>,
  reply: FastifyReply,
  render: () => Promise<{ view: string; context: object; disclosure: string | null }>,
) {
  try {
    const { view, context, disclosure } = await render();
    return reply.header("x-oneplace-disclosure", disclosure ?? "none").view(view, context);
  } catch (error) {
    if (!(error instanceof AccessDenied)) throw error;
    return reply.status(403).view(
      "person-break-glass.njk",
      breakGlassContext({
        personId: request.params.personId.toLowerCase(),
        refusal: error.decision.reason,
        identity: signedIn(request),
        csrf: csrfOf(request),
      }),
    );
  }
}

export async function personRoutes(app: FastifyInstance): Promise<void> {
  app.get<PersonParams>("/people/:personId", { schema: { params: personParams } }, (request, reply) =>
    personPage(request, reply, async () => {
      const page = await request.reader.personSummary(request.params.personId);
      return { view: "person-summary.njk", context: summaryContext(page), disclosure: page.disclosure };
    }),
  );

  app.get<PersonParams & { Querystring: { kind?: string; organisation?: string; page?: number } }>(
    "/people/:personId/timeline",
    { schema: { params: personParams, querystring: timelineQuery } },
    (request, reply) =>
      personPage(request, reply, async () => {
        const filter: TimelineFilter = {
          kind: request.query.kind || null,
          organisation: request.query.organisation || null,
        };
        const page = await request.reader.personTimelinePage(request.params.personId, {
          kinds: filter.kind ? [filter.kind] : [],
          organisation: filter.organisation,
          page: request.query.page ?? 1,
          pageSize: TIMELINE_PAGE_SIZE,
        });
        return {
          view: "person-timeline.njk",
          context: timelineContext(page, filter),
          disclosure: page.disclosure,
        };
      }),
  );

  app.get<PersonParams>(
    "/people/:personId/care-team",
    { schema: { params: personParams } },
    (request, reply) =>
      personPage(request, reply, async () => {
        const page = await request.reader.personCareTeam(request.params.personId);
        return { view: "person-care-team.njk", context: careTeamContext(page), disclosure: page.disclosure };
      }),
  );

  app.get<PersonParams>("/people/:personId/records", { schema: { params: personParams } }, (request, reply) =>
    personPage(request, reply, async () => {
      const page = await request.reader.personSourceRecords(request.params.personId);
      return { view: "person-records.njk", context: recordsContext(page), disclosure: page.disclosure };
    }),
  );

  app.get<PersonParams>(
    "/people/:personId/break-glass",
    { schema: { params: personParams } },
    (request, reply) =>
      reply.view(
        "person-break-glass.njk",
        breakGlassContext({
          personId: request.params.personId.toLowerCase(),
          refusal: null,
          identity: signedIn(request),
          csrf: csrfOf(request),
        }),
      ),
  );

  app.post<PersonParams & { Body: { reason?: string } }>(
    "/people/:personId/break-glass",
    { schema: { params: personParams, body: breakGlassForm } },
    async (request, reply) => {
      const personId = request.params.personId.toLowerCase();
      const reason = request.body.reason ?? "";
      const identity = signedIn(request);
      if (reason.trim() === "") {
        return reply.status(400).view(
          "person-break-glass.njk",
          breakGlassContext({
            personId,
            refusal: null,
            identity,
            csrf: csrfOf(request),
            error: "Enter why you need to see this record now",
            reasonValue: reason,
          }),
        );
      }
      try {
        await request.reader.breakGlass(personId, reason);
      } catch (error) {
        if (!(error instanceof AccessDenied)) throw error;
        const aboutReason = /break-glass reason/.test(error.decision.reason);
        return reply.status(aboutReason ? 400 : 403).view(
          "person-break-glass.njk",
          breakGlassContext({
            personId,
            refusal: aboutReason ? null : error.decision.reason,
            identity,
            csrf: csrfOf(request),
            error: aboutReason ? capitalise(error.decision.reason) : null,
            reasonValue: reason,
          }),
        );
      }
      return reply.redirect(`/people/${personId}`, 303);
    },
  );
}

const capitalise = (s: string) => `${s[0].toUpperCase()}${s.slice(1)}`;
