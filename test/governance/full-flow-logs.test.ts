// A whole day in miniature, through the faces: an administrator sets up users at the command line, a GP
// and a nurse sign in and look at people, the nurse breaks glass, the GP lists the register, an analyst
// exports pseudonymised rows, the IG officer asks the audit trail. Then every log line and every message
// on stderr is searched for the people's names, NHS Numbers, dates of birth and postcodes.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, test } from "node:test";
import { createLogger } from "../../src/platform/index.ts";
import { migrate, openDb } from "../../src/store/index.ts";
import { createWebServer } from "../../src/web/index.ts";
import { type CliResult, runCli } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/test-db.ts";
import { injectSignIn } from "../web/harness.ts";
import {
  identifiersOf,
  insertOrganisations,
  insertRegistered,
  makePerson,
  ORGS,
  recordOptOutRow,
  type TestPerson,
  testAuthConfig,
} from "./fixtures.ts";
import { cliEnv } from "./helpers/cli-env.ts";

const PASSWORD = "flow test passphrase 2016";
const people: TestPerson[] = [
  makePerson({
    familyName: "Featherstonehaugh",
    givenName: "Philippa",
    birthDate: "1931-07-19",
    postcode: "RM16 2QX",
  }),
  makePerson({
    familyName: "Okonkwo-Briggs",
    givenName: "Theodora",
    birthDate: "1944-11-03",
    postcode: "SS17 0JZ",
  }),
  makePerson({
    familyName: "Vanterpool",
    givenName: "Ezekiel",
    birthDate: "1952-02-29",
    postcode: "RM20 3LP",
  }),
];
const [registered, stranger, optedOut] = people;
/** Five look-alikes of each of the first two (same birth date, sex and postcode): without them no pseudonymised
 * row could be released (every row needs at least four look-alikes: k-anonymity, k = 5). */
const lookAlikes = (p: TestPerson) =>
  Array.from({ length: 5 }, () => makePerson({ birthDate: p.birthDate, postcode: p.postcode, sex: p.sex }));
const crowd = { registered: lookAlikes(registered), stranger: lookAlikes(stranger) };

let database: TestDatabase;
const stderrs: string[] = [];
const logLines: string[] = [];
const CONFIG = testAuthConfig({ loginAttemptsPerMinute: 100 });

async function cli(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  const res = await runCli(args, env);
  stderrs.push(res.stderr);
  assert.equal(res.code, 0, `${args.join(" ")}: ${res.stderr}`);
  return res;
}

before(async () => {
  database = await createTestDatabase();
});
after(() => database.drop());

