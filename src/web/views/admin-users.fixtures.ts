// Example contexts for admin-users.njk: no users match, a full page with more pages, and a filtered list.
import { usersContext } from "./admin.context.ts";
import { EXAMPLE_ROLES, EXAMPLE_TEAMS, EXAMPLE_USER } from "./admin.examples.ts";
import type { ViewFixture } from "./fixtures.ts";

const locked = {
  ...EXAMPLE_USER,
  username: "dr.hill",
  displayName: "Dr Ann Hill",
  status: "locked" as const,
};
const noRole = {
  ...EXAMPLE_USER,
  username: "new.starter",
  displayName: "New Starter",
  roles: [],
  signIn: [],
};

export const fixtures: ViewFixture[] = [
  {
    name: "no users match the filters",
    context: usersContext(
      { users: [], total: 0, page: 1, pageSize: 50 },
      { text: "nobody" },
      EXAMPLE_ROLES,
      EXAMPLE_TEAMS,
    ),
  },
  {
    name: "a page of users with more pages",
    context: usersContext(
      { users: [EXAMPLE_USER, locked, noRole], total: 120, page: 2, pageSize: 50 },
      {},
      EXAMPLE_ROLES,
      EXAMPLE_TEAMS,
    ),
  },
  {
    name: "filtered by role and team",
    context: usersContext(
      { users: [EXAMPLE_USER], total: 1, page: 1, pageSize: 50 },
      { roleCode: "community-clinician", teamCode: "community-nursing", status: "active" },
      EXAMPLE_ROLES,
      EXAMPLE_TEAMS,
    ),
  },
];
