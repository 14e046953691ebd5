// The governance API for the signed-in user: who am I, act in another role, break glass, and the first
// routes that read personal data, each through the one choke point (withPersonAccess,
// filterPeopleForAccess, queryPseudonymisedPeople). Later faces follow the same pattern.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AccessDenied, decideAccess, filterPeopleForAccess, withPersonAccess } from "../governance/access.ts";
import { GovernanceError } from "../governance/errors.ts";
import { pseudonymKeysFromEnv } from "../governance/pseudonym-keys.ts";
import { type CohortQuery, queryPseudonymisedPeople } from "../governance/pseudonymised-queries.ts";
import { listAssignments } from "../governance/roles.ts";
import { csrfTokenFor, switchSessionRole } from "../governance/sessions.ts";
import { PURPOSES, type Purpose } from "../governance/types.ts";
import type { Db } from "../store/db.ts";
import { accessContextOf } from "./auth.ts";

const UUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$";
const personParams = {
  type: "object",
  required: ["personId"],
  properties: { personId: { type: "string", pattern: UUID } },
  additionalProperties: false,
} as const;

const actingAsBody = {
  type: "object",
  required: ["roleCode", "teamCode", "purpose"],
  properties: {
    roleCode: { type: "string", maxLength: 64 },
    teamCode: { type: "string", maxLength: 64 },
    purpose: { type: "string", enum: [...PURPOSES] },
    _csrf: { type: "string", maxLength: 100 },
  },
  additionalProperties: false,
} as const;

const breakGlassBody = {
  type: "object",
  required: ["reason"],
  properties: {
    reason: { type: "string", minLength: 1, maxLength: 1_000 },
    _csrf: { type: "string", maxLength: 100 },
  },
  additionalProperties: false,
} as const;

const cohortBody = {
  type: "object",
  properties: {
    sex: { type: "string", enum: ["female", "male", "other", "unknown"] },
    minAge: { type: "integer", minimum: 0, maximum: 130 },
    maxAge: { type: "integer", minimum: 0, maximum: 130 },
    localityCode: { type: "string", pattern: "^[A-Za-z0-9]{1,16}$" },
    practiceCode: { type: "string", pattern: "^[A-Za-z0-9]{1,16}$" },
    areaCode: { type: "string", pattern: "^[A-Za-z0-9]{1,16}$" },
    maxImdDecile: { type: "integer", minimum: 1, maximum: 10 },
    limit: { type: "integer", minimum: 1, maximum: 10_000 },
    export: { type: "boolean" },
    _csrf: { type: "string", maxLength: 100 },
  },
  additionalProperties: false,
} as const;

function problem(reply: FastifyReply, status: number, detail: string): FastifyReply {
  const title = status === 403 ? "Forbidden" : status === 404 ? "Not found" : "Bad request";
  return reply
    .status(status)
    .type("application/problem+json")
    .send({ type: "about:blank", title, status, detail });
}

async function governed(reply: FastifyReply, fn: () => Promise<unknown>): Promise<unknown> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof AccessDenied) return problem(reply, 403, error.decision.reason);
    if (error instanceof GovernanceError) return problem(reply, 400, error.message);
    throw error;
  }
}

