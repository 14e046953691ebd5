import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { migrate, openDb } from "../../src/store/index.ts";
import { type CliSession, cliInProcess, runCli, startCliSession } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/test-db.ts";
import { loadMiniPlace } from "./mini-place.ts";

let t: TestDatabase;
/** The file's commands in one CLI child (the binary itself runs the group usage error and the first stratify). */
let cli: CliSession;
const dir = mkdtempSync(join(tmpdir(), "oneplace-cohorts-"));
const file = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
};

before(async () => {
  t = await createTestDatabase({ migrated: true });
  const db = await openDb({ databaseUrl: t.databaseUrl, home: t.home });
  await migrate(db);
  await loadMiniPlace(db, 1500, "cli");
  await db.close();
  cli = startCliSession(t.env);
});
after(async () => {
  await cli?.close();
  await t?.drop();
});

async function directCount(where: string): Promise<number> {
  const db = await openDb({ databaseUrl: t.databaseUrl, home: t.home });
  try {
    const [r] = await db.query<{ n: number }>(`SELECT count(*) AS n FROM risk_person WHERE ${where}`);
    return r.n;
  } finally {
    await db.close();
  }
}

describe("oneplace stratify, model and cohort", () => {
  test("every new command has --help", async () => {
    for (const args of [
      ["stratify"],
      ["stratify", "report"],
      ["model", "train"],
      ["model", "report"],
      ["cohort", "run"],
      ["cohort", "save"],
      ["cohort", "register"],
    ]) {
      const res = await cliInProcess([...args, "--help"]);
      assert.equal(res.code, 0, args.join(" "));
      assert.match(res.stdout, new RegExp(`Usage: oneplace ${args.join(" ")}`));
    }
    const group = await runCli(["model"], {});
    assert.equal(group.code, 2);
    assert.match(group.stderr, /needs one of: train, report/);
  });

  test("stratify refuses to score without a validated model, and says what to do", async () => {
    const res = await runCli(["stratify", "--quiet"], t.env);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /no validated risk model/);
    assert.match(res.stderr, /oneplace model train/);
    const efi = await cli.run(["stratify", "--efi-only", "--quiet"]);
    assert.equal(efi.code, 0, efi.stderr);
    assert.match(efi.stdout, /eFI only, no risk scores/);
    assert.match(efi.stdout, /eFI of the [\d,]+ people aged 65 and over: fit/);
  });

  test("model train prints the report; model report shows it again", async () => {
    const res = await cli.run(["model", "train", "--quiet"]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /version 1/);
    assert.match(res.stdout, /Trained on [\d,]+ people as at 2014-03-31/);
    assert.match(res.stdout, /Checked on a later year: [\d,]+ people as at 2015-03-31/);
    assert.match(res.stdout, /area under the ROC curve 0\.\d{3}/);
    const report = await cli.run(["model", "report", "--json"]);
    assert.equal(report.code, 0);
    const model = JSON.parse(report.stdout);
    assert.equal(model.version, 1);
    assert.ok(model.validation.auc > 0.5);
    const list = await cli.run(["model", "report", "--list"]);
    assert.match(list.stdout, /version {3}1 .* AUC 0\.\d{3}/);
    const missing = await cli.run(["model", "report", "--version", "7"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no model version 7/);
    const badDate = await cli.run(["model", "train", "--validate-date", "2015-13-01"]);
    assert.equal(badDate.code, 2);
  });

  test("stratify scores everyone and reports tiers", async () => {
    const res = await cli.run(["stratify", "--as-of", "2016-03-31", "--json"]);
    assert.equal(res.code, 0, res.stderr);
    const summary = JSON.parse(res.stdout);
    assert.equal(summary.asOf, "2016-03-31");
    assert.equal(summary.modelVersion, 1);
    assert.equal(summary.people, await directCount("true"));
    assert.equal(summary.tiers["very-high"], Math.floor(summary.people * 0.005));
    const text = await cli.run(["stratify", "--as-of", "2016-03-31", "--quiet"]);
    assert.match(text.stdout, /Risk tiers: very high \d+, high \d+, rising [\d,]+, low [\d,]+\./);
  });

  test("tier shares and HIU thresholds are configuration, checked before they are stored", async () => {
    const bad = await cli.run([
      "stratify",
      "--settings",
      file("bad-settings.json", { tiers: { highTopPercent: 0.1 } }),
    ]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /veryHighTopPercent < highTopPercent/);
    const unknown = await cli.run([
      "stratify",
      "--settings",
      file("unknown.json", { hiu: { minVisits: 3 } }),
    ]);
    assert.match(unknown.stderr, /unknown setting "hiu.minVisits"/);
    const wider = file("wider.json", {
      tiers: { veryHighTopPercent: 1, highTopPercent: 10, risingTopPercent: 30 },
    });
    const res = await cli.run(["stratify", "--as-of", "2016-03-31", "--settings", wider, "--json"]);
    assert.equal(res.code, 0, res.stderr);
    const summary = JSON.parse(res.stdout);
    assert.equal(summary.tiers["very-high"], Math.floor(summary.people * 0.01));
    assert.equal(summary.tiers["very-high"] + summary.tiers.high, Math.floor(summary.people * 0.1));
    const back = file("back.json", {
      tiers: { veryHighTopPercent: 0.5, highTopPercent: 5, risingTopPercent: 20 },
    });
    assert.equal(
      (await cli.run(["stratify", "--as-of", "2016-03-31", "--settings", back, "--quiet"])).code,
      0,
    );
  });

  test("cohort run counts by practice and locality, and can list people", async () => {
    const criteria = file("frail.json", { age: { min: 65 }, efiCategories: ["moderate", "severe"] });
    const res = await cli.run(["cohort", "run", criteria]);
    assert.equal(res.code, 0, res.stderr);
    const expected = await directCount("age >= 65 AND efi_category IN ('moderate', 'severe')");
    assert.match(res.stdout, new RegExp(`^${expected.toLocaleString("en-GB")} of `));
    assert.match(res.stdout, /By locality\n {2}ZZL01 Locality ZZL01/);
    assert.match(res.stdout, /By practice\n {2}Z90001 Practice Z90001/);
    const json = JSON.parse(
      (await cli.run(["cohort", "run", criteria, "--json", "--list", "--limit", "3"])).stdout,
    );
    assert.equal(json.counts.total, expected);
    assert.equal(json.members.length, Math.min(3, expected));
    const bad = await cli.run(["cohort", "run", file("bad.json", { riskTiers: ["extreme"] })]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /riskTiers has "extreme"/);
    const broken = await cli.run(["cohort", "run", file("broken.json", "{nope")]);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /not valid JSON/);
    const none = await cli.run(["cohort", "run"]);
    assert.equal(none.code, 2);
  });

  test("a saved cohort becomes a register per practice with joiners and leavers", async () => {
    const save = await cli.run([
      "cohort",
      "save",
      "high-risk",
      file("high.json", { riskTiers: ["very-high", "high"] }),
    ]);
    assert.equal(save.code, 0, save.stderr);
    const reg = await cli.run([
      "cohort",
      "register",
      "practice-high-risk",
      "--cohort",
      "high-risk",
      "--by",
      "practice",
    ]);
    assert.equal(reg.code, 0, reg.stderr);
    const members = await directCount("risk_tier IN ('very-high', 'high')");
    assert.match(
      reg.stdout,
      new RegExp(`as at 2016-03-31: ${members} people; this refresh added ${members} and removed 0`),
    );
    assert.match(reg.stdout, /Z90001 +\d+ on the register, \d+ joined, 0 left/);
    const saved = await cli.run(["cohort", "run", "--saved", "high-risk", "--json"]);
    assert.equal(JSON.parse(saved.stdout).counts.total, members);
  });

  test("stratify report covers eFI by practice, tiers, the national condition and HIU activity", async () => {
    const res = await cli.run(["stratify", "report"]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /eFI of people aged 65 and over, by practice/);
    assert.match(res.stdout, /Risk tiers and High Intensity Users, by locality/);
    assert.match(res.stdout, /adults at high risk of emergency admission: [\d,]+ of [\d,]+/);
    assert.match(res.stdout, /with a joint care plan: 0 \(0\.0%\)/);
    assert.match(res.stdout, /High Intensity Users identified as at 2015-03-31/);
    assert.match(res.stdout, /Q1 2014\/15/);
  });

  test("one person is explained, rescored by id, and changed people are found", async () => {
    const db = await openDb({ databaseUrl: t.databaseUrl, home: t.home });
    const [top] = await db.query<{ person_id: string }>(
      "SELECT person_id::text FROM risk_person WHERE risk_rank = 1",
    );
    await db.close();
    const explain = await cli.run(["stratify", "report", "--person", top.person_id]);
    assert.equal(explain.code, 0, explain.stderr);
    assert.match(explain.stdout, /eFI: \d+\/36 = 0\.\d{3}/);
    assert.match(explain.stdout, /Risk of an emergency admission in the next 12 months: [\d.]+% \(very-high/);
    assert.match(explain.stdout, /Factors raising it most/);
    const audited = await openDb({ databaseUrl: t.databaseUrl, home: t.home });
    const rows = await audited.query<{ reason: string; channel: string }>(
      "SELECT reason, channel FROM audit_event WHERE $1::uuid = ANY (person_ids) AND action = 'view'",
      [top.person_id],
    );
    await audited.close();
    assert.deepEqual(rows, [{ reason: "risk explanation shown at the command line", channel: "cli" }]);
    const one = await cli.run(["stratify", "--person", top.person_id]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /Rescored 1 people as at 2016-03-31/);
    const changed = await cli.run(["stratify", "--changed", "--json"]);
    assert.equal(changed.code, 0, changed.stderr);
    assert.equal(JSON.parse(changed.stdout).rescored, 0, "nothing arrived since the last full run");
    const mixed = await cli.run(["stratify", "--changed", "--as-of", "2016-01-01"]);
    assert.equal(mixed.code, 2);
  });
});
