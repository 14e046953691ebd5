// Contexts for the administrator's pages (users, one user, a new user, a one-time password, teams): shared
// by the routes in routes/admin.ts and the pages' fixtures. Account data only.
import type { RolePolicy, TeamWithMembers, UserDetail, UserPage, UserQuery } from "../../governance/index.ts";
import { previousNext } from "./pagination.ts";

const ADMIN_CRUMBS = [{ href: "/", text: "Home" }];
const USERS_CRUMBS = [...ADMIN_CRUMBS, { href: "/admin/users", text: "Users" }];

/** A problem with one field of a form: the error summary links to it, the field shows it. */
export interface FieldError {
  field: string;
  text: string;
}

export const STATUS_TAGS: Record<string, { text: string; classes: string }> = {
  active: { text: "Active", classes: "nhsuk-tag--green" },
  locked: { text: "Locked", classes: "nhsuk-tag--red" },
  disabled: { text: "Disabled", classes: "nhsuk-tag--grey" },
};

export const DONE_MESSAGES = {
  created: "The account was created.",
  "role-assigned": "The role was given.",
  "role-removed": "The role was removed. Sessions acting in it have ended.",
  locked: "The account is locked. Its sessions and API tokens stopped working.",
  unlocked: "The account is unlocked.",
  "team-created": "The team was created.",
} as const;
export type DoneKey = keyof typeof DONE_MESSAGES;

const TEAM_KIND_NAMES: Record<string, string> = {
  practice: "GP practice",
  "locality-mdt": "Locality MDT",
  "provider-service": "Provider service",
  commissioning: "Commissioning",
  corporate: "Corporate",
};

/** The error summary's list: each problem linking to its field. */
const errorList = (errors: FieldError[] | undefined) =>
  (errors ?? []).map((e) => ({ text: e.text, href: `#${e.field}` }));

const fieldErrorsOf = (errors: FieldError[] | undefined, fields: string[]) =>
  Object.fromEntries(fields.map((f) => [f, errors?.find((e) => e.field === f)?.text]));

export const teamKindName = (kind: string) => TEAM_KIND_NAMES[kind] ?? kind;

/** Options for a select: a first empty choice, then each value, the chosen one selected. */
function options(
  first: string,
  values: { value: string; text: string }[],
  chosen: string | undefined,
): { value: string; text: string; selected?: boolean }[] {
  return [{ value: "", text: first }, ...values.map((v) => ({ ...v, selected: v.value === chosen }))];
}

const roleOptions = (roles: RolePolicy[], chosen: string | undefined, first: string) =>
  options(
    first,
    roles.map((r) => ({ value: r.roleCode, text: r.name })),
    chosen,
  );

const teamOptions = (teams: TeamWithMembers[], chosen: string | undefined, first: string) =>
  options(
    first,
    teams.map((t) => ({ value: t.teamCode, text: `${t.name} (${t.teamCode})` })),
    chosen,
  );

/** The URL of the users list with this query and page, empty values left out. */
export function usersHref(query: UserQuery, page: number): string {
  const params = new URLSearchParams();
  if (query.text) params.set("q", query.text);
  if (query.roleCode) params.set("role", query.roleCode);
  if (query.teamCode) params.set("team", query.teamCode);
  if (query.status) params.set("status", query.status);
  if (page > 1) params.set("page", String(page));
  const s = params.toString();
  return s ? `/admin/users?${s}` : "/admin/users";
}

export function usersContext(
  result: UserPage,
  query: UserQuery,
  roles: RolePolicy[],
  teams: TeamWithMembers[],
) {
  const pages = Math.max(1, Math.ceil(result.total / result.pageSize));
  const first = result.total === 0 ? 0 : (result.page - 1) * result.pageSize + 1;
  const last = Math.min(result.total, result.page * result.pageSize);
  const filtered = Boolean(query.text || query.roleCode || query.teamCode || query.status);
  return {
    title: "Users",
    breadcrumbs: ADMIN_CRUMBS,
    query: { text: query.text ?? "" },
    roleItems: roleOptions(roles, query.roleCode, "Any role"),
    teamItems: teamOptions(teams, query.teamCode, "Any team"),
    statusItems: options(
      "Any status",
      Object.entries(STATUS_TAGS).map(([value, t]) => ({ value, text: t.text })),
      query.status,
    ),
    filtered,
    total: result.total,
    showing: result.total === 0 ? "" : `Showing ${first} to ${last} of ${result.total}`,
    users: result.users.map((u) => ({
      href: `/admin/users/${encodeURIComponent(u.username)}`,
      username: u.username,
      displayName: u.displayName,
      status: u.lockedUntil ? { text: "Locked out", classes: "nhsuk-tag--orange" } : STATUS_TAGS[u.status],
      roles: u.roles.map((r) => `${r.roleName} in ${r.teamName}`),
      signIn: signInWords(u.signIn),
    })),
    ...previousNext(
      result.page,
      pages,
      (p) => usersHref(query, p),
      (p) => `${p} of ${pages}`,
    ),
  };
}

function signInWords(signIn: ("password" | "oidc")[]): string {
  if (signIn.length === 0) return "Cannot sign in yet";
  return signIn.map((s) => (s === "password" ? "Password" : "OpenID Connect")).join(" and ");
}

