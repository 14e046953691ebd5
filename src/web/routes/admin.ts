// The administrator's pages: the user directory (search, filter, page), one account (its roles given and
// removed, lock and unlock, a new password), a new account, and the teams (list, create). Everything goes
// through request.reader's admin methods, which refuse (audited) any role that does not manage users and
// audit every look and change. Forms post with the CSRF field and redirect after success (303), so a
// reload never repeats a change; a one-time password is shown once, on the answer to the POST, never cached.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { invalid, isOnePlaceError, type OnePlaceError } from "../../core/errors.ts";
import { csrfTokenFor, type UserQuery } from "../../governance/index.ts";
import {
  DONE_MESSAGES,
  type DoneKey,
  type FieldError,
  type NewUserForm,
  newUserContext,
  passwordContext,
  teamsContext,
  userContext,
  usersContext,
} from "../views/admin.context.ts";
import { closedObject, csrfField } from "./schemas.ts";

const USERNAME = { type: "string", pattern: "^[a-z0-9][a-z0-9._@-]{1,99}$" } as const;
const CODE = { type: "string", maxLength: 64 } as const;
const DONE = { type: "string", enum: Object.keys(DONE_MESSAGES) } as const;

const usersQuery = closedObject({
  q: { type: "string", maxLength: 100 },
  role: CODE,
  team: CODE,
  status: { type: "string", enum: ["", "active", "locked", "disabled"] },
  page: { type: "integer", minimum: 1, maximum: 10_000 },
});
const userParams = closedObject({ username: USERNAME }, ["username"]);
const doneQuery = closedObject({ done: DONE });
const roleBody = closedObject({ roleCode: CODE, teamCode: CODE, ...csrfField });
const emptyBody = closedObject({ ...csrfField });
const newUserBody = closedObject({
  username: { type: "string", maxLength: 100 },
  displayName: { type: "string", maxLength: 200 },
  signIn: { type: "string", enum: ["password", "oidc"] },
  roleCode: CODE,
  teamCode: CODE,
  ...csrfField,
});
const teamBody = closedObject({
  teamCode: { type: "string", maxLength: 100 },
  name: { type: "string", maxLength: 200 },
  kind: { type: "string", maxLength: 64 },
  orgCode: { type: "string", maxLength: 20 },
  ...csrfField,
});

type UsersQuery = { q?: string; role?: string; team?: string; status?: string; page?: number };
type UserParams = { Params: { username: string } };
type RoleBody = { roleCode?: string; teamCode?: string };

const csrfOf = (request: FastifyRequest) => (request.sessionToken ? csrfTokenFor(request.sessionToken) : "");

/** A problem the administrator can put right (bad input, a conflict, something missing), not a refusal. */
function correctable(error: unknown): error is OnePlaceError {
  return isOnePlaceError(error) && error.kind !== "forbidden" && error.kind !== "unavailable";
}

const STATUS_OF_KIND = { invalid: 400, conflict: 409, "not-found": 404 } as Record<string, number>;

/** The sentence for the error summary: the message with a capital letter, and the hint after it. */
function sentence(error: OnePlaceError): string {
  const text = error.message.charAt(0).toUpperCase() + error.message.slice(1);
  return error.hint ? `${text}. ${error.hint}` : `${text}.`;
}

/** Which field of a form an error from governance belongs to, by its code and words. */
function fieldOf(error: OnePlaceError, fields: Record<string, RegExp>, fallback: string): string {
  for (const [field, pattern] of Object.entries(fields))
    if (pattern.test(`${error.code} ${error.message}`)) return field;
  return fallback;
}

function required(
  values: Record<string, string | undefined>,
  messages: Record<string, string>,
): FieldError[] {
  return Object.entries(messages)
    .filter(([field]) => !values[field]?.trim())
    .map(([field, text]) => ({ field, text }));
}

const done = (reply: FastifyReply, href: string, key: DoneKey) =>
  reply.redirect(`${href}${href.includes("?") ? "&" : "?"}done=${key}`, 303);

export async function adminRoutes(app: FastifyInstance): Promise<void> {
  directoryRoutes(app);
  accountRoutes(app);
  teamRoutes(app);
}

