// Who am I, and act in another role I hold. Account data, not personal data about the people in care:
// these routes pass the database handle to governance's functions and never query it.
import type { FastifyInstance } from "fastify";
import { forbidden, invalid } from "../../core/errors.ts";
import {
  csrfTokenFor,
  listAssignments,
  PURPOSES,
  type Purpose,
  switchSessionRole,
} from "../../governance/index.ts";
import type { Db } from "../../platform/index.ts";
import { accountRoleContext } from "../views/account-role.context.ts";
import { closedObject, csrfField } from "./schemas.ts";

const actingAsBody = closedObject(
  {
    roleCode: { type: "string", maxLength: 64 },
    teamCode: { type: "string", maxLength: 64 },
    purpose: { type: "string", enum: [...PURPOSES] },
    ...csrfField,
  },
  ["roleCode", "teamCode", "purpose"],
);

const switchRoleBody = closedObject({ choice: { type: "string", maxLength: 200 }, ...csrfField }, []);

function signedIn<T>(identity: T | null): T {
  if (!identity) throw new Error("route reached without an identity");
  return identity;
}

export async function meRoutes(app: FastifyInstance, options: { db: Db }): Promise<void> {
  const { db } = options;

  app.get("/api/me", async (request) => {
    const identity = signedIn(request.identity);
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

  app.post<{ Body: { roleCode: string; teamCode: string; purpose: Purpose; _csrf?: string } }>(
    "/api/me/acting-as",
    { schema: { body: actingAsBody } },
    async (request) => {
      const identity = signedIn(request.identity);
      if (!identity.sessionId)
        throw invalid("web.token-role-fixed", "An API token acts in the one role it was made for.");
      const { roleCode, teamCode, purpose } = request.body;
      const actingAs = { roleCode, teamCode, purpose };
      if (!(await switchSessionRole(db, identity.sessionId, identity.user.userId, actingAs)))
        throw forbidden("web.role-not-held", "You do not hold that role in that team for that purpose.");
      return { actingAs };
    },
  );

  // The same switch as a page, for people: each role held, in each team, for each purpose, as a radio.
  app.get("/account/role", async (request, reply) => {
    const identity = signedIn(request.identity);
    if (!request.sessionToken)
      throw invalid("web.token-role-fixed", "An API token acts in the one role it was made for.");
    const held = await listAssignments(db, identity.user.userId);
    return reply
      .header("cache-control", "no-store")
      .view("account-role.njk", accountRoleContext(held, identity, csrfTokenFor(request.sessionToken)));
  });

  app.post<{ Body: { choice?: string; _csrf?: string } }>(
    "/account/role",
    { schema: { body: switchRoleBody } },
    async (request, reply) => {
      const identity = signedIn(request.identity);
      if (!identity.sessionId || !request.sessionToken)
        throw invalid("web.token-role-fixed", "An API token acts in the one role it was made for.");
      const [roleCode, teamCode, purpose] = (request.body.choice ?? "").split(" ");
      const chosen = roleCode && teamCode && (PURPOSES as readonly string[]).includes(purpose);
      if (
        chosen &&
        (await switchSessionRole(db, identity.sessionId, identity.user.userId, {
          roleCode,
          teamCode,
          purpose: purpose as Purpose,
        }))
      ) {
        return reply.redirect("/", 303);
      }
      const held = await listAssignments(db, identity.user.userId);
      const error = chosen
        ? "You do not hold that role in that team: choose one of these"
        : "Choose the role you are working in";
      return reply
        .status(400)
        .view(
          "account-role.njk",
          accountRoleContext(held, identity, csrfTokenFor(request.sessionToken), error),
        );
    },
  );
}
