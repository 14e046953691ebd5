// The access-control matrix: every role × every relationship state × every kind of access, with the
// answer each must get. One table, checked against docs/governance.md, and a runner that any face (the
// decision itself, the set filter, the web API, later the FHIR API) can be put through.
import assert from "node:assert/strict";
import { after, before } from "node:test";
import { createApiToken } from "../../src/governance/sessions.ts";
import { ACTIONS, type AccessContext, type Action, type Disclosure } from "../../src/governance/types.ts";
import { createLogger } from "../../src/platform/index.ts";
import type { Db } from "../../src/store/index.ts";
import { createWebServer } from "../../src/web/index.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import type { WebApp, WebServerOptions } from "../web/harness.ts";
import {
  addToCareTeam,
  addToCaseload,
  admit,
  contextFor,
  createTeams,
  createUserInRole,
  grantBreakGlassRow,
  insertOrganisations,
  insertPerson,
  makePerson,
  ORGS,
  recordObjectionRow,
  recordOptOutRow,
  refer,
  register,
  TEST_OPERATOR,
  type TeamKey,
  testAuthConfig,
} from "./fixtures.ts";

/** The relationship states, in the order of the docs' table. */
export const STATES = [
  "none",
  "registered",
  "caseload",
  "care-team",
  "referral",
  "admission",
  "break-glass",
  "objection",
  "objection+break-glass",
  "opt-out",
  "ended",
] as const;
export type State = (typeof STATES)[number];

export const STATE_MEANING: Record<State, string> = {
  none: "no relationship at all",
  registered: "registered now at the matrix practice (Z90001)",
  caseload: "on the user's own caseload in their team",
  "care-team": "the user's team is part of the person's care team",
  referral: "an open referral to the user's team",
  admission: "in hospital now at the matrix acute trust (ZZA01)",
  "break-glass": "no relationship; the user broke glass for this person within the hour",
  objection: "every relationship above, but the person objects to sharing beyond their practice (Z90001)",
  "objection+break-glass": "as objection, and the user broke glass",
  "opt-out": "every relationship above, and a national data opt-out",
  ended:
    "every relationship has ended: deregistered, caseload and care team ended, referral closed, discharged 30 days ago, break-glass expired",
};

/** Each role's matrix user holds it in the team a person in that role would be in. */
export const ROLE_TEAMS: Record<string, TeamKey> = {
  gp: "practice",
  "practice-mdt-coordinator": "practice",
  "community-clinician": "community",
  "mental-health-clinician": "mentalHealth",
  "social-worker": "socialCare",
  "reablement-worker": "reablement",
  "local-area-coordinator": "lac",
  "hospital-discharge-team": "discharge",
  "commissioner-analyst": "commissioning",
  "finance-programme-lead": "commissioning",
  "hwb-board-member": "commissioning",
  "integration-engineer": "service",
  "ig-officer": "service",
  administrator: "service",
};

/**
 * The expected answers. Each string gives view, search, list register, export, change, in that order:
 * Y identifiable record, d demographics only, p pseudonymised only, . denied.
 */
export const EXPECTED: Record<string, Record<State, string>> = {
  gp: row({
    registered: "YYYYY",
    caseload: "YYYYY",
    "care-team": "YYYYY",
    referral: "YYYYY",
    "break-glass": "YY..Y",
    objection: "YYYYY",
    "objection+break-glass": "YYYYY",
    "opt-out": "YYYYY",
  }),
  "practice-mdt-coordinator": row({
    registered: "YYYYY",
    caseload: "YYYYY",
    "care-team": "YYYYY",
    referral: "YYYYY",
    objection: "YYYYY",
    "objection+break-glass": "YYYYY",
    "opt-out": "YYYYY",
  }),
  "community-clinician": row({
    caseload: "YYY.Y",
    "care-team": "YYY.Y",
    referral: "YYY.Y",
    "break-glass": "YY..Y",
    "objection+break-glass": "YY..Y",
    "opt-out": "YYY.Y",
  }),
  "mental-health-clinician": row({
    caseload: "YYY.Y",
    "care-team": "YYY.Y",
    referral: "YYY.Y",
    "break-glass": "YY..Y",
    "objection+break-glass": "YY..Y",
    "opt-out": "YYY.Y",
  }),
  "social-worker": row({
    caseload: "YYY.Y",
    "care-team": "YYY.Y",
    referral: "YYY.Y",
    "break-glass": "YY..Y",
    "objection+break-glass": "YY..Y",
    "opt-out": "YYY.Y",
  }),
  "reablement-worker": row({
    caseload: "YYY.Y",
    "care-team": "YYY.Y",
    referral: "YYY.Y",
    "opt-out": "YYY.Y",
  }),
  "local-area-coordinator": row({ caseload: "YYY.Y", referral: "YYY.Y", "opt-out": "YYY.Y" }),
  "hospital-discharge-team": row({
    caseload: "YYY.Y",
    "care-team": "YYY.Y",
    referral: "YYY.Y",
    admission: "YYY.Y",
    "break-glass": "YY..Y",
    "objection+break-glass": "YY..Y",
    "opt-out": "YYY.Y",
  }),
  "commissioner-analyst": row({
    none: ".ppp.",
    registered: ".ppp.",
    caseload: ".ppp.",
    "care-team": ".ppp.",
    referral: ".ppp.",
    admission: ".ppp.",
    "break-glass": ".ppp.",
    ended: ".ppp.",
  }),
  "finance-programme-lead": row({}),
  "hwb-board-member": row({}),
  "integration-engineer": row(Object.fromEntries(STATES.map((s) => [s, "dd..d"]))),
  "ig-officer": row({}),
  administrator: row({}),
};

