import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { GovernanceError } from "../../governance/errors.ts";
import { listRoles } from "../../governance/roles.ts";
import type { Operator } from "../../governance/security-events.ts";
import { API_TOKEN_MAX_DAYS, createApiToken, revokeApiToken } from "../../governance/sessions.ts";
import { PURPOSES, type Purpose, TEAM_KINDS } from "../../governance/types.ts";
import {
  assignRole,
  createTeam,
  createUser,
  listTeams,
  listUsers,
  lockUser,
  removeRole,
  resetPassword,
  unlockUser,
} from "../../governance/users.ts";
import { type Command, intOption, type ParsedArgs, usageHint } from "../command.ts";
import { out, outJson, withDb } from "../context.ts";
import { CliError, EXIT_USAGE } from "../errors.ts";

/** Who is acting at the command line: the operating-system user, recorded in the audit trail. */
export function cliOperator(): Operator {
  let name = "unknown";
  try {
    name = userInfo().username;
  } catch {}
  return { userId: null, name: `cli:${name}`, channel: "cli" };
}

function usage(command: string, message: string): CliError {
  return new CliError(message, { exitCode: EXIT_USAGE, hint: usageHint(command) });
}

function one(args: ParsedArgs, command: string, what: string): string {
  if (args.positionals.length !== 1) throw usage(command, `Give exactly one ${what}.`);
  return args.positionals[0];
}

function need(args: ParsedArgs, command: string, option: string): string {
  const value = args.values[option];
  if (typeof value !== "string" || !value.trim()) throw usage(command, `--${option} is required.`);
  return value.trim();
}

/** Passwords never travel on the command line (where ps and shell history would see them). */
async function readPassword(args: ParsedArgs, command: string, required: boolean): Promise<string | null> {
  const file = args.values["password-file"];
  const stdin = args.values["password-stdin"] === true;
  if (typeof file === "string" && stdin)
    throw usage(command, "Give --password-file or --password-stdin, not both.");
  if (typeof file === "string") {
    try {
      return readFileSync(file, "utf8").replace(/\r?\n$/, "");
    } catch {
      throw new CliError(`Cannot read the password file ${file}.`);
    }
  }
  if (stdin) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks)
      .toString("utf8")
      .replace(/\r?\n$/, "");
  }
  if (required) throw usage(command, "Give the password with --password-file <file> or --password-stdin.");
  return null;
}

/** Governance errors are the user's to fix: show them as CLI errors with their hint. */
async function governed<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof GovernanceError) throw new CliError(error.message, { hint: error.hint });
    throw error;
  }
}

const json = { type: "boolean", description: "Print the result as JSON" } as const;
const passwordOptions = {
  "password-file": {
    type: "string",
    valueName: "file",
    description: "Read the password from this file (first line)",
  },
  "password-stdin": { type: "boolean", description: "Read the password from standard input" },
} as const;
const roleTeam = {
  role: { type: "string", valueName: "role", description: "Role code (see 'oneplace users roles')" },
  team: { type: "string", valueName: "team", description: "Team code (see 'oneplace users teams')" },
} as const;

export const usersCreate: Command = {
  name: "users create",
  summary: "Create a user account. The password comes from a file or standard input, never the command line.",
  usage:
    "oneplace users create <username> --name <display name> (--password-file <file> | --password-stdin | --oidc-only)",
  allowPositionals: true,
  options: {
    name: { type: "string", valueName: "text", description: "The person's name as shown in OnePlace" },
    ...passwordOptions,
    "oidc-only": {
      type: "boolean",
      description: "No password: the user signs in through OpenID Connect only",
    },
    json,
  },
  async run(args) {
    const username = one(args, this.name, "username");
    const name = need(args, this.name, "name");
    const oidcOnly = args.values["oidc-only"] === true;
    const password = await readPassword(args, this.name, !oidcOnly);
    if (oidcOnly && password !== null) throw usage(this.name, "--oidc-only takes no password.");
    return withDb(
      (db) =>
        governed(async () => {
          const { userId } = await createUser(db, cliOperator(), { username, displayName: name, password });
          if (args.values.json) outJson({ userId, username });
          else
            out(
              `Created user ${username}. Give them a role with 'oneplace users assign-role ${username} --role <role> --team <team>'.`,
            );
          return 0;
        }),
      { migrate: true },
    );
  },
};