test("a full flow leaves no personal data in any log", async () => {
  const env = cliEnv(database, { ONEPLACE_LOG_LEVEL: "debug", ONEPLACE_DEBUG: "1" });
  const dir = mkdtempSync(join(tmpdir(), "op-flow-"));
  const pw = join(dir, "pw");
  writeFileSync(pw, PASSWORD, { mode: 0o600 });

  // 1. The administrator, at the command line.
  await cli(env, "db", "migrate");
  await cli(
    env,
    "users",
    "create-team",
    "riverside",
    "--name",
    "Riverside practice",
    "--kind",
    "practice",
    "--org",
    ORGS.practice,
  );
  await cli(
    env,
    "users",
    "create-team",
    "district-nursing",
    "--name",
    "District nursing",
    "--kind",
    "provider-service",
    "--org",
    ORGS.community,
  );
  await cli(
    env,
    "users",
    "create-team",
    "commissioning",
    "--name",
    "Commissioning",
    "--kind",
    "commissioning",
    "--org",
    ORGS.ccg,
  );
  for (const [user, role, team] of [
    ["dr.flow", "gp", "riverside"],
    ["nurse.flow", "community-clinician", "district-nursing"],
    ["analyst.flow", "commissioner-analyst", "commissioning"],
  ]) {
    await cli(env, "users", "create", user, "--name", user, "--password-file", pw);
    await cli(env, "users", "assign-role", user, "--role", role, "--team", team);
  }

  // 2. The people (as a feed would load them).
  const setup = await openDb({ databaseUrl: database.databaseUrl, home: database.home });
  await migrate(setup);
  await insertOrganisations(setup);
  await insertRegistered(setup, [...people, ...crowd.registered, ...crowd.stranger]);
  await recordOptOutRow(setup, optedOut.personId);
  const unregistered = stranger.personId;
  for (const id of [unregistered, ...crowd.stranger.map((p) => p.personId)])
    await setup.query("DELETE FROM registration WHERE person_id = $1", [id]);

  // 3. The web app, logging everything down to debug.
  const destination = new Writable({
    write(chunk, _e, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  process.env.ONEPLACE_PSEUDONYM_KEY_COMMISSIONING = "f".repeat(64);
  const app = await createWebServer({
    db: setup,
    logger: createLogger({ level: "debug", destination }),
    placeName: "Flow",
    auth: CONFIG,
  });
  try {
    const getAs = (url: string, cookie: string) => app.inject({ method: "GET", url, headers: { cookie } });
    const signIn = (username: string) => injectSignIn(app, username, PASSWORD);
    const wrong = await app.inject({
      method: "POST",
      url: "/login",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({
        username: registered.familyName,
        password: registered.nhsNumber,
        _csrf: "x",
      }).toString(),
    });
    assert.equal(wrong.statusCode, 403);

    const gp = await signIn("dr.flow");
    const view = await getAs(`/api/people/${registered.personId}`, gp.cookie);
    assert.equal(view.statusCode, 200);
    assert.equal(view.json().name.family, registered.familyName);
    const register_ = await getAs("/api/register", gp.cookie);
    assert.equal(register_.json().length, 2 + crowd.registered.length);

    const nurse = await signIn("nurse.flow");
    const denied = await getAs(`/api/people/${stranger.personId}`, nurse.cookie);
    assert.equal(denied.statusCode, 403);
    const glass = await app.inject({
      method: "POST",
      url: `/api/people/${stranger.personId}/break-glass`,
      headers: { cookie: nurse.cookie, "x-csrf-token": nurse.csrf, "content-type": "application/json" },
      payload: { reason: `Found ${stranger.givenName} collapsed at ${stranger.postcode}` },
    });
    assert.equal(glass.statusCode, 201);
    assert.equal((await getAs(`/api/people/${stranger.personId}`, nurse.cookie)).statusCode, 200);

    const analyst = await signIn("analyst.flow");
    const exported = await app.inject({
      method: "POST",
      url: "/api/commissioning/cohort",
      headers: { cookie: analyst.cookie, "x-csrf-token": analyst.csrf, "content-type": "application/json" },
      payload: { export: true },
    });
    assert.equal(exported.statusCode, 200, exported.body);
    assert.equal(
      exported.json().length,
      12,
      "the opted-out person is not exported; the others are k-anonymous",
    );
    for (const p of people)
      for (const id of [p.familyName, p.nhsNumber, p.birthDate, p.postcode])
        assert.ok(!exported.body.includes(id));
    const refused = await getAs(`/api/people/${registered.personId}`, analyst.cookie);
    assert.equal(refused.statusCode, 403);
  } finally {
    await app.close();
    await setup.close();
    delete process.env.ONEPLACE_PSEUDONYM_KEY_COMMISSIONING;
  }

  // 4. The IG officer.
  const who = await cli(env, "audit", "person", registered.nhsNumber);
  assert.match(who.stdout, /dr\.flow as gp/);
  await cli(env, "audit", "user", "nurse.flow");
  await cli(env, "audit", "break-glass");
  await cli(env, "audit", "export", "--format", "fhir");
  await cli(env, "audit", "verify");

  // 5. The search.
  const logs = (logLines.join("") + stderrs.join("")).toLowerCase();
  assert.ok(logLines.length > 20, "the web app logged the requests");
  for (const p of people) {
    for (const needle of identifiersOf(p)) {
      assert.ok(!logs.includes(needle.toLowerCase()), `a log contains ${needle}`);
    }
  }
  assert.ok(!logs.includes(PASSWORD.toLowerCase()), "a log contains a password");
});