function row(cells: Partial<Record<State, string>>): Record<State, string> {
  return Object.fromEntries(STATES.map((s) => [s, cells[s] ?? "....."])) as Record<State, string>;
}

const DISCLOSURE: Record<string, Disclosure | null> = {
  Y: "identifiable",
  d: "demographics",
  p: "pseudonymised",
  ".": null,
};

export function expectedFor(role: string, state: State, action: Action): Disclosure | null {
  return DISCLOSURE[EXPECTED[role][state][ACTIONS.indexOf(action)]];
}

/** The table as it appears in docs/governance.md. */
export function matrixMarkdown(): string {
  const head = `| role | ${STATES.join(" | ")} |`;
  const rule = `|---|${STATES.map(() => "---").join("|")}|`;
  const rows = Object.entries(EXPECTED).map(
    ([role, cells]) => `| ${role} | ${STATES.map((s) => `\`${cells[s]}\``).join(" | ")} |`,
  );
  return [head, rule, ...rows].join("\n");
}

export interface Matrix {
  contexts: Map<string, AccessContext>;
  personByState: Map<State, string>;
  userIds: Map<string, string>;
}

/** Builds the organisations, teams, one user per role, and one person per state. */
export async function setupMatrix(db: Db): Promise<Matrix> {
  await insertOrganisations(db);
  const teams = await createTeams(db);
  const userIds = new Map<string, string>();
  const contexts = new Map<string, AccessContext>();
  for (const [role, team] of Object.entries(ROLE_TEAMS)) {
    const username = `matrix-${role}`;
    userIds.set(role, await createUserInRole(db, username, role, team));
    const purpose =
      role.startsWith("commissioner") || role === "finance-programme-lead" || role === "hwb-board-member"
        ? "commissioning"
        : ["integration-engineer", "ig-officer", "administrator"].includes(role)
          ? "administration"
          : "direct-care";
    contexts.set(role, await contextFor(db, username, role, team, purpose));
  }
  const now = new Date();
  const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000);
  const dayAgo = (n: number) => daysAgo(n).toISOString().slice(0, 10);
  const personByState = new Map<State, string>();
  for (const state of STATES) {
    const p = makePerson({ familyName: `Matrix${state.replace(/[^a-z]/g, "")}` });
    await insertPerson(db, p);
    personByState.set(state, p.personId);
    const id = p.personId;
    const all = state === "objection" || state === "objection+break-glass" || state === "opt-out";
    const ended = state === "ended";
    if (state === "registered" || all) await register(db, id, ORGS.practice);
    if (ended) await register(db, id, ORGS.practice, "2010-01-01", dayAgo(10));
    for (const [role, team] of Object.entries(ROLE_TEAMS)) {
      const userId = userIds.get(role) as string;
      const teamId = teams[team];
      if (state === "caseload" || all) await addToCaseload(db, id, userId, teamId);
      if (ended) await addToCaseload(db, id, userId, teamId, dayAgo(10));
      if (state === "break-glass" || state === "objection+break-glass")
        await grantBreakGlassRow(db, id, userId, role, teamId, now);
      if (ended)
        await grantBreakGlassRow(db, id, userId, role, teamId, new Date(now.getTime() - 3 * 3_600_000));
    }
    for (const teamId of new Set(Object.values(teams))) {
      if (state === "care-team" || all) await addToCareTeam(db, id, teamId);
      if (ended) {
        await db.query(
          `INSERT INTO care_team_member (person_id, membership_id, team_id, started_on, ended_on, source_system, source_record_id, received_at)
           VALUES ($1, gen_random_uuid(), $2, '2015-01-01', $3, 'test', gen_random_uuid()::text, now())`,
          [id, teamId, dayAgo(10)],
        );
      }
      if (state === "referral" || all) await refer(db, id, teamId);
      if (ended) await refer(db, id, teamId, dayAgo(10));
    }
    if (state === "admission" || all) await admit(db, id, ORGS.acute, daysAgo(2).toISOString());
    if (ended) await admit(db, id, ORGS.acute, daysAgo(40).toISOString(), daysAgo(30).toISOString());
    if (state === "objection" || state === "objection+break-glass")
      await recordObjectionRow(db, id, ORGS.practice);
    if (state === "opt-out") await recordOptOutRow(db, id);
  }
  return { contexts, personByState, userIds };
}

/** A face's answer to one attempt: allowed and with what disclosure (null when denied). */
export type Attempt = (ctx: AccessContext, personId: string, action: Action) => Promise<Disclosure | null>;

/** Puts a face through every cell it supports and reports every cell that differs, all at once. */
export async function runMatrix(
  matrix: Matrix,
  attempt: Attempt,
  options: {
    actions?: readonly Action[];
    after?: (role: string, state: State, action: Action, got: Disclosure | null) => Promise<void>;
  } = {},
): Promise<number> {
  const wrong: string[] = [];
  let cells = 0;
  for (const [role, ctx] of matrix.contexts) {
    for (const state of STATES) {
      const personId = matrix.personByState.get(state) as string;
      for (const action of options.actions ?? ACTIONS) {
        const got = await attempt(ctx, personId, action);
        const want = expectedFor(role, state, action);
        if (got !== want)
          wrong.push(`${role} × ${state} × ${action}: expected ${want ?? "deny"}, got ${got ?? "deny"}`);
        await options.after?.(role, state, action, got);
        cells++;
      }
    }
  }
  assert.deepEqual(wrong, [], `${wrong.length} cells differ from the matrix`);
  return cells;
}

/** GET `url` from the app with a bearer token and any further headers. */
function injectGet(app: WebApp, token: string | undefined, url: string, headers: Record<string, string>) {
  return app.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}`, ...headers } });
}

