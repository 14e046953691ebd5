// The administrator's pages answer only through the reader's admin methods: allowed for a role that manages
// users, refused (403, audited) for any other, closed to anyone not signed in; every look and change audited.
import assert from "node:assert/strict";
import { test } from "node:test";
import { seedUsers, TEAMS, type TeamKey } from "../governance/fixtures.ts";
import { addApiToken, bearerRequests, webSuite } from "./harness.ts";

const tokens = new Map<string, string>();
const USERS = [
  ["admin.pages", "administrator", "service"],
  ["gp.pages", "gp", "practice"],
  ["nurse.pages", "community-clinician", "community"],
] as const;

const web = webSuite({
  placeName: "Test",
  async prepare(db) {
    await seedUsers(db, USERS);
    for (const [username, role, team] of USERS) {
      await addApiToken(db, tokens, "admin pages", {
        username,
        roleCode: role,
        teamCode: TEAMS[team as TeamKey].teamCode,
        purpose: role === "administrator" ? "administration" : "direct-care",
      });
    }
  },
});

const requests = bearerRequests(web, tokens);
const get = (url: string, who = "admin.pages") => requests.get(url, who, { accept: "text/html" });
const post = (url: string, body: Record<string, string>, who = "admin.pages") =>
  requests.postForm(url, who, body);

async function lastAudit() {
  return (
    await web.t.db.query(
      "SELECT actor, action, allowed, reason, detail FROM audit_event ORDER BY seq DESC LIMIT 1",
    )
  )[0];
}

test("the administrator lists users with their roles, and the look is audited", async () => {
  const res = await get("/admin/users");
  assert.equal(res.statusCode, 200, res.body);
  assert.match(res.headers["content-type"] as string, /text\/html/);
  for (const [username] of USERS) assert.match(res.body, new RegExp(username.replace(".", "\\.")));
  assert.match(res.body, /GP in Riverside practice/);
  assert.match(res.body, /<title>Users – OnePlace<\/title>/);
  const audit = (
    await web.t.db.query(
      "SELECT actor, action, allowed, detail FROM audit_event WHERE action = 'user-list' ORDER BY seq DESC LIMIT 1",
    )
  )[0];
  assert.deepEqual(audit, {
    actor: "admin.pages",
    action: "user-list",
    allowed: true,
    detail: "GET /admin/users",
  });
});

test("the list filters by role, team, status and text, and pages", async () => {
  const byRole = await get("/admin/users?role=gp");
  assert.equal(byRole.statusCode, 200);
  assert.match(byRole.body, /gp\.pages/);
  assert.doesNotMatch(byRole.body, /nurse\.pages/);
  const byTeam = await get(`/admin/users?team=${TEAMS.community.teamCode}`);
  assert.match(byTeam.body, /nurse\.pages/);
  assert.doesNotMatch(byTeam.body, /gp\.pages/);
  const byText = await get("/admin/users?q=NURSE");
  assert.match(byText.body, /nurse\.pages/);
  assert.doesNotMatch(byText.body, /admin\.pages<\/td>/);
  const none = await get("/admin/users?status=disabled");
  assert.match(none.body, /No users match these filters/);
  const far = await get("/admin/users?page=9");
  assert.equal(far.statusCode, 200);
  assert.equal((await get("/admin/users?page=0")).statusCode, 400);
});

test("roles that do not manage users are refused with the reason, and the refusal is audited", async () => {
  for (const url of ["/admin/users", "/admin/users/gp.pages", "/admin/teams", "/admin/users/new"]) {
    const res = await get(url, "gp.pages");
    assert.equal(res.statusCode, 403, url);
    assert.match(res.body, /does not manage user accounts/);
  }
  assert.deepEqual(await lastAudit(), {
    actor: "gp.pages",
    action: "list",
    allowed: false,
    reason: "the GP role does not manage user accounts",
    detail: "GET /admin/users/new",
  });
  const change = await post("/admin/users/gp.pages/lock", {}, "nurse.pages");
  assert.equal(change.statusCode, 403);
  const still = await web.t.db.query("SELECT status FROM app_user WHERE username = 'gp.pages'");
  assert.equal(still[0].status, "active");
});

test("without signing in the pages are closed", async () => {
  const api = await web.app.inject({ method: "GET", url: "/admin/users" });
  assert.equal(api.statusCode, 401);
  const page = await web.app.inject({ method: "GET", url: "/admin/teams", headers: { accept: "text/html" } });
  assert.equal(page.statusCode, 303);
  assert.match(page.headers.location as string, /^\/login\?next=%2Fadmin%2Fteams$/);
});

test("creating a user shows a one-time password once, never cached, and stores only its hash", async () => {
  const res = await post("/admin/users", {
    displayName: "Nina Fresh",
    username: "nina.fresh",
    signIn: "password",
    roleCode: "community-clinician",
    teamCode: TEAMS.community.teamCode,
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers["cache-control"], "no-store");
  const password = /id="one-time-password">([A-Za-z0-9_-]{20})</.exec(res.body)?.[1];
  assert.ok(password, "the page shows the password");
  const rows = await web.t.db.query<{ password_hash: string }>(
    "SELECT password_hash FROM app_user WHERE username = 'nina.fresh'",
  );
  assert.ok(rows[0].password_hash.startsWith("scrypt"), rows[0].password_hash.slice(0, 10));
  assert.ok(!rows[0].password_hash.includes(password));
  const page = await get("/admin/users/nina.fresh");
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /Community clinician/);
  assert.doesNotMatch(page.body, new RegExp(password));
  const created = await web.t.db.query(
    "SELECT actor, action FROM audit_event WHERE action IN ('user-create', 'role-assign') AND detail LIKE '%nina.fresh%' ORDER BY seq",
  );
  assert.deepEqual(created, [
    { actor: "admin.pages", action: "user-create" },
    { actor: "admin.pages", action: "role-assign" },
  ]);
});

