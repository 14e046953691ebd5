// The shell every page shares: the layout's account area and navigation (added by the views plugin from
// the request's identity), switching role, and the HTML error pages a browser gets while APIs keep
// problem+json.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AccessDenied, assignRole, createApiToken } from "../../src/governance/index.ts";
import { navigationFor } from "../../src/web/views/layout.context.ts";
import { fixtureRole, fixtureTeam } from "../../src/web/views/layout.fixtures.ts";
import {
  createTeams,
  createUserInRole,
  insertOrganisations,
  TEAMS,
  TEST_OPERATOR,
} from "../governance/fixtures.ts";
import { webSuite } from "./harness.ts";
import { sessionFor } from "./session.ts";

const users = new Map<string, string>();
let apiToken = "";

const web = webSuite({
  async prepare(db) {
    await insertOrganisations(db);
    await createTeams(db);
    users.set("gp", await createUserInRole(db, "gp.shell", "gp", "practice"));
    users.set("two", await createUserInRole(db, "two.shell", "social-worker", "socialCare"));
    await assignRole(db, TEST_OPERATOR, "two.shell", "reablement-worker", TEAMS.reablement.teamCode);
    users.set("admin", await createUserInRole(db, "admin.shell", "administrator", "service"));
    apiToken = (
      await createApiToken(db, TEST_OPERATOR, {
        username: "gp.shell",
        roleCode: "gp",
        teamCode: TEAMS.practice.teamCode,
        name: "shell",
        days: 1,
      })
    ).token;
  },
  routes(app) {
    app.get<{ Params: { personId: string } }>("/test/people/:personId", () => {
      throw new AccessDenied({
        allow: false,
        reason: "no legitimate relationship",
        relationship: null,
        disclosure: null,
        flagged: false,
        breakGlassId: null,
      });
    });
    app.get("/test/defect", () => {
      throw new TypeError("Cannot read properties of undefined (reading 'nhsNumber') for 9990000018");
    });
    app.get(
      "/test/number",
      { schema: { querystring: { type: "object", properties: { n: { type: "integer" } } } } },
      () => ({ ok: true }),
    );
    app.get("/api/test/defect", () => {
      throw new TypeError("Cannot read properties of undefined");
    });
  },
});

const session = (who: string) => sessionFor(web.t.db, users.get(who) as string);

describe("the layout around every page", () => {
  test("signed in: the name, role and team, the role's navigation, sign out with the CSRF token", async () => {
    const s = await session("gp");
    const res = await web.app.inject({ method: "GET", url: "/", headers: s.page });
    assert.equal(res.statusCode, 200);
    const html = res.body;
    assert.match(html, /<title>Home – OnePlace<\/title>/);
    assert.match(html, /nhsuk-header__service-name[^>]*>OnePlace</);
    assert.match(html, /aria-label="Your account"/);
    assert.match(html, /gp\.shell/);
    assert.match(html, /GP, Riverside practice/);
    assert.match(
      html,
      new RegExp(
        `<form class="nhsuk-header__account-form" action="/logout" method="post" novalidate><input type="hidden" name="_csrf" value="${s.csrf}">`,
      ),
    );
    assert.match(html, /href="\/find"/);
    assert.match(html, /href="\/registers\/practice\/Z90001"/);
    assert.match(html, /href="\/notifications"/);
    assert.match(html, /aria-current="page"[^>]*>\s*<strong[^>]*>Home/);
    assert.match(html, /Synthetic data only/);
    assert.match(html, /Skip to main content/);
    assert.doesNotMatch(html, /Switch role/, "one role: nothing to switch to");
  });

  test("someone holding two roles is offered Switch role, and switching changes the role acted in", async () => {
    const s = await session("two");
    const home = await web.app.inject({ method: "GET", url: "/", headers: s.page });
    assert.match(home.body, /href="\/account\/role"[^>]*>\s*Switch role/);
    assert.match(home.body, /Social worker, Adult social care/);
    const form = await web.app.inject({ method: "GET", url: "/account/role", headers: s.page });
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /Which role are you working in\?/);
    assert.match(form.body, /value="reablement-worker reablement direct-care"/);
    const post = (choice: string | null) =>
      web.app.inject({
        method: "POST",
        url: "/account/role",
        headers: { ...s.page, "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({ _csrf: s.csrf, ...(choice ? { choice } : {}) }).toString(),
      });
    const none = await post(null);
    assert.equal(none.statusCode, 400);
    assert.match(none.body, /nhsuk-error-summary/);
    assert.match(none.body, /Choose the role you are working in/);
    const notHeld = await post("gp riverside-practice direct-care");
    assert.equal(notHeld.statusCode, 400);
    assert.match(notHeld.body, /You do not hold that role/);
    const switched = await post("reablement-worker reablement direct-care");
    assert.equal(switched.statusCode, 303);
    assert.equal(switched.headers.location, "/");
    const after = await web.app.inject({ method: "GET", url: "/", headers: s.page });
    assert.match(after.body, /Reablement worker, Reablement/);
  });

  test("the role-switch form needs the session's CSRF token", async () => {
    const s = await session("two");
    const res = await web.app.inject({
      method: "POST",
      url: "/account/role",
      headers: { ...s.page, "content-type": "application/x-www-form-urlencoded" },
      payload: "choice=reablement-worker+reablement+direct-care",
    });
    assert.equal(res.statusCode, 403);
    assert.match(String(res.headers["content-type"]), /text\/html/);
    assert.match(res.body, /The form has expired/);
    assert.doesNotMatch(res.body, /Every attempt to see a record/, "not a refusal by the access policy");
  });

  test("signed out: the home page sends a browser to sign in, an API client gets a 401; status stays open", async () => {
    const page = await web.app.inject({ method: "GET", url: "/", headers: { accept: "text/html" } });
    assert.equal(page.statusCode, 303);
    assert.equal(page.headers.location, "/login?next=%2F");
    assert.equal((await web.app.inject({ method: "GET", url: "/" })).statusCode, 401);
    const status = await web.app.inject({ method: "GET", url: "/status", headers: { accept: "text/html" } });
    assert.equal(status.statusCode, 200);
    assert.doesNotMatch(status.body, /aria-label="Your account"/);
    assert.match(status.body, /Synthetic data only/);
  });

  test("a bearer token has no session: no sign-out, no switch", async () => {
    const res = await web.app.inject({
      method: "GET",
      url: "/",
      headers: { authorization: `Bearer ${apiToken}` },
    });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /GP, Riverside practice/);
    assert.doesNotMatch(res.body, /action="\/logout"/);
  });

  test("the navigation follows the role's policy and the team's kind", () => {
    const CARE_LINKS = ["/notifications", "/care/worklist", "/care/services"];
    const links = (role: string, team: Parameters<typeof fixtureTeam>[0]) =>
      navigationFor(fixtureRole(role), fixtureTeam(team)).map((i) => i.href);
    assert.deepEqual(links("gp", "practice"), [
      "/",
      "/find",
      "/registers/practice/F81001",
      ...CARE_LINKS,
      "/care/mdt",
    ]);
    assert.deepEqual(links("practice-mdt-coordinator", "locality-mdt"), [
      "/",
      "/find",
      "/registers/locality/GRAYS",
      ...CARE_LINKS,
      "/care/mdt",
    ]);
    assert.deepEqual(links("social-worker", "provider-service"), ["/", "/find", "/registers", ...CARE_LINKS]);
    assert.deepEqual(links("integration-engineer", "corporate"), [
      "/",
      "/find",
      "/mpi/review",
      "/rejects",
      "/feeds",
    ]);
    assert.deepEqual(links("ig-officer", "corporate"), ["/", "/ig/break-glass", "/ig/audit"]);
    assert.deepEqual(links("administrator", "corporate"), ["/", "/admin/users", "/admin/teams"]);
    assert.deepEqual(links("commissioner-analyst", "commissioning"), ["/", "/analytics/model"]);
    assert.deepEqual(links("hwb-board-member", "commissioning"), ["/"]);
  });
});

