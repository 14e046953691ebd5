// The outcomes and BCF commands through the command line, on a small hand-built place: metrics compute,
// show, enter, export and import; bcf import, validate, export and list; evaluate; costs; report board.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { readPlanFile } from "../../src/commissioning/plan-files.ts";
import { readWorkbook } from "../../src/commissioning/xlsx.ts";
import { addDays } from "../../src/core/dates.ts";
import { migrate, openDb } from "../../src/store/index.ts";
import { type CliSession, cliInProcess, runCli, startCliSession } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/test-db.ts";
import { P1, P3, TestPlace } from "../outcomes/helpers/place.ts";

const THURROCK = fileURLToPath(new URL("../../data/bcf/thurrock-2014-v0.6", import.meta.url));
let t: TestDatabase;
/** The file's commands in one CLI child (the binary itself runs the first one, bcf validate). */
let cli: CliSession;
const dir = mkdtempSync(join(tmpdir(), "oneplace-bcf-cli-"));

before(async () => {
  t = await createTestDatabase({ migrated: true });
  const db = await openDb({ databaseUrl: t.databaseUrl, home: t.home });
  await migrate(db);
  const place = new TestPlace(db);
  await place.organisations();
  for (let i = 0; i < 40; i++) {
    const id = await place.person({ born: "1936-01-01", practice: i % 2 ? P1 : P3 });
    const day = addDays("2013-01-01", (i * 41) % 1000);
    const spell = await place.spell(id, { admitted: day, discharged: addDays(day, 5) });
    if (i % 4 === 0)
      await place.service(id, { type: "reablement", started: addDays(day, 5), afterSpell: spell });
    if (i % 6 === 0) await place.placement(id, { type: "permanent", started: addDays(day, 40) });
  }
  await db.close();
  cli = startCliSession(t.env);
});

