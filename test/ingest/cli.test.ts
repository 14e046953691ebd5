// The command line as an integration engineer uses it: load files, see and replay rejects, feed health, the
// identity review queue, and the MLLP listener with `oneplace mllp` and `oneplace mllp send`.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { buildAdt } from "../../src/ingest/hl7/build-adt.ts";
import { listenerPort, ONEPLACE_BIN, runCli } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/test-db.ts";

let database: TestDatabase;
let dir: string;

before(async () => {
  database = await createTestDatabase({ migrated: true });
  dir = mkdtempSync(join(tmpdir(), "oneplace-cli-"));
});
after(async () => {
  await database?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(args, database.env);

test("ingest csv loads, rejects list/show name the problem, and replay accepts the row once it can", async () => {
  const patients = join(dir, "patients.csv");
  writeFileSync(
    patients,
    "patient_id,nhs_number,family_name,given_name,birth_date,sex,postcode,ethnic_category,extracted_at\np1,9434765919,Reid,Ann,1944-04-07,female,RM17 6VA,A,\n",
  );
  const coded = join(dir, "coded.csv");
  writeFileSync(
    coded,
    "entry_id,patient_id,practice_code,recorded_on,entry_kind,code_system,code,value,unit,extracted_at\ne1,p1,Z90001,2014-01-01,condition,http://snomed.info/sct,38341003,,,\ne2,p2,Z90001,2014-01-01,condition,http://snomed.info/sct,38341003,,,\n",
  );
  const load = await cli("ingest", "csv", coded, "-q");
  assert.equal(load.code, 0, load.stderr);
  assert.match(load.stdout, /coded\.csv: 2 read, 0 loaded, 0 already there, 0 held, 2 rejected/);
  assert.match(load.stdout, /oneplace rejects replay/);

  const list = await cli("rejects", "list", "--json");
  assert.equal(list.code, 0, list.stderr);
  const rejects = JSON.parse(list.stdout) as {
    rejectId: string;
    location: string;
    reason: string;
    payload?: string;
  }[];
  assert.equal(rejects.length, 2);
  assert.ok(
    rejects.every((r) => r.payload === undefined),
    "the list never shows payloads",
  );
  const e1 = rejects.find((r) => r.location === "coded.csv:2:patient_id");
  assert.ok(e1);
  const show = await cli("rejects", "show", e1.rejectId);
  assert.match(show.stdout, /payload:\ne1,p1,Z90001/);

  assert.equal((await cli("ingest", "csv", patients, "-q")).code, 0);
  const replay = await cli("rejects", "replay", e1.rejectId);
  assert.equal(replay.code, 0, replay.stdout + replay.stderr);
  assert.match(replay.stdout, /1 of 1 accepted/);
  const all = await cli("rejects", "replay", "--all");
  assert.equal(all.code, 1, "p2 is still unknown");
  assert.match(all.stdout, /still rejected: .*no record with this id/);

  const health = await cli("feeds", "--json");
  const gp = (
    JSON.parse(health.stdout) as {
      sourceSystem: string;
      received: number;
      rejected: number;
      openRejects: number;
    }[]
  ).find((r) => r.sourceSystem === "gp");
  assert.ok(gp);
  assert.equal(gp.openRejects, 1);
  assert.ok(gp.received >= 4 && gp.rejected >= 2);
});

test("the MLLP listener acknowledges after commit; mllp send reports the ACKs; the review queue and decisions", async () => {
  const adt = (
    control: string,
    recordId: string,
    family: string,
    nhs?: string,
    given = "Ann",
    birthDate = "1950-01-01",
  ) =>
    buildAdt({
      sendingApplication: "acute-pas",
      sendingFacility: "ZZA01",
      controlId: control,
      trigger: "A28",
      messageTime: "2014-02-01T10:00:00Z",
      patient: {
        recordId,
        authority: "ZZA01",
        nhsNumber: nhs ?? null,
        family,
        given,
        birthDate,
        sex: "female",
        postcode: null,
      },
    });
  const batch = join(dir, "adt.hl7");
  // Annie Reid without an NHS Number, day and month of birth swapped: perhaps the GP's Ann Reid, so queued for review.
  const annie = adt("c1", "RH1", "Reid", undefined, "Annie", "1944-07-04");
  writeFileSync(
    batch,
    `${annie}\n${adt("c2", "RH2", "Brown")}\n${annie}\n${adt("c3", "RH3", "Brown", "1234567890")}\n`,
  );
  const listener = spawn(process.execPath, [ONEPLACE_BIN, "mllp", "--port", "0"], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      ONEPLACE_LOG_LEVEL: "silent",
      ...database.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const port = await listenerPort(listener);
  const sent = await runCli(["mllp", "send", batch, "--port", String(port)], {});
  listener.kill("SIGTERM");
  const stopped = await new Promise<string>((resolve) => {
    let out = "";
    listener.stdout.on("data", (d) => {
      out += d;
    });
    listener.on("close", () => resolve(out));
  });
  assert.equal(sent.code, 1, sent.stdout);
  assert.match(sent.stdout, /c3: AE 102 PID-3/);
  assert.match(sent.stdout, /Sent 4 message\(s\): 3 AA, 1 AE/);
  assert.match(stopped, /Received 4 message\(s\): 3 AA, 1 AE, 0 AR/);

  const review = await cli("mpi", "review", "--json");
  assert.equal(review.code, 0, review.stderr);
  const items = JSON.parse(review.stdout) as { reviewId: string; recordId: string }[];
  assert.ok(items.length >= 1, review.stdout);
  const shown = await cli("mpi", "review", "--show-demographics");
  assert.match(shown.stdout, /candidate: gp\/p1 Reid, Ann 1944-04-07/);
  const decided = await cli("mpi", "link", items[0].reviewId);
  assert.equal(decided.code, 0, decided.stderr);
  assert.match(decided.stdout, /Recorded: linked to person/);
  const history = await cli("mpi", "history", "acute-pas", items[0].recordId);
  assert.match(history.stdout, /review-link .* by cli:/);
});