describe("error pages for browsers, problem+json for APIs", () => {
  test("an unknown path: the NHS.UK 404 page inside the layout, or problem+json", async () => {
    const s = await session("gp");
    const page = await web.app.inject({ method: "GET", url: "/no-such-page", headers: s.page });
    assert.equal(page.statusCode, 404);
    assert.match(String(page.headers["content-type"]), /text\/html/);
    assert.match(page.body, /<title>Page not found – OnePlace<\/title>/);
    assert.match(page.body, /aria-label="Your account"/, "signed in: the account area is there");
    const signedOut = await web.app.inject({
      method: "GET",
      url: "/no-such-page",
      headers: { accept: "text/html" },
    });
    assert.equal(signedOut.statusCode, 404);
    assert.match(signedOut.body, /href="\/login"/);
    const api = await web.app.inject({ method: "GET", url: "/no-such-page" });
    assert.match(String(api.headers["content-type"]), /problem\+json/);
    const apiPath = await web.app.inject({ method: "GET", url: "/api/nothing", headers: s.page });
    assert.match(String(apiPath.headers["content-type"]), /problem\+json/, "under /api/ always problem+json");
  });

  test("a refusal: 403 with the reason, and break-glass for a role that may", async () => {
    const s = await session("gp");
    const id = "00000000-0000-4000-8000-0000000000AB";
    const page = await web.app.inject({ method: "GET", url: `/test/people/${id}`, headers: s.page });
    assert.equal(page.statusCode, 403);
    assert.match(page.body, /You do not have access to this/);
    assert.match(page.body, /The reason: no legitimate relationship\./);
    assert.match(page.body, /href="\/people\/00000000-0000-4000-8000-0000000000ab\/break-glass"/);
    assert.match(page.body, /Every attempt to see a record is recorded/);
    const admin = await session("admin");
    const noGlass = await web.app.inject({ method: "GET", url: `/test/people/${id}`, headers: admin.page });
    assert.equal(noGlass.statusCode, 403);
    assert.doesNotMatch(noGlass.body, /break-glass/);
    const api = await web.app.inject({
      method: "GET",
      url: `/test/people/${id}`,
      headers: { cookie: s.cookie },
    });
    assert.equal(api.json().detail, "no legitimate relationship");
  });

  test("a defect: a 500 page that says nothing of its cause", async () => {
    const s = await session("gp");
    const page = await web.app.inject({ method: "GET", url: "/test/defect", headers: s.page });
    assert.equal(page.statusCode, 500);
    assert.match(page.body, /Sorry, there is a problem with the service/);
    assert.doesNotMatch(page.body, /TypeError|nhsNumber|9990000018|Cannot read/);
    const api = await web.app.inject({ method: "GET", url: "/api/test/defect", headers: s.page });
    assert.equal(api.statusCode, 500);
    assert.match(String(api.headers["content-type"]), /problem\+json/);
  });

  test("a bad address: a 400 page", async () => {
    const s = await session("gp");
    const page = await web.app.inject({ method: "GET", url: "/test/number?n=many", headers: s.page });
    assert.equal(page.statusCode, 400);
    assert.match(page.body, /There is a problem with the request/);
  });
});