const when = (iso: string | null) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : "Never");

export function userContext(
  user: UserDetail,
  roles: RolePolicy[],
  teams: TeamWithMembers[],
  state: {
    csrf: string;
    done?: DoneKey;
    errors?: FieldError[];
    roleCode?: string;
    teamCode?: string;
    self?: boolean;
  },
) {
  const status = user.lockedUntil
    ? { text: `Locked out until ${when(user.lockedUntil)}`, classes: "nhsuk-tag--orange" }
    : STATUS_TAGS[user.status];
  const base = `/admin/users/${encodeURIComponent(user.username)}`;
  return {
    title: `${user.displayName} – Users`,
    breadcrumbs: USERS_CRUMBS,
    csrf: state.csrf,
    done: state.done ? DONE_MESSAGES[state.done] : null,
    errorList: errorList(state.errors),
    fieldErrors: fieldErrorsOf(state.errors, ["roleCode"]),
    user: {
      username: user.username,
      displayName: user.displayName,
      locked: user.status === "locked" || user.lockedUntil !== null,
      self: state.self ?? false,
      hasPassword: user.signIn.includes("password"),
    },
    status,
    summaryRows: [
      { key: { text: "Username" }, value: { text: user.username } },
      { key: { text: "Signs in with" }, value: { text: signInWords(user.signIn) } },
      { key: { text: "Account created" }, value: { text: when(user.createdAt) } },
      { key: { text: "Password last set" }, value: { text: when(user.passwordChangedAt) } },
      { key: { text: "Wrong passwords in a row" }, value: { text: String(user.failedSignIns) } },
      { key: { text: "Sessions open" }, value: { text: String(user.activeSessions) } },
      { key: { text: "Last signed in" }, value: { text: when(user.lastSessionAt) } },
      { key: { text: "API tokens in use" }, value: { text: String(user.activeTokens) } },
    ],
    roles: user.roles.map((r) => ({
      ...r,
      granted: `${when(r.grantedAt)} by ${r.grantedBy}`,
    })),
    actions: {
      assign: `${base}/roles`,
      remove: `${base}/roles/remove`,
      lock: `${base}/lock`,
      unlock: `${base}/unlock`,
      reset: `${base}/reset-password`,
    },
    roleItems: roleOptions(roles, state.roleCode, "Choose a role"),
    teamItems: teamOptions(teams, state.teamCode, "Choose a team"),
  };
}

export interface NewUserForm {
  username?: string;
  displayName?: string;
  signIn?: "password" | "oidc";
  roleCode?: string;
  teamCode?: string;
}

export function newUserContext(
  roles: RolePolicy[],
  teams: TeamWithMembers[],
  state: { csrf: string; form?: NewUserForm; errors?: FieldError[] },
) {
  const form = state.form ?? {};
  return {
    title: "Create a user – Users",
    breadcrumbs: USERS_CRUMBS,
    csrf: state.csrf,
    errorList: errorList(state.errors),
    form: { username: form.username ?? "", displayName: form.displayName ?? "" },
    fieldErrors: fieldErrorsOf(state.errors, ["displayName", "username", "signIn", "roleCode", "teamCode"]),
    signInItems: [
      {
        value: "password",
        text: "Password",
        hint: { text: "OnePlace makes a one-time password for you to give them." },
        checked: (form.signIn ?? "password") === "password",
      },
      {
        value: "oidc",
        text: "OpenID Connect only",
        hint: { text: "They sign in through the place's identity provider with this username." },
        checked: form.signIn === "oidc",
      },
    ],
    roleItems: roleOptions(roles, form.roleCode, "Choose a role"),
    teamItems: teamOptions(teams, form.teamCode, "Choose a team"),
  };
}

export function passwordContext(
  who: { username: string; displayName: string },
  password: string,
  created: boolean,
) {
  return {
    title: `${created ? "Account created" : "Password reset"} – Users`,
    breadcrumbs: USERS_CRUMBS,
    heading: created ? `Account created for ${who.displayName}` : `New password for ${who.displayName}`,
    username: who.username,
    href: `/admin/users/${encodeURIComponent(who.username)}`,
    password,
    created,
  };
}

export function teamsContext(
  teams: TeamWithMembers[],
  state: { csrf: string; done?: DoneKey; errors?: FieldError[]; form?: Record<string, string> },
) {
  const form = state.form ?? {};
  return {
    title: "Teams",
    breadcrumbs: ADMIN_CRUMBS,
    csrf: state.csrf,
    done: state.done ? DONE_MESSAGES[state.done] : null,
    errorList: errorList(state.errors),
    teams: teams.map((t) => ({
      ...t,
      kindName: teamKindName(t.kind),
      organisation: t.orgName ? `${t.orgName} (${t.orgCode})` : (t.orgCode ?? "–"),
      membersHref: `/admin/users?team=${encodeURIComponent(t.teamCode)}`,
    })),
    form: { teamCode: form.teamCode ?? "", name: form.name ?? "", orgCode: form.orgCode ?? "" },
    fieldErrors: fieldErrorsOf(state.errors, ["teamCode", "name", "kind", "orgCode"]),
    kindItems: options(
      "Choose a kind",
      Object.entries(TEAM_KIND_NAMES).map(([value, text]) => ({ value, text })),
      form.kind,
    ),
  };
}