/** The user directory, and a new account. */
function directoryRoutes(app: FastifyInstance): void {
  app.get<{ Querystring: UsersQuery }>(
    "/admin/users",
    { schema: { querystring: usersQuery } },
    async (request, reply) => {
      const { q, role, team, status, page } = request.query;
      const query: UserQuery = {
        text: q?.trim() || undefined,
        roleCode: role || undefined,
        teamCode: team || undefined,
        status: (status || undefined) as UserQuery["status"],
        page: page ?? 1,
        pageSize: 50,
      };
      const reader = request.reader;
      const result = await reader.adminUsers(query);
      const [roles, teams] = [await reader.adminRoles(), await reader.adminTeams()];
      return reply.view("admin-users.njk", usersContext(result, query, roles, teams));
    },
  );

  const renderNewUser = async (
    request: FastifyRequest,
    reply: FastifyReply,
    form?: NewUserForm,
    errors?: FieldError[],
  ) => {
    const roles = await request.reader.adminRoles();
    const teams = await request.reader.adminTeams();
    return reply.view(
      "admin-user-new.njk",
      newUserContext(roles, teams, { csrf: csrfOf(request), form, errors }),
    );
  };

  app.get("/admin/users/new", (request, reply) => renderNewUser(request, reply));

  app.post<{ Body: NewUserForm & { _csrf?: string } }>(
    "/admin/users",
    { schema: { body: newUserBody } },
    async (request, reply) => {
      const form: NewUserForm = { ...request.body, username: request.body.username?.trim().toLowerCase() };
      const errors = required(form as Record<string, string | undefined>, {
        displayName: "Enter the person's full name",
        username: "Enter a username",
        roleCode: "Choose a role",
        teamCode: "Choose a team",
      });
      // /admin/users/new is the form: a user called "new" could never open their own page.
      if (form.username === "new")
        errors.push({ field: "username", text: "The username new is reserved: choose another" });
      if (errors.length > 0) return renderNewUser(request, reply.status(400), form, errors);
      try {
        const { password } = await request.reader.adminCreateUser({
          username: form.username as string,
          displayName: form.displayName as string,
          signIn: form.signIn ?? "password",
          roleCode: form.roleCode as string,
          teamCode: form.teamCode as string,
        });
        const href = `/admin/users/${encodeURIComponent(form.username as string)}`;
        if (!password) return done(reply, href, "created");
        reply.header("cache-control", "no-store");
        return reply.view(
          "admin-password.njk",
          passwordContext(
            { username: form.username as string, displayName: form.displayName as string },
            password,
            true,
          ),
        );
      } catch (error) {
        if (!correctable(error)) throw error;
        const field = fieldOf(
          error,
          { username: /user|username/, roleCode: /role/, teamCode: /team/, displayName: /name/ },
          "username",
        );
        return renderNewUser(request, reply.status(STATUS_OF_KIND[error.kind] ?? 400), form, [
          { field, text: sentence(error) },
        ]);
      }
    },
  );
}