export const usersList: Command = {
  name: "users list",
  summary: "List user accounts with their status and roles.",
  usage: "oneplace users list [--json]",
  options: { json },
  async run({ values }) {
    return withDb(
      async (db) => {
        const users = await listUsers(db);
        if (values.json) outJson(users);
        else if (users.length === 0) out("No users yet: create one with 'oneplace users create'.");
        else {
          for (const u of users) {
            const state =
              u.status !== "active" ? u.status : u.lockedUntil ? `locked until ${u.lockedUntil}` : "active";
            const roles = u.roles.map((r) => `${r.roleCode}@${r.teamCode}`).join(", ") || "no roles";
            out(`${u.username.padEnd(24)} ${state.padEnd(10)} ${u.signIn.join("+").padEnd(14)} ${roles}`);
          }
        }
        return 0;
      },
      { migrate: true },
    );
  },
};

export const usersRoles: Command = {
  name: "users roles",
  summary: "List the roles and what each may do with personal data.",
  usage: "oneplace users roles [--json]",
  options: { json },
  async run({ values }) {
    return withDb(
      async (db) => {
        const roles = await listRoles(db);
        if (values.json) outJson(roles);
        else for (const r of roles) out(`${r.roleCode.padEnd(26)} ${r.name}: ${r.description}`);
        return 0;
      },
      { migrate: true },
    );
  },
};

export const usersTeams: Command = {
  name: "users teams",
  summary: "List the teams (practices, locality MDTs, provider services and others).",
  usage: "oneplace users teams [--json]",
  options: { json },
  async run({ values }) {
    return withDb(
      async (db) => {
        const teams = await listTeams(db);
        if (values.json) outJson(teams);
        else if (teams.length === 0) out("No teams yet: create one with 'oneplace users create-team'.");
        else
          for (const t of teams)
            out(`${t.teamCode.padEnd(26)} ${t.kind.padEnd(17)} ${(t.orgCode ?? "").padEnd(8)} ${t.name}`);
        return 0;
      },
      { migrate: true },
    );
  },
};

export const usersCreateTeam: Command = {
  name: "users create-team",
  summary: "Create a team: a practice, a locality MDT, a provider service, commissioning or corporate.",
  usage: `oneplace users create-team <code> --name <name> --kind <${TEAM_KINDS.join("|")}> [--org <organisation code>]`,
  allowPositionals: true,
  options: {
    name: { type: "string", valueName: "text", description: "The team's name" },
    kind: { type: "string", valueName: "kind", description: `One of ${TEAM_KINDS.join(", ")}` },
    org: {
      type: "string",
      valueName: "code",
      description: "Organisation code the team belongs to (a practice's code for a practice)",
    },
    json,
  },
  async run(args) {
    const code = one(args, this.name, "team code");
    const name = need(args, this.name, "name");
    const kind = need(args, this.name, "kind");
    const org = typeof args.values.org === "string" ? args.values.org : null;
    return withDb(
      (db) =>
        governed(async () => {
          const team = await createTeam(db, cliOperator(), { teamCode: code, name, kind, orgCode: org });
          if (args.values.json) outJson(team);
          else out(`Created team ${team.teamCode} (${team.kind}).`);
          return 0;
        }),
      { migrate: true },
    );
  },
};

function roleCommand(verb: "assign-role" | "remove-role"): Command {
  return {
    name: `users ${verb}`,
    summary:
      verb === "assign-role"
        ? "Give a user a role in a team."
        : "Take a role in a team away from a user; their sessions and tokens in it end.",
    usage: `oneplace users ${verb} <username> --role <role> --team <team>`,
    allowPositionals: true,
    options: { ...roleTeam },
    async run(args) {
      const username = one(args, this.name, "username");
      const role = need(args, this.name, "role");
      const team = need(args, this.name, "team");
      return withDb(
        (db) =>
          governed(async () => {
            if (verb === "assign-role") await assignRole(db, cliOperator(), username, role, team);
            else await removeRole(db, cliOperator(), username, role, team);
            out(
              verb === "assign-role"
                ? `${username} is now ${role} in ${team}.`
                : `${username} is no longer ${role} in ${team}.`,
            );
            return 0;
          }),
        { migrate: true },
      );
    },
  };
}
export const usersAssignRole = roleCommand("assign-role");
export const usersRemoveRole = roleCommand("remove-role");