/** A web face put through the matrix: a silent server on its database and each role's bearer token. */
export interface MatrixWeb {
  app: WebApp;
  tokens: Map<string, string>;
  /** GET `url` as `role`'s matrix user, with their bearer token (and any further headers). */
  get: (role: string, url: string, headers?: Record<string, string>) => ReturnType<typeof injectGet>;
}

/** Each matrix role's API token (named `name`), for its user, role, team and purpose. */
export async function matrixTokens(db: Db, matrix: Matrix, name = "matrix"): Promise<Map<string, string>> {
  const tokens = new Map<string, string>();
  for (const [role, ctx] of matrix.contexts) {
    const { token } = await createApiToken(db, TEST_OPERATOR, {
      username: ctx.user.username,
      roleCode: role,
      teamCode: ctx.roleAssignment.team.teamCode,
      name,
      days: 1,
      purpose: ctx.purpose,
    });
    tokens.set(role, token);
  }
  return tokens;
}

/** A web server on the matrix's database (close its `app` at the end) and every role's bearer token. */
export async function matrixWeb(
  db: Db,
  matrix: Matrix,
  { tokenName = "matrix", server = {} }: { tokenName?: string; server?: Partial<WebServerOptions> } = {},
): Promise<MatrixWeb> {
  const app = await createWebServer({
    db,
    logger: createLogger({ level: "silent" }),
    placeName: "Matrix",
    auth: testAuthConfig(),
    ...server,
  });
  const tokens = await matrixTokens(db, matrix, tokenName);
  const get = (role: string, url: string, headers: Record<string, string> = {}) =>
    injectGet(app, tokens.get(role), url, headers);
  return { app, tokens, get };
}

/** The matrix and its web face on a test database of its own, for a whole test file (see useMatrixWeb). */
export interface MatrixWebFixture {
  t: TestDb;
  matrix: Matrix;
  get: MatrixWeb["get"];
  /** The number of audit rows written so far. */
  auditCount: () => Promise<number>;
}

