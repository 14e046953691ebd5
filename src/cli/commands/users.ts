import { readFileSync } from "node:fs";
import {
  API_TOKEN_MAX_DAYS,
  assignRole,
  createApiToken,
  createTeam,
  createUser,
  listRoles,
  listTeams,
  listUsers,
  lockUser,
  PURPOSES,
  removeRole,
  resetPassword,
  revokeApiToken,
  TEAM_KINDS,
  unlockUser,
} from "../../governance/index.ts";
import type { Db } from "../../platform/index.ts";
import { choice, defineCommand, flag, int, type Params, path, text, type Values } from "../command.ts";
import { cliOperator, out, outJson, print } from "../context.ts";
import { invalid, notFound, usageError } from "../errors.ts";
import { json } from "../options.ts";
import { defineReport } from "../report.ts";

const username = { username: text("The user's username", { valueName: "username", required: true }) };
const passwordOptions = {
  "password-file": path("Read the password from this file (first line)"),
  "password-stdin": flag("Read the password from standard input"),
};
const roleTeam = {
  role: text("Role code (see 'oneplace users roles')", { valueName: "role", required: true }),
  team: text("Team code (see 'oneplace users teams')", { valueName: "team", required: true }),
};

/** Passwords never travel on the command line (where ps and shell history would see them). */
async function readPassword(
  options: { "password-file": string | undefined; "password-stdin": boolean },
  required: boolean,
): Promise<string | null> {
  const file = options["password-file"];
  if (file !== undefined && options["password-stdin"])
    throw usageError("Give --password-file or --password-stdin, not both.");
  if (file !== undefined) {
    try {
      return readFileSync(file, "utf8").replace(/\r?\n$/, "");
    } catch {
      throw invalid("cli.password-file", `Cannot read the password file ${file}.`);
    }
  }
  if (options["password-stdin"]) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks)
      .toString("utf8")
      .replace(/\r?\n$/, "");
  }
  if (required) throw usageError("Give the password with --password-file <file> or --password-stdin.");
  return null;
}

export const usersCreate = defineCommand({
  name: "users create",
  summary: "Create a user account. The password comes from a file or standard input, never the command line.",
  usage:
    "oneplace users create <username> --name <display name> (--password-file <file> | --password-stdin | --oidc-only)",
  args: username,
  options: {
    name: text("The person's name as shown in OnePlace", { required: true }),
    ...passwordOptions,
    "oidc-only": flag("No password: the user signs in through OpenID Connect only"),
    json,
  },
  db: "migrated",
  async run({ options, args, db }) {
    const password = await readPassword(options, !options["oidc-only"]);
    if (options["oidc-only"] && password !== null) throw usageError("--oidc-only takes no password.");
    const { userId } = await createUser(db, cliOperator(), {
      username: args.username,
      displayName: options.name,
      password,
    });
    if (options.json) outJson({ userId, username: args.username });
    else
      out(
        `Created user ${args.username}. Give them a role with 'oneplace users assign-role ${args.username} --role <role> --team <team>'.`,
      );
    return 0;
  },
});

export const usersList = defineReport({
  name: "users list",
  summary: "List user accounts with their status and roles.",
  options: { json },
  load: ({ db }) => listUsers(db),
  empty: "No users yet: create one with 'oneplace users create'.",
  show: (users) =>
    users.map((u) => {
      const state =
        u.status !== "active" ? u.status : u.lockedUntil ? `locked until ${u.lockedUntil}` : "active";
      const roles = u.roles.map((r) => `${r.roleCode}@${r.teamCode}`).join(", ") || "no roles";
      return `${u.username.padEnd(24)} ${state.padEnd(10)} ${u.signIn.join("+").padEnd(14)} ${roles}`;
    }),
});

export const usersRoles = defineReport({
  name: "users roles",
  summary: "List the roles and what each may do with personal data.",
  options: { json },
  load: ({ db }) => listRoles(db),
  show: (roles) => roles.map((r) => `${r.roleCode.padEnd(26)} ${r.name}: ${r.description}`),
});

export const usersTeams = defineReport({
  name: "users teams",
  summary: "List the teams (practices, locality MDTs, provider services and others).",
  options: { json },
  load: ({ db }) => listTeams(db),
  empty: "No teams yet: create one with 'oneplace users create-team'.",
  show: (teams) =>
    teams.map(
      (t) => `${t.teamCode.padEnd(26)} ${t.kind.padEnd(17)} ${(t.orgCode ?? "").padEnd(8)} ${t.name}`,
    ),
});