test("a new user form with problems comes back with an error summary and the fields kept", async () => {
  const empty = await post("/admin/users", { displayName: "", username: "x", roleCode: "", teamCode: "" });
  assert.equal(empty.statusCode, 400);
  assert.match(empty.body, /There is a problem/);
  assert.match(empty.body, /href="#displayName"/);
  assert.match(empty.body, /Choose a team/);
  const taken = await post("/admin/users", {
    displayName: "Another GP",
    username: "gp.pages",
    signIn: "oidc",
    roleCode: "gp",
    teamCode: TEAMS.practice.teamCode,
  });
  assert.equal(taken.statusCode, 409);
  assert.match(taken.body, /already exists/);
  assert.match(taken.body, /value="Another GP"/);
  const oidc = await post("/admin/users", {
    displayName: "Olive Idp",
    username: "olive.idp",
    signIn: "oidc",
    roleCode: "gp",
    teamCode: TEAMS.practice.teamCode,
  });
  assert.equal(oidc.statusCode, 303);
  assert.equal(oidc.headers.location, "/admin/users/olive.idp?done=created");
});

test("roles are given and removed, accounts locked and unlocked, each redirecting back with the outcome", async () => {
  const base = "/admin/users/nurse.pages";
  const give = await post(`${base}/roles`, {
    roleCode: "social-worker",
    teamCode: TEAMS.socialCare.teamCode,
  });
  assert.equal(give.statusCode, 303, give.body);
  assert.equal(give.headers.location, `${base}?done=role-assigned`);
  const page = await get(give.headers.location as string);
  assert.match(page.body, /The role was given/);
  assert.match(page.body, /Social worker/);
  const again = await post(`${base}/roles`, {
    roleCode: "social-worker",
    teamCode: TEAMS.socialCare.teamCode,
  });
  assert.equal(again.statusCode, 409);
  assert.match(again.body, /already holds the role/);
  assert.match(again.body, /href="#roleCode"/);
  const remove = await post(`${base}/roles/remove`, {
    roleCode: "social-worker",
    teamCode: TEAMS.socialCare.teamCode,
  });
  assert.equal(remove.headers.location, `${base}?done=role-removed`);
  const lock = await post(`${base}/lock`, {});
  assert.equal(lock.headers.location, `${base}?done=locked`);
  assert.equal(
    (await web.t.db.query("SELECT status FROM app_user WHERE username = 'nurse.pages'"))[0].status,
    "locked",
  );
  assert.match((await get(base)).body, /Unlock the account/);
  const unlock = await post(`${base}/unlock`, {});
  assert.equal(unlock.headers.location, `${base}?done=unlocked`);
  assert.equal(
    (await web.t.db.query("SELECT status FROM app_user WHERE username = 'nurse.pages'"))[0].status,
    "active",
  );
  const actions = await web.t.db.query<{ action: string }>(
    "SELECT action FROM audit_event WHERE actor = 'admin.pages' AND action IN ('role-assign', 'role-remove', 'user-lock', 'user-unlock') AND detail LIKE '%nurse.pages%' ORDER BY seq",
  );
  assert.deepEqual(
    actions.map((a) => a.action),
    ["role-assign", "role-remove", "user-lock", "user-unlock"],
  );
});

test("a password reset shows the new password once; an administrator cannot lock themselves", async () => {
  const reset = await post("/admin/users/gp.pages/reset-password", {});
  assert.equal(reset.statusCode, 200);
  assert.equal(reset.headers["cache-control"], "no-store");
  assert.match(reset.body, /New password for gp\.pages/);
  const self = await post("/admin/users/admin.pages/lock", {});
  assert.equal(self.statusCode, 403);
  assert.match(self.body, /cannot lock their own account/);
  const unknown = await get("/admin/users/no.such.user");
  assert.equal(unknown.statusCode, 404);
});

test("teams are listed with their members and created; a duplicate code is explained", async () => {
  const list = await get("/admin/teams");
  assert.equal(list.statusCode, 200);
  assert.match(list.body, /Riverside practice/);
  assert.match(list.body, /href="\/admin\/users\?team=district-nursing"/);
  const created = await post("/admin/teams", {
    name: "Community nursing west",
    teamCode: "community-nursing-west",
    kind: "provider-service",
    orgCode: "zzc01",
  });
  assert.equal(created.statusCode, 303, created.body);
  assert.equal(created.headers.location, "/admin/teams?done=team-created");
  const row = await web.t.db.query(
    "SELECT kind, org_code FROM team WHERE team_code = 'community-nursing-west'",
  );
  assert.deepEqual(row, [{ kind: "provider-service", org_code: "ZZC01" }]);
  const duplicate = await post("/admin/teams", {
    name: "Again",
    teamCode: "community-nursing-west",
    kind: "provider-service",
    orgCode: "",
  });
  assert.equal(duplicate.statusCode, 409);
  assert.match(duplicate.body, /already exists/);
  const missing = await post("/admin/teams", { name: "", teamCode: "", kind: "", orgCode: "" });
  assert.equal(missing.statusCode, 400);
  assert.match(missing.body, /Enter the team(&#39;|')s name/);
});