after(async () => {
  await cli?.close();
  await t?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe("oneplace metrics, bcf, evaluate, costs and report", () => {
  test("every command has --help", async () => {
    const commands = [
      ["metrics", "compute"],
      ["metrics", "show"],
      ["metrics", "enter"],
      ["metrics", "export"],
      ["metrics", "import"],
      ["metrics", "define"],
      ["bcf", "import"],
      ["bcf", "validate"],
      ["bcf", "export"],
      ["bcf", "list"],
      ["evaluate"],
      ["costs", "show"],
      ["costs", "set"],
      ["report", "board"],
    ];
    for (const [i, args] of commands.entries()) {
      const res = await cliInProcess([...args, "--help"]);
      assert.equal(res.code, 0, commands[i].join(" "));
      assert.match(res.stdout, new RegExp(`Usage: oneplace ${commands[i].join(" ")}`));
    }
  });

  test("bcf validate reads a file without a database and reports the plan's mismatches", async () => {
    const res = await runCli(["bcf", "validate", THURROCK, "--no-values"], t.env);
    assert.equal(res.code, 0, res.stderr);
    assert.match(
      res.stdout,
      /ERROR\s+Metrics ascof-2a2 baseline 2012\/13: stated as 899 but its numerator and denominator give 853\.5/,
    );
    assert.match(
      res.stdout,
      /ERROR\s+Metrics ascof-2b1 baseline .*: stated as 89\.8 but its numerator and denominator give 86\.4/,
    );
    const strict = await cli.run(["bcf", "validate", THURROCK, "--no-values", "--strict"]);
    assert.equal(strict.code, 1);
  });

  test("bcf import stores the plan once, lists it, and exports it as xlsx and CSV that read back the same", async () => {
    const first = await cli.run(["bcf", "import", THURROCK]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /as version 1: 10 schemes, 16 metric figures, 2 payment tranches, 17 risks/);
    assert.match(first.stdout, /error\(s\)/);
    const again = await cli.run(["bcf", "import", THURROCK]);
    assert.match(again.stdout, /unchanged since version 1/);
    const list = await cli.run(["bcf", "list"]);
    assert.match(
      list.stdout,
      /thurrock-2014 version 1: Thurrock Better Care Fund Plan \(0\.6 draft\).*2014\/15 minimum £2,862,000/,
    );
    const xlsx = join(dir, "export.xlsx");
    const csvDir = join(dir, "export-csv");
    assert.equal((await cli.run(["bcf", "export", "--out", xlsx])).code, 0);
    assert.equal((await cli.run(["bcf", "export", "--out", csvDir])).code, 0);
    const original = await readPlanFile(THURROCK);
    assert.deepEqual(await readPlanFile(xlsx), original);
    assert.deepEqual(await readPlanFile(csvDir), original);
    assert.ok(readdirSync(csvDir).includes("risks.csv"));
    const ledger = join(dir, "ledger.csv");
    writeFileSync(
      ledger,
      "scheme_id,month,amount,source\nBCF08,2015-04,95000,ledger\nBCF08,2015-05,97000,ledger\n",
    );
    const actuals = await cli.run(["bcf", "import", "--actuals", ledger]);
    assert.match(actuals.stdout, /Loaded 2 scheme-month\(s\) of actual spend into thurrock-2014/);
    assert.doesNotMatch(
      (await cli.run(["bcf", "list"])).stdout,
      /version 2/,
      "actual spend is not a new version",
    );
    writeFileSync(ledger, "scheme_id,month,amount\nBCF99,2015-04,1\n");
    const wrong = await cli.run(["bcf", "import", "--actuals", ledger]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /Not schemes of plan thurrock-2014: BCF99/);
    const bad = await cli.run(["bcf", "import", join(dir, "nope.xlsx")]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /does not exist/);
  });

  test("metrics compute stores values; show, export and the plan's validation read them", async () => {
    const res = await cli.run([
      "metrics",
      "compute",
      "--period",
      "2014/15",
      "--period",
      "2015-Q1",
      "--quiet",
    ]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(
      res.stdout,
      /Computed \d+ values \(place \d+, localities \d+, practices \d+\) for 2014\/15, 2015-Q1/,
    );
    assert.match(res.stdout, /ascof-2a2\s+2014\/15\s+[\d,.]+\s+\d+ \/ \d+/);
    assert.match(res.stdout, /high-risk-share\s+not available: .*stratify/);
    const json = JSON.parse(
      (await cli.run(["metrics", "compute", "--period", "2014/15", "--metric", "nel", "--json"])).stdout,
    );
    assert.equal(json.values.find((v: { areaLevel: string }) => v.areaLevel === "place").metricId, "nel");
    const show = await cli.run(["metrics", "show", "--metric", "nel", "--area", "practice"]);
    assert.match(show.stdout, /nel\s+2014\/15\s+Z90001 Riverside Surgery/);
    const file = join(dir, "values.xlsx");
    const exported = await cli.run(["metrics", "export", "--out", file, "--period", "2014/15"]);
    assert.match(exported.stdout, /Wrote \d+ values/);
    const rows = (await readWorkbook(file)).get("metric values") ?? [];
    assert.ok(rows.some((r) => r.metric_id === "ascof-2a2" && r.area_level === "locality"));
    const csv = join(dir, "values.csv");
    await cli.run(["metrics", "export", "--out", csv, "--metric", "nel"]);
    assert.match(readFileSync(csv, "utf8"), /^\ufeffmetric_id,title,period/);
    const validate = await cli.run(["bcf", "validate"]);
    assert.match(validate.stdout, /ascof-2a2\s+baseline\s+2012\/13\s+899\s+853\.5 MISMATCH\s+[\d.]+/);
    const definitions = await cli.run(["metrics", "show", "--definitions", "--metric", "ascof-2b1"]);
    assert.match(definitions.stdout, /death on day 90 is not at home, on day 92 is/);
  });

  test("metrics enter and import check a value against its parts", async () => {
    const bad = await cli.run([
      "metrics",
      "enter",
      "--metric",
      "ascof-2b1",
      "--period",
      "2012/13",
      "--value",
      "89.8",
      "--numerator",
      "95",
      "--denominator",
      "110",
      "--source",
      "plan",
    ]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /does NOT match its numerator and denominator, which give 86\.4/);
    const good = await cli.run([
      "metrics",
      "enter",
      "--metric",
      "experience",
      "--period",
      "2014/15",
      "--value",
      "61.2",
      "--source",
      "ASCS 2014/15",
    ]);
    assert.equal(good.code, 0, good.stderr);
    const file = join(dir, "entered.csv");
    writeFileSync(
      file,
      "metric_id,period,value,numerator,denominator,source\nascof-2a2,2012/13,899,180,21090,plan\nexperience-carers,2014/15,44.1,,,carers survey\n",
    );
    const imported = await cli.run(["metrics", "import", file]);
    assert.match(imported.stdout, /Entered 2 value\(s\)/);
    assert.match(
      imported.stdout,
      /ascof-2a2 2012\/13: stated 899, but its numerator and denominator give 853\.5/,
    );
    const missing = await cli.run(["metrics", "enter", "--metric", "nel", "--period", "2014/15"]);
    assert.equal(missing.code, 2);
  });

  test("evaluate and costs", async () => {
    const res = await cli.run([
      "evaluate",
      "--intervention",
      "reablement",
      "--from",
      "2013-04-01",
      "--to",
      "2014-09-30",
      "--months",
      "6",
    ]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /Evaluation of reablement/);
    assert.match(res.stdout, /Balance \(standardised mean difference/);
    assert.match(res.stdout, /Too few people|No matched comparison|No clear difference|too few/);
    const unavailable = await cli.run([
      "evaluate",
      "--intervention",
      "mdt-review",
      "--from",
      "2013-04-01",
      "--to",
      "2014-03-31",
    ]);
    assert.equal(unavailable.code, 1);
    assert.match(unavailable.stderr, /No MDT meetings are recorded/);
    const usage = await cli.run([
      "evaluate",
      "--intervention",
      "magic",
      "--from",
      "2013-04-01",
      "--to",
      "2014-03-31",
    ]);
    assert.equal(usage.code, 2);
    assert.equal(
      (
        await cli.run([
          "costs",
          "set",
          "--cost",
          "bed-day",
          "--amount",
          "£310",
          "--from",
          "2015-04-01",
          "--source",
          "local",
        ])
      ).code,
      0,
    );
    assert.match((await cli.run(["costs", "show"])).stdout, /bed-day\s+£\s+310 a day/);
  });

  test("report board writes the HTML (and says when no PDF is made)", async () => {
    const outDir = join(dir, "reports");
    const res = await cli.run(["report", "board", "--quarter", "2015-Q1", "--out", outDir, "--no-pdf"]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /Board report for Q4 2014\/15 \(2015-01-01 to 2015-03-31\)/);
    assert.match(res.stdout, /PDF not asked for/);
    const html = readFileSync(join(outDir, "bcf-board-2015-Q1.html"), "utf8");
    assert.match(html, /Thurrock Health and Wellbeing Board/);
    assert.match(html, /does not match/);
    const noBrowser = await cli.run(["report", "board", "--quarter", "2015-Q1", "--out", outDir], {
      ...t.env,
      ONEPLACE_CHROMIUM: "/nonexistent/chromium",
    });
    assert.equal(noBrowser.code, 0, noBrowser.stderr);
    assert.match(noBrowser.stdout, /No PDF was made: no browser at \/nonexistent\/chromium/);
    const bad = await cli.run(["report", "board", "--quarter", "2015-13"]);
    assert.equal(bad.code, 2);
  });
});
