// `oneplace care mdt` through the real binary: a GP schedules a meeting (its agenda drawn from the practice
// register by the rules), prints the agenda and the minutes with what was recorded (text, JSON, FHIR Tasks,
// PDF); bad input is refused with the reason and changes nothing; a social worker, whose team holds no MDT, is
// told so. Every read audited.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createReader, type ReaderIdentity } from "../../src/governance/index.ts";
import { migrate } from "../../src/store/index.ts";
import { contextFor, insertRegistered, makePerson, ORGS, seedUsers } from "../governance/fixtures.ts";
import { cliEnv } from "../governance/helpers/cli-env.ts";
import { runCli, startCliSession } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase, withDatabase } from "../helpers/test-db.ts";
import { pdfText } from "../web/pdf-text.ts";
import { stratified } from "./fixtures.ts";

const CHROMIUM = process.env.ONEPLACE_CHROMIUM ?? "/usr/bin/chromium";

describe("oneplace care mdt", () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  /** The commands after the first in one CLI child (the first runs the binary itself). */
  const cli = startCliSession({});
  after(() => cli.close());
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
    const again = await cli.run(
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
    const bad = await cli.run(
      ["care", "mdt", "schedule", "--as", "dr.mdtcli", "--date", "2026-02-30", "--title", "X"],
      env,
    );
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /YYYY-MM-DD/);
    const agenda = await cli.run(["care", "mdt", "agenda", meetingId, "--as", "dr.mdtcli"], env);
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

  test("minutes: text, the outcomes exported for scripts (JSON, FHIR Tasks), and a PDF holding them", async () => {
    await withDatabase(database, async (db) => {
      const { db: _db, ...identity } = await contextFor(db, "dr.mdtcli", "gp", "practice", "direct-care");
      const gp = createReader(db, identity as ReaderIdentity);
      await gp.recordMdtDiscussion(meetingId, high.personId, {
        summary: "Two falls since January",
        decisions: "Falls service; review next month",
        lead: null,
        plan: null,
      });
      await gp.addMdtAction(meetingId, high.personId, {
        description: "Refer to the falls service",
        owner: "Dr Patel",
        ownerExternal: true,
        organisation: "Riverside practice",
        dueOn: "2026-03-20",
      });
    });
    const text = await cli.run(["care", "mdt", "minutes", meetingId, "--as", "dr.mdtcli"], env);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Minutes: Practice MDT, 2026-03-10 at 13:30/);
    assert.match(text.stdout, /1\. Nora Clihigh/);
    assert.match(text.stdout, /Decisions: Falls service; review next month/);
    assert.match(
      text.stdout,
      /Action: Refer to the falls service; Dr Patel, Riverside practice; due 2026-03-20; open/,
    );
    const json = await cli.run(["care", "mdt", "minutes", meetingId, "--as", "dr.mdtcli", "--json"], env);
    assert.equal(json.code, 0, json.stderr);
    const [item] = JSON.parse(json.stdout).items;
    assert.equal(item.nhsNumber, high.nhsNumber);
    assert.equal(item.summary, "Two falls since January");
    assert.equal(item.decisions, "Falls service; review next month");
    assert.deepEqual(
      item.actions.map((a: { description: string; dueOn: string }) => [a.description, a.dueOn]),
      [["Refer to the falls service", "2026-03-20"]],
    );
    const fhir = await cli.run(["care", "mdt", "minutes", meetingId, "--as", "dr.mdtcli", "--fhir"], env);
    assert.equal(fhir.code, 0, fhir.stderr);
    const bundle = JSON.parse(fhir.stdout);
    assert.equal(bundle.type, "collection");
    assert.equal(bundle.entry.length, 1);
    assert.equal(bundle.entry[0].resource.resourceType, "Task");
    assert.equal(bundle.entry[0].resource.for.reference, `Patient/${high.personId}`);
    if (!existsSync(CHROMIUM)) return;
    const file = join(dir, "minutes.pdf");
    const pdf = await cli.run(["care", "mdt", "minutes", meetingId, "--as", "dr.mdtcli", "--pdf", file], env);
    assert.equal(pdf.code, 0, pdf.stderr);
    const bytes = readFileSync(file);
    assert.equal(bytes.subarray(0, 5).toString(), "%PDF-");
    assert.match(pdfText(bytes), /Nora Clihigh/);
  });

  test("a social worker's team holds no MDT: told so, with what to do", async () => {
    const sw = await cli.run(["care", "mdt", "agenda", meetingId, "--as", "sw.mdtcli"], env);
    assert.notEqual(sw.code, 0);
    assert.match(sw.stderr, /practice or locality MDT/);
  });
});