export const usersCreateTeam = defineCommand({
  name: "users create-team",
  summary: "Create a team: a practice, a locality MDT, a provider service, commissioning or corporate.",
  args: { code: text("The team's code", { valueName: "code", required: true }) },
  options: {
    name: text("The team's name", { required: true }),
    // Checked by the capability, whose message names the kinds.
    kind: text(`One of ${TEAM_KINDS.join(", ")}`, { valueName: "kind", required: true }),
    org: text("Organisation code the team belongs to (a practice's code for a practice)", {
      valueName: "code",
    }),
    json,
  },
  db: "migrated",
  async run({ options, args, db }) {
    const team = await createTeam(db, cliOperator(), {
      teamCode: args.code,
      name: options.name,
      kind: options.kind,
      orgCode: options.org ?? null,
    });
    return print(options.json, team, `Created team ${team.teamCode} (${team.kind}).`);
  },
});

/** A change to one account, said in one line: the user is the argument, `options` what else it takes. */
function userChange<const O extends Params>(
  verb: string,
  summary: string,
  options: O,
  change: (db: Db, username: string, options: Values<O>) => Promise<unknown>,
  said: (username: string, options: Values<O>) => string,
) {
  return defineReport({
    name: `users ${verb}`,
    summary,
    args: username,
    options,
    load: ({ options, args, db }) => change(db, args.username, options),
    show: (_, { options, args }) => said(args.username, options),
  });
}

export const usersAssignRole = userChange(
  "assign-role",
  "Give a user a role in a team.",
  roleTeam,
  (db, user, { role, team }) => assignRole(db, cliOperator(), user, role, team),
  (user, { role, team }) => `${user} is now ${role} in ${team}.`,
);
export const usersRemoveRole = userChange(
  "remove-role",
  "Take a role in a team away from a user; their sessions and tokens in it end.",
  roleTeam,
  (db, user, { role, team }) => removeRole(db, cliOperator(), user, role, team),
  (user, { role, team }) => `${user} is no longer ${role} in ${team}.`,
);
export const usersResetPassword = userChange(
  "reset-password",
  "Set a new password, clear a sign-in lockout and end the user's sessions.",
  passwordOptions,
  async (db, user, options) =>
    resetPassword(db, cliOperator(), user, (await readPassword(options, true)) as string),
  (user) => `Password reset for ${user}; their sessions have ended.`,
);
export const usersLock = userChange(
  "lock",
  "Lock an account: no sign-in, and its sessions end now.",
  {},
  (db, user) => lockUser(db, cliOperator(), user),
  (user) => `${user} is locked.`,
);
export const usersUnlock = userChange(
  "unlock",
  "Unlock an account, including a lockout after failed sign-ins.",
  {},
  (db, user) => unlockUser(db, cliOperator(), user),
  (user) => `${user} is unlocked.`,
);

export const usersCreateToken = defineReport({
  name: "users create-token",
  summary: "Create a bearer token for a system using the API, acting as a user in one role. Shown once.",
  args: username,
  options: {
    ...roleTeam,
    name: text("What the token is for, e.g. the system's name", { valueName: "label", required: true }),
    days: int(`Days until it expires (1 to ${API_TOKEN_MAX_DAYS}; default 90)`, {
      min: 1,
      max: API_TOKEN_MAX_DAYS,
      default: 90,
    }),
    purpose: choice(PURPOSES, "Purpose of use (default the role's first)"),
    json,
  },
  async load({ options, args, db }) {
    const created = await createApiToken(db, cliOperator(), {
      username: args.username,
      roleCode: options.role,
      teamCode: options.team,
      name: options.name,
      days: options.days,
      purpose: options.purpose,
    });
    return { tokenId: created.tokenId, token: created.token, expiresAt: created.expiresAt.toISOString() };
  },
  show: ({ tokenId, token, expiresAt }, { options, args }) => [
    `Token ${tokenId} for ${args.username} as ${options.role} in ${options.team}, until ${expiresAt}:`,
    token,
    "It is shown only now: OnePlace keeps only a hash of it. Send it as 'Authorization: Bearer <token>'.",
  ],
});

export const usersRevokeToken = defineCommand({
  name: "users revoke-token",
  summary: "Revoke an API token by its id.",
  args: { id: text("The token's id", { valueName: "token-id", required: true }) },
  options: {},
  db: "migrated",
  async run({ args, db }) {
    if (!(await revokeApiToken(db, cliOperator(), args.id)))
      throw notFound("cli.no-token", `No active token ${args.id}.`);
    out(`Token ${args.id} revoked.`);
    return 0;
  },
});
