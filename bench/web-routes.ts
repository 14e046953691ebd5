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
  // H3 find a person. One match by NHS Number answers 303 to the person's record (the search is what is
  // timed, not the record). The by-name rows need two placeholders more, filled from the :personId person:
  // :personName their given and family name ("Jane Smith", URL-encoded) and :birthDate (YYYY-MM-DD).
  { name: "find (form)", role: "gp", path: "/find" },
  { name: "find by NHS Number", role: "gp", path: "/find?nhsNumber=:nhsNumber", target: 30 },
  { name: "find by NHS Number (API)", role: "gp", path: "/api/find?nhsNumber=:nhsNumber", target: 30 },
  { name: "find by name and date of birth", role: "gp", path: "/find?name=:personName&birthDate=:birthDate" },
  {
    name: "find by name and date of birth (social worker)",
    role: "social-worker",
    path: "/find?name=:personName&birthDate=:birthDate",
  },
  // H4 person single view (the longest history is the target the issue sets: ≤ 100 ms p95)
  { name: "person summary (longest history)", role: "gp", path: "/people/:longestPersonId", target: 100 },
  { name: "person summary", role: "gp", path: "/people/:personId", target: 100 },
  { name: "person timeline (longest history)", role: "gp", path: "/people/:longestPersonId/timeline" },
  {
    name: "person timeline filtered, page 2",
    role: "gp",
    path: "/people/:longestPersonId/timeline?kind=gp-entry&page=2",
  },
  { name: "person care team", role: "gp", path: "/people/:longestPersonId/care-team" },
  { name: "person records", role: "gp", path: "/people/:longestPersonId/records" },
  { name: "person summary (social worker)", role: "social-worker", path: "/people/:personId", target: 100 },
  {
    name: "person records (integration engineer)",
    role: "integration-engineer",
    path: "/people/:personId/records",
  },
  { name: "break-glass form", role: "social-worker", path: "/people/:personId/break-glass" },
  // H5 registers and the model report
  { name: "registers index", role: "gp", path: "/registers" },
  { name: "practice register by tier", role: "gp", path: "/registers/practice/:practiceCode" },
  {
    name: "practice register by name, page 20",
    role: "gp",
    path: "/registers/practice/:practiceCode?sort=name&page=20",
  },
  {
    name: "practice register filtered",
    role: "practice-mdt-coordinator",
    path: "/registers/practice/:practiceCode?tier=very-high&tier=high&noJointPlan=yes&sort=admission",
  },
  { name: "locality register", role: "gp", path: "/registers/locality/:localityCode" },
  { name: "cohort register", role: "gp", path: "/registers/cohort/:cohortId" },
  {
    name: "practice register CSV export",
    role: "practice-mdt-coordinator",
    path: "/registers/practice/:practiceCode?format=csv",
  },
  { name: "risk model report", role: "commissioner-analyst", path: "/analytics/model" },
  // H6 no unknown patients (notifications): the lead professional's and the MDT coordinator's inbox
  { name: "notifications (GP)", role: "gp", path: "/notifications" },
  { name: "notifications (MDT coordinator)", role: "practice-mdt-coordinator", path: "/notifications" },
  {
    name: "notifications API (community clinician)",
    role: "community-clinician",
    path: "/api/me/notifications",
  },
  // H7 back office (integration engineer)
  { name: "MPI review queue", role: "integration-engineer", path: "/mpi/review" },
  { name: "MPI review item", role: "integration-engineer", path: "/mpi/review/:itemId" },
  { name: "MPI history", role: "integration-engineer", path: "/mpi/people/:longestPersonId/history" },
  { name: "rejects", role: "integration-engineer", path: "/rejects" },
  { name: "rejects filtered", role: "integration-engineer", path: "/rejects?status=all&reason=code" },
  { name: "reject", role: "integration-engineer", path: "/rejects/:rejectId" },
  { name: "feed health", role: "integration-engineer", path: "/feeds" },
  // H8 information governance
  { name: "IG break-glass list", role: "ig-officer", path: "/ig/break-glass" },
  { name: "IG break-glass review", role: "ig-officer", path: "/ig/break-glass/:breakGlassId" },
  { name: "IG audit by NHS Number", role: "ig-officer", path: "/ig/audit?nhsNumber=:nhsNumber" },
  { name: "IG audit by user", role: "ig-officer", path: "/ig/audit?username=:username" },
  { name: "sharing choices", role: "gp", path: "/people/:personId/sharing" },
];