export function registerGovernedApi(app: FastifyInstance, options: { db: Db }): void {
  const { db } = options;
  const ctxOf = (request: FastifyRequest) => {
    const ctx = accessContextOf(request, db);
    if (!ctx) throw new Error("route reached without an identity");
    return ctx;
  };

  app.get("/api/me", async (request) => {
    const identity = request.identity;
    if (!identity) throw new Error("route reached without an identity");
    const roles = await listAssignments(db, identity.user.userId);
    return {
      username: identity.user.username,
      displayName: identity.user.displayName,
      via: identity.via,
      actingAs: {
        roleCode: identity.roleAssignment.role.roleCode,
        teamCode: identity.roleAssignment.team.teamCode,
        purpose: identity.purpose,
      },
      roles: roles.map((a) => ({
        roleCode: a.role.roleCode,
        teamCode: a.team.teamCode,
        purposes: a.role.purposes,
      })),
      // Scripts using a session send this back as x-csrf-token on POST.
      csrfToken: request.sessionToken ? csrfTokenFor(request.sessionToken) : null,
    };
  });

  app.post<{ Body: { roleCode: string; teamCode: string; purpose: Purpose } }>(
    "/api/me/acting-as",
    { schema: { body: actingAsBody } },
    async (request, reply) => {
      const identity = request.identity;
      if (!identity?.sessionId)
        return problem(reply, 400, "An API token acts in the one role it was made for.");
      const switched = await switchSessionRole(db, identity.sessionId, identity.user.userId, request.body);
      if (!switched) return problem(reply, 403, "You do not hold that role in that team for that purpose.");
      return { actingAs: request.body };
    },
  );

  app.post<{ Params: { personId: string }; Body: { reason: string } }>(
    "/api/people/:personId/break-glass",
    { schema: { params: personParams, body: breakGlassBody } },
    (request, reply) =>
      governed(reply, async () => {
        const decision = await decideAccess({
          ...ctxOf(request),
          person: request.params.personId,
          action: "view",
          breakGlass: { reason: request.body.reason },
        });
        if (!decision.allow) return problem(reply, 403, decision.reason);
        return reply
          .status(201)
          .send({ allowed: true, relationship: decision.relationship, breakGlassId: decision.breakGlassId });
      }),
  );

  app.get<{ Params: { personId: string } }>(
    "/api/people/:personId",
    { schema: { params: personParams } },
    (request, reply) =>
      governed(reply, () =>
        withPersonAccess(ctxOf(request), request.params.personId, "view", async (decision) => {
          const rows = await db.query(
            `SELECT p.person_id, p.nhs_number, p.given_name, p.family_name, p.birth_date, p.sex, p.postcode,
                  (SELECT practice_code FROM registration r WHERE r.person_id = p.person_id AND r.deregistered_on IS NULL
                    ORDER BY registered_on DESC LIMIT 1) AS practice_code
             FROM person p WHERE p.person_id = $1`,
            [request.params.personId],
          );
          const p = rows[0];
          return {
            personId: p.person_id,
            nhsNumber: p.nhs_number,
            name: { given: p.given_name, family: p.family_name },
            birthDate: p.birth_date,
            sex: p.sex,
            postcode: p.postcode,
            practiceCode: p.practice_code,
            disclosure: decision.disclosure,
            relationship: decision.relationship,
          };
        }),
      ),
  );

  /** The practice register of the user's team, filtered person by person (for the MDT). */
  app.get("/api/register", (request, reply) =>
    governed(reply, async () => {
      const ctx = ctxOf(request);
      const { team } = ctx.roleAssignment;
      if (team.kind !== "practice" || !team.orgCode)
        return problem(reply, 400, "A register belongs to a practice team.");
      const candidates = await db.query<{ person_id: string }>(
        "SELECT DISTINCT person_id FROM registration WHERE practice_code = $1 AND deregistered_on IS NULL LIMIT 100000",
        [team.orgCode],
      );
      const { allowed } = await filterPeopleForAccess(
        ctx,
        candidates.map((c) => c.person_id),
        "list",
      );
      const rows = await db.query(
        `SELECT person_id, nhs_number, given_name, family_name, birth_date FROM person
          WHERE person_id = ANY ($1::uuid[]) ORDER BY family_name, given_name`,
        [allowed],
      );
      return rows.map((p) => ({
        personId: p.person_id,
        nhsNumber: p.nhs_number,
        name: { given: p.given_name, family: p.family_name },
        birthDate: p.birth_date,
      }));
    }),
  );

  const keys = pseudonymKeysFromEnv();
  app.post<{ Body: CohortQuery & { export?: boolean } }>(
    "/api/commissioning/cohort",
    { schema: { body: cohortBody } },
    (request, reply) =>
      governed(reply, async () => {
        const { export: asExport, ...query } = request.body;
        delete (query as { _csrf?: string })._csrf;
        return queryPseudonymisedPeople(ctxOf(request), query, keys, asExport ? "export" : "search");
      }),
  );
}
