// `oneplace care mdt` through the real binary: a GP schedules a meeting (its agenda drawn from the practice
// register by the rules), prints the agenda and the minutes (text, JSON, PDF); bad input is refused with the
// reason and changes nothing; a social worker, whose team holds no MDT, is told so. Every read audited.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { migrate } from "../../src/store/index.ts";
import { insertRegistered, makePerson, ORGS, seedUsers } from "../governance/fixtures.ts";
import { cliEnv } from "../governance/helpers/cli-env.ts";
import { runCli } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase, withDatabase } from "../helpers/test-db.ts";
import { pdfText } from "../web/pdf-text.ts";
import { stratified } from "./fixtures.ts";

const CHROMIUM = process.env.ONEPLACE_CHROMIUM ?? "/usr/bin/chromium";

describe("oneplace care mdt", () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), "oneplace-mdt-cli-"));
  const high = makePerson({ familyName: "Clihigh", givenName: "Nora" });
  const low = makePerson({ familyName: "Clilow", givenName: "Len" });
  let meetingId = "";

  before(async () => {
    database = await createTestDatabase({ migrated: true });
    env = { ...cliEnv(database), ONEPLACE_CHROMIUM: CHROMIUM };
    await withDatabase(database, async (db) => {
      await migrate(db);
      await seedUsers(db, [
        ["dr.mdtcli", "gp", "practice"],
        ["sw.mdtcli", "social-worker", "socialCare"],
      ]);
      await insertRegistered(db, [high, low], ORGS.practice);
      await stratified(db, high.personId, ORGS.practice, "very-high", 0.8);
      await stratified(db, low.personId, ORGS.practice, "low", 0.01);
    });
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await database.drop();
  });

  test("schedule draws the agenda by the rules; agenda prints it; the same meeting twice is refused", async () => {
    const made = await runCli(
      [
        "care",
        "mdt",
        "schedule",
        "--as",
        "dr.mdtcli",
        "--date",
        "2026-03-10",
        "--time",
        "13:30",
        "--title",
        "Practice MDT",
        "--rule",
        "very-high-new",
        "--rule",
        "no-plan",
        "--json",
      ],
      env,
    );
    assert.equal(made.code, 0, made.stderr);
    const result = JSON.parse(made.stdout);
    assert.equal(result.people, 1);
    meetingId = result.meetingId;
    const again = await runCli(
      [
        "care",
        "mdt",
        "schedule",
        "--as",
        "dr.mdtcli",
        "--date",
        "2026-03-10",
        "--time",
        "13:30",
        "--title",
        "Practice MDT",
      ],
      env,
    );
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /already has a meeting/);
    const bad = await runCli(
      ["care", "mdt", "schedule", "--as", "dr.mdtcli", "--date", "2026-02-30", "--title", "X"],
      env,
    );
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /YYYY-MM-DD/);
    const agenda = await runCli(["care", "mdt", "agenda", meetingId, "--as", "dr.mdtcli"], env);
    assert.equal(agenda.code, 0, agenda.stderr);
    assert.match(agenda.stdout, /1\. Nora Clihigh \(\d{3} \d{3} \d{4}\): New to the very-high tier/);
    assert.doesNotMatch(agenda.stdout, /Clilow/);
    await withDatabase(database, async (db) => {
      const [n] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM mdt_meeting");
      assert.equal(n.n, 1);
      const [audits] = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM audit_event WHERE channel = 'cli' AND actor = 'dr.mdtcli' AND action = 'list' AND allowed",
      );
      assert.ok(audits.n >= 2, "scheduling and the agenda are audited");
    });
  });

  test("minutes: text, and a PDF holding them", async () => {
    const text = await runCli(["care", "mdt", "minutes", meetingId, "--as", "dr.mdtcli"], env);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Minutes: Practice MDT, 2026-03-10 at 13:30/);
    assert.match(text.stdout, /1\. Nora Clihigh/);
    const fhir = await runCli(["care", "mdt", "minutes", meetingId, "--as", "dr.mdtcli", "--fhir"], env);
    assert.equal(fhir.code, 0, fhir.stderr);
    assert.deepEqual(JSON.parse(fhir.stdout), { resourceType: "Bundle", type: "collection", entry: [] });
    if (!existsSync(CHROMIUM)) return;
    const file = join(dir, "minutes.pdf");
    const pdf = await runCli(["care", "mdt", "minutes", meetingId, "--as", "dr.mdtcli", "--pdf", file], env);
    assert.equal(pdf.code, 0, pdf.stderr);
    const bytes = readFileSync(file);
    assert.equal(bytes.subarray(0, 5).toString(), "%PDF-");
    assert.match(pdfText(bytes), /Nora Clihigh/);
  });

  test("a social worker's team holds no MDT: told so, with what to do", async () => {
    const sw = await runCli(["care", "mdt", "agenda", meetingId, "--as", "sw.mdtcli"], env);
    assert.notEqual(sw.code, 0);
    assert.match(sw.stderr, /practice or locality MDT/);
  });
});