/** One account: its page, and the changes made from it. */
function accountRoutes(app: FastifyInstance): void {
  const renderUser = async (
    request: FastifyRequest,
    reply: FastifyReply,
    username: string,
    state: { done?: DoneKey; errors?: FieldError[]; roleCode?: string; teamCode?: string } = {},
  ) => {
    const user = await request.reader.adminUser(username);
    const roles = await request.reader.adminRoles();
    const teams = await request.reader.adminTeams();
    return reply.view(
      "admin-user.njk",
      userContext(user, roles, teams, {
        ...state,
        csrf: csrfOf(request),
        self: request.identity?.user.username === username,
      }),
    );
  };

  app.get<UserParams & { Querystring: { done?: DoneKey } }>(
    "/admin/users/:username",
    { schema: { params: userParams, querystring: doneQuery } },
    (request, reply) => renderUser(request, reply, request.params.username, { done: request.query.done }),
  );

  /** A change to one account from its page: on success back to the page, on a problem the page with it. */
  const change = (
    path: string,
    schema: object,
    act: (request: FastifyRequest<UserParams & { Body: RoleBody }>) => Promise<DoneKey>,
    field: string,
  ) =>
    app.post<UserParams & { Body: RoleBody }>(
      `/admin/users/:username${path}`,
      { schema: { params: userParams, body: schema } },
      async (request, reply) => {
        const { username } = request.params;
        try {
          const key = await act(request);
          return done(reply, `/admin/users/${encodeURIComponent(username)}`, key);
        } catch (error) {
          if (!correctable(error)) throw error;
          return renderUser(request, reply.status(STATUS_OF_KIND[error.kind] ?? 400), username, {
            errors: [{ field, text: sentence(error) }],
            roleCode: request.body.roleCode,
            teamCode: request.body.teamCode,
          });
        }
      },
    );

  change(
    "/roles",
    roleBody,
    async (request) => {
      const { roleCode, teamCode } = request.body;
      if (!roleCode) throw missing("Choose a role to give");
      if (!teamCode) throw missing("Choose the team they hold it in");
      await request.reader.adminAssignRole(request.params.username, roleCode, teamCode);
      return "role-assigned";
    },
    "roleCode",
  );
  change(
    "/roles/remove",
    roleBody,
    async (request) => {
      const { roleCode, teamCode } = request.body;
      if (!roleCode || !teamCode) throw missing("Say which role to remove");
      await request.reader.adminRemoveRole(request.params.username, roleCode, teamCode);
      return "role-removed";
    },
    "roleCode",
  );
  change(
    "/lock",
    emptyBody,
    async (request) => {
      await request.reader.adminLockUser(request.params.username);
      return "locked";
    },
    "account",
  );
  change(
    "/unlock",
    emptyBody,
    async (request) => {
      await request.reader.adminUnlockUser(request.params.username);
      return "unlocked";
    },
    "account",
  );

  app.post<UserParams>(
    "/admin/users/:username/reset-password",
    { schema: { params: userParams, body: emptyBody } },
    async (request, reply) => {
      const { username } = request.params;
      const password = await request.reader.adminResetPassword(username);
      const user = await request.reader.adminUser(username);
      reply.header("cache-control", "no-store");
      return reply.view("admin-password.njk", passwordContext(user, password, false));
    },
  );
}

/** The teams: the list and a new team. */
function teamRoutes(app: FastifyInstance): void {
  const renderTeams = async (
    request: FastifyRequest,
    reply: FastifyReply,
    state: { done?: DoneKey; errors?: FieldError[]; form?: Record<string, string> } = {},
  ) => {
    const teams = await request.reader.adminTeams();
    return reply.view("admin-teams.njk", teamsContext(teams, { ...state, csrf: csrfOf(request) }));
  };

  app.get<{ Querystring: { done?: DoneKey } }>(
    "/admin/teams",
    { schema: { querystring: doneQuery } },
    (request, reply) => renderTeams(request, reply, { done: request.query.done }),
  );

  app.post<{ Body: Record<string, string> }>(
    "/admin/teams",
    { schema: { body: teamBody } },
    async (request, reply) => {
      const { _csrf, ...form } = request.body;
      const errors = required(form, {
        name: "Enter the team's name",
        teamCode: "Enter a team code",
        kind: "Choose what kind of team it is",
      });
      if (errors.length > 0) return renderTeams(request, reply.status(400), { errors, form });
      try {
        await request.reader.adminCreateTeam({
          teamCode: form.teamCode.trim(),
          name: form.name,
          kind: form.kind,
          orgCode: form.orgCode?.trim().toUpperCase() || null,
        });
        return done(reply, "/admin/teams", "team-created");
      } catch (error) {
        if (!correctable(error)) throw error;
        const field = fieldOf(error, { teamCode: /code|exists/, kind: /kind/, name: /name/ }, "teamCode");
        return renderTeams(request, reply.status(STATUS_OF_KIND[error.kind] ?? 400), {
          errors: [{ field, text: sentence(error) }],
          form,
        });
      }
    },
  );
}

const missing = (text: string) => invalid("web.missing-field", text);
