// What layout.njk shows around every page: the account area (who is signed in, as what, in which team;
// switch role when they hold several; sign out) and the primary navigation, whose links follow the role's
// policy (its access basis and flags) and the team's kind rather than a list of role codes, so a new role
// gets the navigation its policy implies. The views plugin adds this to every reply.view context.
import type { Identity, RolePolicy, Team } from "../../governance/index.ts";

export interface NavItem {
  href: string;
  text: string;
  /** This is the page (or the section) being shown: aria-current and the highlighted item. */
  current?: boolean;
}

export interface Account {
  displayName: string;
  username: string;
  roleName: string;
  teamName: string;
  purpose: string;
  /** The user holds more than one role (or team): show "Switch role". */
  canSwitchRole: boolean;
  /** Signed in with a session (a bearer token cannot sign out or switch from a page). */
  viaSession: boolean;
  /** The session's CSRF token, for the sign-out form in the header. */
  csrf: string | null;
}

/** What the layout needs, as the views plugin builds it from the request. */
export interface ShellContext {
  account: Account | null;
  navigation: NavItem[];
}

/** The links of the primary navigation for a role in a team, in order (home first). */
export function navigationFor(role: RolePolicy, team: Team): NavItem[] {
  const items: NavItem[] = [{ href: "/", text: "Home" }];
  switch (role.accessBasis) {
    case "relationship":
      items.push({ href: "/find", text: "Find a person" });
      if (team.kind === "practice" && team.orgCode)
        items.push({ href: `/registers/practice/${encodeURIComponent(team.orgCode)}`, text: "Register" });
      else if (team.kind === "locality-mdt" && team.orgCode)
        items.push({ href: `/registers/locality/${encodeURIComponent(team.orgCode)}`, text: "Register" });
      else items.push({ href: "/registers", text: "Registers" });
      items.push(
        { href: "/notifications", text: "Notifications" },
        { href: "/care/worklist", text: "Worklist" },
        { href: "/care/services", text: "Services" },
      );
      // A practice or locality MDT holds MDT meetings.
      if ((team.kind === "practice" || team.kind === "locality-mdt") && team.orgCode)
        items.push({ href: "/care/mdt", text: "MDT meetings" });
      break;
    case "identity-admin":
      items.push(
        { href: "/find", text: "Find a person" },
        { href: "/mpi/review", text: "Review queue" },
        { href: "/rejects", text: "Rejects" },
        { href: "/feeds", text: "Feed health" },
      );
      break;
    case "pseudonymised":
      items.push({ href: "/analytics/model", text: "Risk model report" });
      break;
    default:
      break;
  }
  if (role.mayReadAudit) {
    items.push(
      { href: "/ig/break-glass", text: "Break-glass reviews" },
      { href: "/ig/audit", text: "Audit search" },
    );
  }
  if (role.mayManageUsers) {
    items.push({ href: "/admin/users", text: "Users" }, { href: "/admin/teams", text: "Teams" });
  }
  return items;
}

/** Marks the item whose link is the longest prefix of the path (home only on the home page itself). */
export function markCurrent(items: NavItem[], path: string): NavItem[] {
  const bare = path.split(/[?#]/)[0];
  const sectionOf = (href: string) =>
    href === "/" ? bare === "/" : bare === href || bare.startsWith(`${href}/`);
  let best: NavItem | null = null;
  for (const item of items)
    if (sectionOf(item.href) && (!best || item.href.length > best.href.length)) best = item;
  return items.map((item) => (item === best ? { ...item, current: true } : item));
}

/** The layout's context for a signed-in identity (or none), on the page at `path`. */
export function shellContext(
  identity: Identity | null,
  path: string,
  options: { heldRoles?: number | null; csrf?: string | null } = {},
): ShellContext {
  if (!identity) return { account: null, navigation: [] };
  const { role, team } = identity.roleAssignment;
  return {
    account: {
      displayName: identity.user.displayName,
      username: identity.user.username,
      roleName: role.name,
      teamName: team.name,
      purpose: identity.purpose,
      canSwitchRole: identity.via === "session" && (options.heldRoles ?? 0) > 1,
      viaSession: identity.via === "session",
      csrf: options.csrf ?? null,
    },
    navigation: markCurrent(navigationFor(role, team), path),
  };
}