/**
 * Opens a test database, sets the matrix up on it and starts its web face before the file's tests, and closes
 * both after them. The fields are filled in by the `before` hook: read them inside tests, never at load time.
 */
export function useMatrixWeb(): MatrixWebFixture {
  let app: WebApp | undefined;
  const fixture = {
    auditCount: async () =>
      (await fixture.t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event"))[0].n,
  } as MatrixWebFixture;
  before(async () => {
    fixture.t = await openTestDb();
    fixture.matrix = await setupMatrix(fixture.t.db);
    let get: MatrixWeb["get"];
    ({ app, get } = await matrixWeb(fixture.t.db, fixture.matrix));
    fixture.get = get;
  });
  after(async () => {
    await app?.close();
    await fixture.t?.dispose();
  });
  return fixture;
}

/**
 * Every route of the web face and how its access is governed, in one list (test/governance/route-coverage.test.ts
 * fails on a route the server has and this list does not, and on an entry for a route it no longer has):
 * - `matrix`: reads people, and is put through the role × relationship matrix above in `file` (over HTTP, or
 *   through the reader call the route makes, `through`);
 * - `role`: personal data a role reaches by its role alone (no per-person relationship to decide: the back
 *   office, the IG officer's review, one's own notifications), its allowed and refused roles tested in `file`;
 * - `none`: public, aggregate-only or about the signed-in user and staff accounts, never a person's record, with
 *   the reason.
 */
export type RouteGovernance =
  | { kind: "matrix"; file: string; through?: string }
  | { kind: "role"; file: string; reason: string }
  | { kind: "none"; reason: string };

const PUBLIC_PAGE = "public: the sign-in journey, which shows no personal data";
const ASSET = "public: the design system's and OnePlace's static files";
const OWN_ACCOUNT = "the signed-in user's own account and roles: no person's record";
const STAFF_ADMIN = "administrators manage staff accounts and teams: no person's record (admin.test.ts)";

const FHIR_PERSONAL = [
  "Patient",
  "Encounter",
  "Condition",
  "Observation",
  "MedicationRequest",
  "RiskAssessment",
  "Flag",
] as const;
const FHIR_DECIDED =
  "the FHIR API: each person decided by decideAccess or filterPeopleForAccess for the caller's role, relationship and any objection, audited with the query; a caller with no relationship gets the same 404 as for no such person, an objection a 403 OperationOutcome";

/** The FHIR API's routes (src/fhir): read and search of each type, $everything, and what shows no person. */
const FHIR_ROUTES: Record<string, RouteGovernance> = {
  ...Object.fromEntries(
    FHIR_PERSONAL.flatMap((type) => [
      [`GET /fhir/R4/${type}`, { kind: "role", file: "test/fhir/api.test.ts", reason: FHIR_DECIDED }],
      [`GET /fhir/R4/${type}/:id`, { kind: "role", file: "test/fhir/api.test.ts", reason: FHIR_DECIDED }],
    ]),
  ),
  "GET /fhir/R4/Patient/:id/$everything": {
    kind: "role",
    file: "test/fhir/api.test.ts",
    reason: FHIR_DECIDED,
  },
  "GET /fhir/R4/AuditEvent": {
    kind: "role",
    file: "test/fhir/api.test.ts",
    reason:
      "the audit trail, for roles that may read it (mayReadAudit), through the reader's IG reads; refused and audited otherwise",
  },
  "GET /fhir/R4/Organization": {
    kind: "none",
    reason: "reference data: organisations by ODS code, no person",
  },
  "GET /fhir/R4/Organization/:id": {
    kind: "none",
    reason: "reference data: organisations by ODS code, no person",
  },
  ...Object.fromEntries(
    ["Practitioner", "PractitionerRole"].flatMap((type) =>
      [`GET /fhir/R4/${type}`, `GET /fhir/R4/${type}/:id`].map((key) => [
        key,
        {
          kind: "none",
          reason:
            "the practitioners the sources sent (test/fhir/practitioner.test.ts): staff as the record names them, no patient; OnePlace's user accounts are not served",
        },
      ]),
    ),
  ),
  ...Object.fromEntries(
    ["CarePlan", "ServiceRequest", "EpisodeOfCare", "Consent", "CareTeam", "Task"].flatMap((type) => [
      [
        `GET /fhir/R4/${type}`,
        { kind: "role", file: "test/fhir/care-consent.test.ts", reason: FHIR_DECIDED },
      ],
      [
        `GET /fhir/R4/${type}/:id`,
        { kind: "role", file: "test/fhir/care-consent.test.ts", reason: FHIR_DECIDED },
      ],
    ]),
  ),
  ...Object.fromEntries(
    ["GET", "POST"]
      .flatMap((m) => [
        `${m} /fhir/R4/$export`,
        `${m} /fhir/R4/Patient/$export`,
        `${m} /fhir/R4/Group/:id/$export`,
      ])
      .map((key) => [
        key,
        {
          kind: "role",
          file: "test/fhir/bulk-export.test.ts",
          reason:
            "Bulk Data kick-off: roles without person-level access refused and audited; every exported person decided by filterPeopleForAccess (or the pseudonymised query for commissioners) in the background job, audited per batch",
        },
      ]),
  ),
  ...Object.fromEntries(
    [
      "GET /fhir/R4/$export-status/:jobId",
      "DELETE /fhir/R4/$export-status/:jobId",
      "GET /fhir/R4/$export-file/:jobId/:file",
    ].map((key) => [
      key,
      {
        kind: "role",
        file: "test/fhir/bulk-export.test.ts",
        reason:
          "an export's status, files and cancellation: only the caller who kicked it off (404 to anyone else); each download audited",
      },
    ]),
  ),
  "POST /fhir/R4": {
    kind: "role",
    file: "test/fhir/writes.test.ts",
    reason:
      "writes: transaction and batch Bundles only from backend clients registered to write (an ingest source) holding a c or u scope for each entry's type, loaded through ingest's FHIR path; reads no person; every write and refusal audited",
  },
  "GET /fhir/R4/metadata": { kind: "none", reason: "public: the CapabilityStatement, no data" },
  "GET /fhir/R4/.well-known/smart-configuration": {
    kind: "none",
    reason: "public: SMART discovery, no data",
  },
  "POST /fhir/R4/auth/token": {
    kind: "none",
    reason: "public: the SMART backend token endpoint; a signed client assertion buys a token, no person",
  },
  ...Object.fromEntries(
    ["GET", "POST", "PUT", "PATCH", "DELETE"].map((method) => [
      `${method} /fhir/R4/*`,
      {
        kind: "none",
        reason: "answers 404 or 405 OperationOutcome for what the FHIR API does not have; reads nothing",
      },
    ]),
  ),
};

/**
 * Care coordination (src/web/routes/care.ts): each page and change about a person is one decision by the
 * governed reader's care group ("view" or "change" on the identifiable record: relationship, objection,
 * break-glass), so a user without a relationship or facing a sharing objection is refused and audited;
 * tested over HTTP in test/web/care.test.ts and in the browser in test/web/care-browser.test.ts.
 */
const CARE_FILE = "test/web/care.test.ts";
const CARE_PERSON =
  "one governed decision per request on the person's identifiable record (view or change), refusals with their reason";
const CARE_ROUTES: Record<string, RouteGovernance> = Object.fromEntries(
  [
    "GET /people/:personId/care-plan",
    "POST /people/:personId/care-plan",
    "GET /people/:personId/care-plan/:planId/edit",
    "POST /people/:personId/care-plan/:planId",
    "POST /people/:personId/care-plan/:planId/goals",
    "POST /people/:personId/care-plan/:planId/actions",
    "POST /people/:personId/care-plan/:planId/actions/:actionId",
    "POST /people/:personId/care-plan/:planId/sign-off",
    "POST /people/:personId/care-plan/:planId/end",
    "GET /people/:personId/care-plan/:planId/print",
    "GET /people/:personId/referrals/new",
    "POST /people/:personId/referrals",
    "GET /people/:personId/referrals/:referralId",
    "POST /people/:personId/referrals/:referralId/decision",
    "POST /people/:personId/referrals/:referralId/follow-up",
  ].map((key) => [key, { kind: "role", file: CARE_FILE, reason: CARE_PERSON }]),
);
CARE_ROUTES["POST /people/:personId/care-plan/contributions/:contributionId"] = {
  kind: "role",
  file: "test/web/citizen.test.ts",
  reason: `${CARE_PERSON}; takes what the person added into the plan's next version, or closes it with a reason`,
};
for (const key of [
  "POST /people/:personId/care-plan/proxies",
  "POST /people/:personId/care-plan/proxies/:proxyId/revoke",
]) {
  CARE_ROUTES[key] = {
    kind: "role",
    file: "test/web/citizen-proxy.test.ts",
    reason: `${CARE_PERSON}; records or revokes a citizen's proxy access (not under break-glass)`,
  };
}
CARE_ROUTES["GET /care/worklist"] = {
  kind: "role",
  file: CARE_FILE,
  reason:
    "the signed-in user's own worklist; the people it names go through the list filter, the rest counted",
};
CARE_ROUTES["GET /care/services"] = {
  kind: "none",
  reason: "the directory of services: reference data, no person",
};

/**
 * The citizen's own view (src/web/routes/citizen.ts): a citizen session (its own cookie and table, never a
 * staff session) and the citizen's governed reader, which finds the record by the NHS Number the identity
 * provider asserted (no route takes a person), needs identity proofed to P9, and audits each read as a
 * citizen read; tested over HTTP in test/web/citizen.test.ts and in the browser in citizen-browser.test.ts.
 */
const CITIZEN_FILE = "test/web/citizen.test.ts";
const CITIZEN_OWN =
  "the signed-in citizen's own record only, found by the NHS Number their identity provider asserted; P9 needed; every read audited as a citizen read";
const CITIZEN_ROUTES: Record<string, RouteGovernance> = {
  "GET /citizen/sign-in": { kind: "none", reason: PUBLIC_PAGE },
  "GET /citizen/sign-in/start": { kind: "none", reason: "public: redirects to the identity provider" },
  "GET /citizen/sign-in/callback": { kind: "none", reason: PUBLIC_PAGE },
  "POST /citizen/sign-out": { kind: "none", reason: "ends the citizen's session; answers a redirect" },
  // The demo-only stand-in for NHS login (`oneplace demo` on this machine only): test/web/demo-citizen-sign-in.test.ts.
  ...Object.fromEntries(
    [
      "GET /demo-nhs-login/.well-known/openid-configuration",
      "GET /demo-nhs-login/jwks",
      "GET /demo-nhs-login/authorize",
      "POST /demo-nhs-login/authorize",
      "POST /demo-nhs-login/token",
      "GET /demo-nhs-login/userinfo",
    ].map((key) => [
      key,
      {
        kind: "none",
        reason:
          "demo only: the provider's own endpoints; it offers the synthetic people the demo chose and reads no record (OnePlace's citizen pages do that, governed)",
      },
    ]),
  ),
  ...Object.fromEntries(
    [
      "GET /citizen",
      "GET /citizen/referrals",
      "GET /citizen/care-team",
      "GET /citizen/record-access",
      "GET /citizen/sharing",
      "POST /citizen/sharing",
      "GET /citizen/what-matters",
      "POST /citizen/what-matters",
    ].map((key) => [key, { kind: "role", file: CITIZEN_FILE, reason: CITIZEN_OWN }]),
  ),
  ...Object.fromEntries(
    ["GET /citizen/people", "POST /citizen/people"].map((key) => [
      key,
      {
        kind: "role",
        file: "test/web/citizen-proxy.test.ts",
        reason:
          "whose record: the signed-in citizen's own, or a person they hold proxy access for (grant checked on every request, by their NHS Number at P9); audited as a proxy list",
      },
    ]),
  ),
};

/**
 * MDT meetings (src/web/routes/mdt.ts): only a user acting in the meeting's practice or locality MDT team
 * opens it (another team's meeting is refused and audited); the agenda and minutes name people through the
 * list filter (one audit row, the rest counted); each change about a person is a "change" decision on their
 * identifiable record and their recording page a "view". Tested over HTTP in test/web/mdt.test.ts and in the
 * browser in test/web/mdt-browser.test.ts.
 */
const MDT_FILE = "test/web/mdt.test.ts";
const MDT_ROUTES: Record<string, RouteGovernance> = Object.fromEntries(
  [
    "GET /care/mdt",
    "GET /care/mdt/new",
    "POST /care/mdt",
    "GET /care/mdt/:meetingId",
    "POST /care/mdt/:meetingId/people",
    "POST /care/mdt/:meetingId/people/:personId/move",
    "POST /care/mdt/:meetingId/people/:personId/remove",
    "POST /care/mdt/:meetingId/attendees",
    "GET /care/mdt/:meetingId/people/:personId",
    "POST /care/mdt/:meetingId/people/:personId",
    "POST /care/mdt/:meetingId/people/:personId/actions",
    "POST /care/mdt/:meetingId/people/:personId/actions/:actionId",
    "GET /care/mdt/:meetingId/minutes",
    "GET /care/mdt/:meetingId/minutes.pdf",
  ].map((key) => [
    key,
    {
      kind: "role",
      file: MDT_FILE,
      reason:
        "the team's own MDT meetings: people named through the list filter, each change about a person one governed decision",
    },
  ]),
);

export const ROUTE_GOVERNANCE: Record<string, RouteGovernance> = {
  ...MDT_ROUTES,
  ...FHIR_ROUTES,
  ...CITIZEN_ROUTES,
  "GET /health": { kind: "none", reason: "public: liveness, no data" },
  "GET /api/status": { kind: "none", reason: "public: counts of what is loaded, aggregate only" },
  "GET /status": { kind: "none", reason: "public: counts of what is loaded, aggregate only" },
  "GET /assets/nhsuk/:file": { kind: "none", reason: ASSET },
  "GET /assets/oneplace/:file": { kind: "none", reason: ASSET },
  "GET /assets/nhsuk/images/:file": { kind: "none", reason: ASSET },
  "GET /login": { kind: "none", reason: PUBLIC_PAGE },
  "POST /login": { kind: "none", reason: PUBLIC_PAGE },
  "POST /logout": { kind: "none", reason: "ends the session; answers a redirect" },
  "GET /login/oidc": { kind: "none", reason: PUBLIC_PAGE },
  "GET /login/oidc/callback": { kind: "none", reason: PUBLIC_PAGE },
  "GET /": { kind: "matrix", file: "test/governance/access-matrix-home.test.ts", through: ".home()" },
  "GET /api/me": { kind: "none", reason: OWN_ACCOUNT },
  "POST /api/me/acting-as": { kind: "none", reason: OWN_ACCOUNT },
  "GET /account/role": { kind: "none", reason: OWN_ACCOUNT },
  "POST /account/role": { kind: "none", reason: OWN_ACCOUNT },
  "GET /api/people/:personId": { kind: "matrix", file: "test/governance/access-matrix.test.ts" },
  "GET /api/people/:personId/timeline": { kind: "matrix", file: "test/web/api-people-matrix.test.ts" },
  "POST /api/people/:personId/break-glass": {
    kind: "role",
    file: "test/governance/web-auth.test.ts",
    reason: "breaking glass is a role's right (mayBreakGlass), recorded and reviewed, not a relationship",
  },
  "GET /find": { kind: "matrix", file: "test/governance/access-matrix-find.test.ts" },
  "GET /api/find": { kind: "matrix", file: "test/governance/access-matrix-find.test.ts" },
  "GET /people/:personId": { kind: "matrix", file: "test/web/person-matrix.test.ts" },
  "GET /people/:personId/timeline": { kind: "matrix", file: "test/web/person-matrix.test.ts" },
  "GET /people/:personId/care-team": { kind: "matrix", file: "test/web/person-matrix.test.ts" },
  "GET /people/:personId/records": { kind: "matrix", file: "test/web/person-matrix.test.ts" },
  "GET /people/:personId/break-glass": {
    kind: "role",
    file: "test/web/person-pages.test.ts",
    reason:
      "the break-glass form: the decision's reason and no record until glass is broken (a role's right)",
  },
  "POST /people/:personId/break-glass": {
    kind: "role",
    file: "test/web/person-pages.test.ts",
    reason: "breaking glass is a role's right (mayBreakGlass), recorded and reviewed, not a relationship",
  },
  "GET /api/register": {
    kind: "matrix",
    file: "test/governance/access-matrix-registers.test.ts",
    through: ".riskRegister(",
  },
  "GET /registers": {
    kind: "none",
    reason: "the list of registers and saved cohorts the role may open: no people",
  },
  "GET /registers/practice/:code": {
    kind: "matrix",
    file: "test/governance/access-matrix-registers.test.ts",
    through: ".riskRegister(",
  },
  "GET /registers/locality/:code": {
    kind: "matrix",
    file: "test/governance/access-matrix-registers.test.ts",
    through: ".riskRegister(",
  },
  "GET /registers/cohort/:code": {
    kind: "matrix",
    file: "test/governance/access-matrix-registers.test.ts",
    through: ".riskRegister(",
  },
  "GET /analytics/model": {
    kind: "none",
    reason: "aggregate-only: the risk model's validation report, small counts suppressed",
  },
  "POST /api/commissioning/cohort": {
    kind: "role",
    file: "test/governance/full-flow-logs.test.ts",
    reason: "pseudonymised rows for the commissioner and analyst roles by purpose; no identifiable person",
  },
  "GET /admin/users": { kind: "none", reason: STAFF_ADMIN },
  "GET /admin/users/new": { kind: "none", reason: STAFF_ADMIN },
  "POST /admin/users": { kind: "none", reason: STAFF_ADMIN },
  "GET /admin/users/:username": { kind: "none", reason: STAFF_ADMIN },
  "POST /admin/users/:username/roles": { kind: "none", reason: STAFF_ADMIN },
  "POST /admin/users/:username/roles/remove": { kind: "none", reason: STAFF_ADMIN },
  "POST /admin/users/:username/lock": { kind: "none", reason: STAFF_ADMIN },
  "POST /admin/users/:username/unlock": { kind: "none", reason: STAFF_ADMIN },
  "POST /admin/users/:username/reset-password": { kind: "none", reason: STAFF_ADMIN },
  "GET /admin/teams": { kind: "none", reason: STAFF_ADMIN },
  "POST /admin/teams": { kind: "none", reason: STAFF_ADMIN },
  ...CARE_ROUTES,
  "GET /notifications": {
    kind: "role",
    file: "test/web/notifications.test.ts",
    reason: "the signed-in user's own admission notifications, as the API the matrix covers",
  },
  "POST /notifications/:notificationId/read": {
    kind: "role",
    file: "test/web/notifications.test.ts",
    reason: "marks one of the user's own notifications read; answers a redirect",
  },
  "POST /notifications/read-all": {
    kind: "role",
    file: "test/web/notifications-read-all.test.ts",
    reason: "marks the user's own notifications read; answers a redirect",
  },
  "GET /api/me/notifications": { kind: "matrix", file: "test/web/notifications-matrix.test.ts" },
  "GET /mpi/review": {
    kind: "role",
    file: "test/web/backoffice.test.ts",
    reason: "the integration engineer's MPI review queue: demographics by role, every read audited",
  },
  "GET /mpi/review/:itemId": {
    kind: "role",
    file: "test/web/backoffice.test.ts",
    reason: "the integration engineer's MPI review item: demographics by role, every read audited",
  },
  "POST /mpi/review/:itemId": {
    kind: "role",
    file: "test/web/backoffice.test.ts",
    reason: "the integration engineer's MPI decision",
  },
  "GET /mpi/people/:personId/history": {
    kind: "matrix",
    file: "test/governance/access-matrix-backoffice.test.ts",
  },
  "POST /mpi/people/:personId/merge": {
    kind: "role",
    file: "test/web/backoffice.test.ts",
    reason: "the integration engineer's merge, by role",
  },
  "POST /mpi/people/:personId/unmerge": {
    kind: "role",
    file: "test/web/backoffice.test.ts",
    reason: "the integration engineer's unmerge, by role",
  },
  "GET /rejects": {
    kind: "role",
    file: "test/web/backoffice.test.ts",
    reason: "the integration engineer's rejects list, by role",
  },
  "GET /rejects/:rejectId": {
    kind: "role",
    file: "test/web/backoffice.test.ts",
    reason: "a rejected message as received, for the integration engineer by role, audited",
  },
  "POST /rejects/replay": {
    kind: "role",
    file: "test/web/backoffice.test.ts",
    reason: "the integration engineer's replay of every open reject the filters match, by role",
  },
  "POST /rejects/:rejectId/replay": {
    kind: "role",
    file: "test/web/backoffice.test.ts",
    reason: "the integration engineer's replay, by role",
  },
  "POST /rejects/:rejectId/dismiss": {
    kind: "role",
    file: "test/web/backoffice.test.ts",
    reason: "the integration engineer's dismissal, by role",
  },
  "GET /feeds": { kind: "none", reason: "feed health: counts per source, aggregate only" },
  "GET /ig/break-glass": { kind: "matrix", file: "test/governance/access-matrix.test.ts" },
  "GET /ig/break-glass/:id": {
    kind: "role",
    file: "test/web/ig-routes.test.ts",
    reason: "one break-glass access for the IG officer's review, by role",
  },
  "POST /ig/break-glass/:id": {
    kind: "role",
    file: "test/web/ig-routes.test.ts",
    reason: "the IG officer's review of a break-glass access, by role",
  },
  "GET /ig/audit": { kind: "matrix", file: "test/governance/access-matrix.test.ts" },
  "GET /people/:personId/sharing": { kind: "matrix", file: "test/governance/access-matrix.test.ts" },
  "POST /people/:personId/sharing": {
    kind: "role",
    file: "test/web/ig-routes.test.ts",
    reason: "the IG officer records a person's sharing choice, by role",
  },
  "GET /people/:personId/sharing/done": {
    kind: "role",
    file: "test/web/ig-routes.test.ts",
    reason: "the confirmation after recording a sharing choice, by role",
  },
};