export const usersResetPassword: Command = {
  name: "users reset-password",
  summary: "Set a new password, clear a sign-in lockout and end the user's sessions.",
  usage: "oneplace users reset-password <username> (--password-file <file> | --password-stdin)",
  allowPositionals: true,
  options: { ...passwordOptions },
  async run(args) {
    const username = one(args, this.name, "username");
    const password = (await readPassword(args, this.name, true)) as string;
    return withDb(
      (db) =>
        governed(async () => {
          await resetPassword(db, cliOperator(), username, password);
          out(`Password reset for ${username}; their sessions have ended.`);
          return 0;
        }),
      { migrate: true },
    );
  },
};

function lockCommand(verb: "lock" | "unlock"): Command {
  return {
    name: `users ${verb}`,
    summary:
      verb === "lock"
        ? "Lock an account: no sign-in, and its sessions end now."
        : "Unlock an account, including a lockout after failed sign-ins.",
    usage: `oneplace users ${verb} <username>`,
    allowPositionals: true,
    options: {},
    async run(args) {
      const username = one(args, this.name, "username");
      return withDb(
        (db) =>
          governed(async () => {
            if (verb === "lock") await lockUser(db, cliOperator(), username);
            else await unlockUser(db, cliOperator(), username);
            out(`${username} is ${verb}ed.`);
            return 0;
          }),
        { migrate: true },
      );
    },
  };
}
export const usersLock = lockCommand("lock");
export const usersUnlock = lockCommand("unlock");

export const usersCreateToken: Command = {
  name: "users create-token",
  summary: "Create a bearer token for a system using the API, acting as a user in one role. Shown once.",
  usage:
    "oneplace users create-token <username> --role <role> --team <team> --name <label> [--days 90] [--purpose <purpose>] [--json]",
  allowPositionals: true,
  options: {
    ...roleTeam,
    name: {
      type: "string",
      valueName: "label",
      description: "What the token is for, e.g. the system's name",
    },
    days: {
      type: "string",
      valueName: "N",
      description: `Days until it expires (1 to ${API_TOKEN_MAX_DAYS}; default 90)`,
    },
    purpose: {
      type: "string",
      valueName: "purpose",
      description: `Purpose of use (${PURPOSES.join(", ")}; default the role's first)`,
    },
    json,
  },
  async run(args) {
    const username = one(args, this.name, "username");
    const role = need(args, this.name, "role");
    const team = need(args, this.name, "team");
    const name = need(args, this.name, "name");
    const days = intOption(args.values.days, "days", 1, API_TOKEN_MAX_DAYS) ?? 90;
    const purpose = args.values.purpose as string | undefined;
    if (purpose !== undefined && !(PURPOSES as readonly string[]).includes(purpose)) {
      throw usage(this.name, `--purpose must be one of ${PURPOSES.join(", ")}.`);
    }
    return withDb(
      (db) =>
        governed(async () => {
          const created = await createApiToken(db, cliOperator(), {
            username,
            roleCode: role,
            teamCode: team,
            name,
            days,
            purpose: purpose as Purpose | undefined,
          });
          if (args.values.json)
            outJson({
              tokenId: created.tokenId,
              token: created.token,
              expiresAt: created.expiresAt.toISOString(),
            });
          else {
            out(
              `Token ${created.tokenId} for ${username} as ${role} in ${team}, until ${created.expiresAt.toISOString()}:`,
            );
            out(created.token);
            out(
              "It is shown only now: OnePlace keeps only a hash of it. Send it as 'Authorization: Bearer <token>'.",
            );
          }
          return 0;
        }),
      { migrate: true },
    );
  },
};

export const usersRevokeToken: Command = {
  name: "users revoke-token",
  summary: "Revoke an API token by its id.",
  usage: "oneplace users revoke-token <token-id>",
  allowPositionals: true,
  options: {},
  async run(args) {
    const tokenId = one(args, this.name, "token id");
    return withDb(
      async (db) => {
        if (!(await revokeApiToken(db, cliOperator(), tokenId)))
          throw new CliError(`No active token ${tokenId}.`);
        out(`Token ${tokenId} revoked.`);
        return 0;
      },
      { migrate: true },
    );
  },
};

export const USER_COMMANDS: readonly Command[] = [
  usersCreate,
  usersList,
  usersRoles,
  usersTeams,
  usersCreateTeam,
  usersAssignRole,
  usersRemoveRole,
  usersResetPassword,
  usersLock,
  usersUnlock,
  usersCreateToken,
  usersRevokeToken,
];
