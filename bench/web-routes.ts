// The pages bench/web-pages.ts drives: one row per page, as the role that uses it. Every engineer appends
// the pages they build here (keep one row per page and role; add a row per role only where the page differs
// by role). The bench signs in as the demo user holding `role` (one per role, seeded by `oneplace demo`'s
// identities) and GETs `path` with 8 concurrent users, printing p50/p95/p99 server time per row.
//
// `path` may hold placeholders the bench fills from the place and the signed-in demo user:
//   :personId      a person this user may see (on their practice register, caseload or care team)
//   :longestPersonId the person with the longest history (most events) this user may see
//   :nhsNumber     that person's NHS Number (10 digits, no spaces)
//   :practiceCode  the demo practice (the GP's and MDT coordinator's team's organisation)
//   :localityCode  the demo practice's locality
//   :cohortId      a saved cohort, if the place has one (the row is skipped otherwise)
//   :username      another demo user's username (for the administrator pages)
//   :itemId, :rejectId, :breakGlassId, :notificationId  the first open one, if any (skipped otherwise)
// Targets at Thurrock scale (8 concurrent users): every page p95 ≤ 150 ms; `target` overrides per row.

export interface WebRoute {
  /** Short label printed in the results table, e.g. "person summary". */
  name: string;
  /** The app_role.role_code of the demo user who opens the page. */
  role: string;
  /** The URL path and query, with placeholders (see above). */
  path: string;
  /** p95 target in milliseconds; 150 when absent. */
  target?: number;
}

export const WEB_ROUTES: WebRoute[] = [
  // H1 shell & home
  { name: "home (GP)", role: "gp", path: "/" },
  { name: "home (MDT coordinator)", role: "practice-mdt-coordinator", path: "/" },
  { name: "home (community nurse)", role: "community-clinician", path: "/" },
  { name: "home (social worker)", role: "social-worker", path: "/" },
  { name: "home (integration engineer)", role: "integration-engineer", path: "/" },
  { name: "home (IG officer)", role: "ig-officer", path: "/" },
  { name: "home (commissioner)", role: "commissioner-analyst", path: "/" },
  { name: "home (administrator)", role: "administrator", path: "/" },
  { name: "switch role", role: "gp", path: "/account/role" },
  { name: "status", role: "gp", path: "/status" },
  // H2 administration
  { name: "admin users", role: "administrator", path: "/admin/users" },
  { name: "admin user", role: "administrator", path: "/admin/users/:username" },
  { name: "admin teams", role: "administrator", path: "/admin/teams" },
];
