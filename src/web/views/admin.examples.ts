// Example account data for the administrator pages' fixtures (made-up staff, no person in care).
import type { RolePolicy, TeamWithMembers, UserDetail } from "../../governance/index.ts";

const role = (roleCode: string, name: string, mayManageUsers = false): RolePolicy => ({
  roleCode,
  name,
  description: name,
  purposes: ["direct-care"],
  accessBasis: "relationship",
  relationshipKinds: [],
  actions: [],
  mayBreakGlass: false,
  mayManageUsers,
  mayReadAudit: false,
});

export const EXAMPLE_ROLES: RolePolicy[] = [
  role("administrator", "Administrator", true),
  role("community-clinician", "Community clinician"),
  role("gp", "GP"),
];

export const EXAMPLE_TEAMS: TeamWithMembers[] = [
  {
    teamId: "00000000-0000-4000-8000-000000000001",
    teamCode: "practice-Z90001",
    name: "Riverside practice team",
    kind: "practice",
    orgCode: "Z90001",
    orgName: "Riverside (synthetic)",
    members: 2,
  },
  {
    teamId: "00000000-0000-4000-8000-000000000002",
    teamCode: "community-nursing",
    name: "Community nursing",
    kind: "provider-service",
    orgCode: "ZZC01",
    orgName: "Estuary Community Health NHS Trust (synthetic)",
    members: 14,
  },
];

export const EXAMPLE_USER: UserDetail = {
  userId: "00000000-0000-4000-8000-0000000000a1",
  username: "demo.nurse",
  displayName: "Sarah Okoye",
  status: "active",
  lockedUntil: null,
  signIn: ["password"],
  roles: [
    {
      roleCode: "community-clinician",
      roleName: "Community clinician",
      teamCode: "community-nursing",
      teamName: "Community nursing",
      grantedAt: "2026-01-05T09:30:00.000Z",
      grantedBy: "cli:demo",
    },
  ],
  createdAt: "2026-01-05T09:30:00.000Z",
  passwordChangedAt: "2026-01-05T09:30:00.000Z",
  failedSignIns: 0,
  activeSessions: 1,
  lastSessionAt: "2026-01-06T08:02:00.000Z",
  activeTokens: 0,
};
