// What fixtures spread into a page's context to render it as a signed-in user would see it: the account
// area and the navigation the views plugin adds in the running service. `FIXTURE_SHELL` is a GP in a
// practice team; `fixtureShell(roleCode)` any seeded role. Not a page: layout.njk has no fixtures of its own.
import type { Identity, RolePolicy, Team, TeamKind } from "../../governance/index.ts";
import { type ShellContext, shellContext } from "./layout.context.ts";

type Basis = RolePolicy["accessBasis"];

/** The seeded roles (0200_roles_teams_users.sql), as much of them as the layout and fixtures need. */
const ROLES: Record<
  string,
  [name: string, basis: Basis, purpose: RolePolicy["purposes"][number], flags?: string]
> = {
  gp: ["GP", "relationship", "direct-care", "break-glass"],
  "practice-mdt-coordinator": ["Practice MDT coordinator", "relationship", "direct-care"],
  "community-clinician": ["Community clinician", "relationship", "direct-care", "break-glass"],
  "mental-health-clinician": ["Mental health clinician", "relationship", "direct-care", "break-glass"],
  "social-worker": ["Social worker", "relationship", "direct-care", "break-glass"],
  "reablement-worker": ["Reablement worker", "relationship", "direct-care"],
  "local-area-coordinator": ["Local Area Coordinator", "relationship", "direct-care"],
  "hospital-discharge-team": ["Hospital discharge team", "relationship", "direct-care", "break-glass"],
  "commissioner-analyst": ["Commissioner or analyst", "pseudonymised", "commissioning"],
  "finance-programme-lead": ["Finance and programme lead", "aggregate", "commissioning"],
  "hwb-board-member": ["Health and Wellbeing Board member", "aggregate", "commissioning"],
  "integration-engineer": ["Integration engineer", "identity-admin", "administration"],
  "ig-officer": ["Information governance officer", "none", "administration", "audit"],
  administrator: ["Administrator", "none", "administration", "users"],
};

const TEAM_OF_ROLE: Record<string, TeamKind> = {
  gp: "practice",
  "practice-mdt-coordinator": "practice",
  "commissioner-analyst": "commissioning",
  "finance-programme-lead": "commissioning",
  "hwb-board-member": "commissioning",
  "integration-engineer": "corporate",
  "ig-officer": "corporate",
  administrator: "corporate",
};

const TEAMS: Record<TeamKind, [code: string, name: string, org: string | null]> = {
  practice: ["F81001", "Riverside Surgery", "F81001"],
  "locality-mdt": ["mdt-grays", "Grays locality MDT", "GRAYS"],
  "provider-service": ["district-nursing", "District nursing", "RWN"],
  commissioning: ["place-commissioning", "Place commissioning", null],
  corporate: ["place-corporate", "Place digital and IG", null],
};

export function fixtureRole(roleCode: string): RolePolicy {
  const [name, accessBasis, purpose, flags = ""] = ROLES[roleCode] ?? ROLES.gp;
  return {
    roleCode,
    name,
    description: `${name}: an example role.`,
    purposes: [purpose],
    accessBasis,
    relationshipKinds: accessBasis === "relationship" ? ["caseload", "care-team", "referral"] : [],
    actions: accessBasis === "relationship" ? ["view", "search", "list", "change"] : [],
    mayBreakGlass: flags === "break-glass",
    mayManageUsers: flags === "users",
    mayReadAudit: flags === "audit",
  };
}

export function fixtureTeam(kind: TeamKind): Team {
  const [teamCode, name, orgCode] = TEAMS[kind];
  return {
    teamId: `00000000-0000-4000-8000-00000000000${TEAM_KINDS_ORDER.indexOf(kind)}`,
    teamCode,
    name,
    kind,
    orgCode,
  };
}

const TEAM_KINDS_ORDER: TeamKind[] = [
  "practice",
  "locality-mdt",
  "provider-service",
  "commissioning",
  "corporate",
];

export function fixtureIdentity(roleCode: string): Identity {
  const role = fixtureRole(roleCode);
  return {
    user: {
      userId: "00000000-0000-4000-8000-0000000000aa",
      username: "example.user",
      status: "active",
      displayName: "Alex Example",
    },
    roleAssignment: { role, team: fixtureTeam(TEAM_OF_ROLE[roleCode] ?? "provider-service") },
    purpose: role.purposes[0],
    via: "session",
    sessionId: "00000000-0000-4000-8000-0000000000bb",
    heldRoles: 2,
  };
}

/** The layout's context for a user in the role, with two roles held (so "Switch role" shows). */
export function fixtureShell(roleCode: string, path = "/"): ShellContext {
  return shellContext(fixtureIdentity(roleCode), path, { heldRoles: 2, csrf: "fixture-csrf" });
}

/** A GP in a practice team, on the home page. */
export const FIXTURE_SHELL: ShellContext = fixtureShell("gp");

export const FIXTURE_ROLES: readonly string[] = Object.keys(ROLES);
