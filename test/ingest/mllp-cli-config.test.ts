// The listener's configuration through the command line: `oneplace mllp` refuses an open address without an
// allow-list and a configuration file with a mistake, each with a message naming what to fix, and listens as
// ONEPLACE_MLLP_CONFIG says (an untrusted source's A40 waits for review).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { buildAdt } from "../../src/ingest/hl7/build-adt.ts";
import { openDb } from "../../src/store/index.ts";
import { listenerPort, ONEPLACE_BIN, runCli } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/test-db.ts";

let database: TestDatabase;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "oneplace-mllp-cli-"));
  database = await createTestDatabase();
  const migrated = await runCli(["db", "migrate"], database.env);
  assert.equal(migrated.code, 0, migrated.stderr);
});
after(async () => {
  await database?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("oneplace mllp will not listen beyond loopback without an allow-list, and names a mistake in its configuration", async () => {
  const open = await runCli(["mllp", "--host", "0.0.0.0", "--port", "0"], database.env);
  assert.notEqual(open.code, 0);
  assert.match(open.stderr, /will not listen on 0\.0\.0\.0 without an allow-list/);
  const bad = join(dir, "bad.json");
  writeFileSync(
    bad,
    JSON.stringify({ sources: [{ name: "pas", addresses: ["10.0.0.1"], trustMerge: true }] }),
  );
  const wrong = await runCli(["mllp", "--port", "0"], { ...database.env, ONEPLACE_MLLP_CONFIG: bad });
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /bad\.json: sources\[0\]: unknown setting\(s\) trustMerge/);
});

test("oneplace mllp listens as ONEPLACE_MLLP_CONFIG says; an untrusted source's A40 is acknowledged and waits for review", async () => {
  const config = join(dir, "mllp.json");
  writeFileSync(
    config,
    JSON.stringify({
      sources: [{ name: "acute", addresses: ["127.0.0.1"], sendingApplications: ["acute-pas"] }],
    }),
  );
  const adt = (
    controlId: string,
    trigger: string,
    recordId: string,
    [family, given, birthDate]: string[],
    priorIds?: string[],
  ) =>
    buildAdt({
      sendingApplication: "acute-pas",
      sendingFacility: "ZZA01",
      controlId,
      trigger,
      messageTime: "2014-07-02T10:00:00Z",
      patient: {
        recordId,
        authority: "ZZA01",
        family,
        given,
        birthDate,
        sex: "female",
        postcode: "RM17 6VA",
      },
      visit: null,
      priorIds,
    });
  const batch = join(dir, "batch.hl7");
  writeFileSync(
    batch,
    [
      adt("c1", "A28", "CLI1", ["Hill", "Jo", "1950-01-01"]),
      adt("c2", "A28", "CLI2", ["Hull", "Sam", "1961-03-04"]),
      adt("c3", "A40", "CLI1", ["Hill", "Jo", "1950-01-01"], ["CLI2"]),
    ].join("\n"),
  );
  const env = { ...database.env, ONEPLACE_MLLP_CONFIG: config, ONEPLACE_LOG_LEVEL: "silent" };
  const listener = spawn(process.execPath, [ONEPLACE_BIN, "mllp", "--port", "0"], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const port = await listenerPort(listener);
  const sent = await runCli(["mllp", "send", batch, "--port", String(port)], {});
  listener.kill("SIGTERM");
  await new Promise((resolve) => listener.on("close", resolve));
  assert.equal(sent.code, 0, sent.stdout);
  assert.match(sent.stdout, /Sent 3 message\(s\): 3 AA/);
  const db = await openDb({ databaseUrl: database.databaseUrl, home: database.home });
  try {
    const links = await db.query<{ source_record_id: string; person_id: string }>(
      "SELECT source_record_id, person_id::text AS person_id FROM mpi_record_link WHERE source_record_id IN ('CLI1', 'CLI2') ORDER BY 1",
    );
    assert.equal(links.length, 2);
    assert.notEqual(links[0].person_id, links[1].person_id);
    const review = await db.query<{ source_record_id: string }>(
      "SELECT source_record_id FROM mpi_review WHERE status = 'open' AND source_record_id = 'CLI2'",
    );
    assert.equal(review.length, 1);
  } finally {
    await db.close();
  }
});
