// Who may send to the MLLP listener: an allow-list per source (addresses, MSH-3/MSH-4, with TLS a client
// certificate), loopback unless configured, and identity merges from a feed sent to the MPI review queue
// unless the source is trusted for merges. Certificates are made here, at test time, and thrown away.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { connect as tlsConnect } from "node:tls";
import { readAck } from "../../src/ingest/hl7/ack.ts";
import { type AdtFields, buildAdt } from "../../src/ingest/hl7/build-adt.ts";
import { parseMessage } from "../../src/ingest/hl7/message.ts";
import { frame, MllpDecoder } from "../../src/ingest/hl7/mllp.ts";
import { MllpConfigError, readMllpConfigFile } from "../../src/ingest/mllp-config.ts";
import { type MllpServerOptions, startMllpServer } from "../../src/ingest/mllp-server.ts";
import { listRejects, recordReject } from "../../src/ingest/rejects.ts";
import { replayReject } from "../../src/ingest/replay.ts";
import { decideReview, listReview } from "../../src/mpi/index.ts";
import { createLogger } from "../../src/platform/index.ts";
import type { Db } from "../../src/store/index.ts";
import { runCli } from "../helpers/cli.ts";
import { useTestDb } from "../helpers/test-db.ts";
import { loopbackSource, sendOne, syntheticPatient } from "./mllp-harness.ts";

let db: Db;
const logger = createLogger({ level: "silent" });
const dir = mkdtempSync(join(tmpdir(), "oneplace-mllp-sec-"));
after(() => rmSync(dir, { recursive: true, force: true }));

useTestDb({
  setup(opened) {
    db = opened;
  },
});

async function listen(options: Partial<MllpServerOptions> = {}) {
  return startMllpServer({ db, port: 0, logger, ...options });
}

let serial = 0;
const patient = (n: number, extra: Partial<AdtFields["patient"]> = {}) =>
  syntheticPatient(`SEC${String(n).padStart(5, "0")}`, n, extra);

function adt(
  trigger: string,
  p: AdtFields["patient"],
  extra: Partial<AdtFields> = {},
  app = "acute-pas",
  facility = "ZZA01",
): string {
  return buildAdt({
    sendingApplication: app,
    sendingFacility: facility,
    controlId: `sec${++serial}`,
    trigger,
    messageTime: "2014-07-02T10:00:00Z",
    patient: p,
    visit: null,
    ...extra,
  });
}

/** Connects and sends one frame; resolves with what came back and whether the listener closed the socket. */
function tryRaw(port: number, bytes: Buffer): Promise<{ closed: boolean; reply: string }> {
  return new Promise((resolve) => {
    let reply = "";
    const s = connect({ port, host: "127.0.0.1" }, () => s.write(bytes));
    s.on("data", (d) => {
      reply += d.toString("utf8");
    });
    s.on("error", () => {});
    s.on("close", () => resolve({ closed: true, reply }));
    setTimeout(() => {
      s.destroy();
      resolve({ closed: false, reply });
    }, 1500).unref();
  });
}

const personOf = async (id: string) =>
  (
    await db.query<{ person_id: string }>(
      "SELECT person_id::text AS person_id FROM mpi_record_link WHERE source_record_id = $1",
      [id],
    )
  )[0]?.person_id;

test("without an allow-list the listener will not listen beyond loopback, and takes only this machine's senders", async () => {
  await assert.rejects(listen({ host: "0.0.0.0" }), (e: unknown) => {
    assert.ok(e instanceof MllpConfigError);
    assert.match((e as Error).message, /will not listen on 0\.0\.0\.0 without an allow-list/);
    return true;
  });
  const server = await listen();
  try {
    const ack = await sendOne(server.port, adt("A28", patient(1)));
    assert.equal(ack.code, "AA");
  } finally {
    await server.close();
  }
});

test("a connection from an address no source allows is closed before anything it sends is read", async () => {
  const server = await listen({ sources: [loopbackSource("far-pas", { addresses: ["10.20.0.0/16"] })] });
  try {
    const { closed, reply } = await tryRaw(server.port, frame(adt("A28", patient(2))));
    assert.equal(closed, true);
    assert.equal(reply, "");
    assert.equal(server.stats().refusedConnections, 1);
    assert.equal(server.stats().received, 0);
    assert.equal(await personOf(patient(2).recordId), undefined);
  } finally {
    await server.close();
  }
});

test("a message whose MSH-3 or MSH-4 its source may not send as is refused AR, kept as a reject, and changes nothing", async () => {
  const server = await listen({
    sources: [loopbackSource("acute", { sendingApplications: ["acute-pas"], sendingFacilities: ["ZZA01"] })],
  });
  try {
    assert.equal((await sendOne(server.port, adt("A28", patient(3)))).code, "AA");
    const spoofApp = await sendOne(server.port, adt("A28", patient(4), {}, "gp-system"));
    assert.equal(spoofApp.code, "AR");
    assert.match(spoofApp.errorText, /MSH-3 sending application is not one source acute may send as/);
    const spoofFacility = await sendOne(server.port, adt("A28", patient(5), {}, "acute-pas", "XYZ99"));
    assert.equal(spoofFacility.code, "AR");
    assert.match(spoofFacility.errorText, /MSH-4/);
    assert.equal(await personOf(patient(4).recordId), undefined);
    assert.equal(await personOf(patient(5).recordId), undefined);
    const rejects = await listRejects(db, { reason: "may send as" });
    assert.equal(rejects.length, 2);
    for (const r of rejects) {
      assert.match(r.origin, /^mllp:127\.0\.0\.1:\d+ \(acute\)$/);
      assert.match(r.payload, /^MSH\|/);
    }
  } finally {
    await server.close();
  }
});

test("an A40 from a source not trusted for merges goes to the MPI review queue; a reviewer's link makes the merge", async () => {
  const server = await listen({ sources: [loopbackSource("acute")] });
  try {
    const survivor = patient(10, { family: "Keeper", given: "Alice", birthDate: "1930-01-01" });
    const prior = patient(11, { family: "Keepr", given: "Alicia", birthDate: "1931-01-01" });
    await sendOne(server.port, adt("A28", prior));
    await sendOne(server.port, adt("A28", survivor));
    const before = [await personOf(survivor.recordId), await personOf(prior.recordId)];
    assert.notEqual(before[0], before[1]);
    const ack = await sendOne(server.port, adt("A40", survivor, { priorIds: [prior.recordId] }));
    assert.equal(ack.code, "AA");
    // Not merged: both people still exist, each record where it was.
    assert.equal(await personOf(prior.recordId), before[1]);
    assert.equal((await db.query("SELECT 1 FROM person WHERE person_id = $1", [before[1]])).length, 1);
    assert.equal((await db.query("SELECT 1 FROM mpi_merge")).length, 0);
    const queue = (await listReview(db)).filter((r) => r.recordId === prior.recordId);
    assert.equal(queue.length, 1);
    assert.equal(queue[0].candidatePersonId, before[0]);
    const asked = await db.query<{ decided_by: string; reason: string }>(
      "SELECT decided_by, reason FROM mpi_decision WHERE kind = 'review-queued' AND source_record_id = $1",
      [prior.recordId],
    );
    assert.match(asked[0].decided_by, /^hl7:acute-pas:sec\d+$/);
    assert.match(asked[0].reason, /not trusted for merges/);
    // The same merge asked again (a new control id) queues nothing more.
    assert.equal(
      (await sendOne(server.port, adt("A40", survivor, { priorIds: [prior.recordId] }))).code,
      "AA",
    );
    assert.equal((await listReview(db)).filter((r) => r.recordId === prior.recordId).length, 1);
    await decideReview(db, queue[0].reviewId, "link", "cli:reviewer");
    assert.equal(await personOf(prior.recordId), before[0]);
  } finally {
    await server.close();
  }
});

test("a merge replayed from the rejects list waits for a reviewer: a replay never merges on its own", async () => {
  const survivor = patient(30, { family: "Replayed", given: "Cora", birthDate: "1934-01-01" });
  const prior = patient(31, { family: "Replayd", given: "Corah", birthDate: "1935-01-01" });
  const server = await listen({ sources: [loopbackSource("acute")] });
  try {
    await sendOne(server.port, adt("A28", prior));
    await sendOne(server.port, adt("A28", survivor));
  } finally {
    await server.close();
  }
  const before = [await personOf(survivor.recordId), await personOf(prior.recordId)];
  // As the listener keeps a message refused for claiming another source's identity.
  const origin = "mllp:127.0.0.1:9 (acute)";
  await recordReject(db, {
    sourceSystem: "acute-pas",
    format: "hl7",
    layout: null,
    origin,
    originKey: "replay-merge-test",
    location: null,
    reason: "MSH-3 sending application is not one source acute may send as",
    payload: adt("A40", survivor, { priorIds: [prior.recordId] }),
  });
  const reject = (await listRejects(db, {})).find((x) => x.origin === origin);
  assert.ok(reject, "the reject is listed");
  const result = await replayReject(db, reject.rejectId, "cli:engineer");
  assert.equal(result.accepted, true, result.reason ?? "");
  assert.equal(await personOf(prior.recordId), before[1], "not merged");
  assert.equal((await db.query("SELECT 1 FROM person WHERE person_id = $1", [before[1]])).length, 1);
  assert.equal(
    (await listReview(db)).filter((x) => x.recordId === prior.recordId).length,
    1,
    "queued for a reviewer",
  );
});

test("an A40 from a source trusted for merges merges the two people", async () => {
  const server = await listen({ sources: [loopbackSource("acute", { trustMerges: true })] });
  try {
    const survivor = patient(20, { family: "Trusted", given: "Bea", birthDate: "1932-01-01" });
    const prior = patient(21, { family: "Trustd", given: "Beatrice", birthDate: "1933-01-01" });
    await sendOne(server.port, adt("A28", prior));
    await sendOne(server.port, adt("A28", survivor));
    const before = [await personOf(survivor.recordId), await personOf(prior.recordId)];
    assert.equal(
      (await sendOne(server.port, adt("A40", survivor, { priorIds: [prior.recordId] }))).code,
      "AA",
    );
    assert.equal(await personOf(prior.recordId), before[0]);
    assert.equal((await db.query("SELECT 1 FROM person WHERE person_id = $1", [before[1]])).length, 0);
  } finally {
    await server.close();
  }
});

test("A34 and A35 (merges by patient id or account) from a feed are refused and change no one", async () => {
  const server = await listen({ sources: [loopbackSource("acute", { trustMerges: true })] });
  try {
    const survivor = patient(30);
    const prior = patient(31, { given: "Other" });
    await sendOne(server.port, adt("A28", prior));
    await sendOne(server.port, adt("A28", survivor));
    const before = await personOf(prior.recordId);
    for (const trigger of ["A34", "A35"]) {
      const ack = await sendOne(server.port, adt(trigger, survivor, { priorIds: [prior.recordId] }));
      assert.notEqual(ack.code, "AA");
    }
    assert.equal(await personOf(prior.recordId), before);
  } finally {
    await server.close();
  }
});

// --- TLS with client certificates, made now with openssl -------------------------------------------------

function openssl(...args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
}

function makeCertificates() {
  openssl(
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=Test MLLP CA",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
  );
  const issue = (name: string, cn: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-subj",
      `/CN=${cn}`,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
    );
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "1",
      "-extfile",
      `${name}.ext`,
      "-out",
      `${name}.crt`,
    );
  };
  issue("server", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  issue("pas", "pas.test", "extendedKeyUsage=clientAuth\n");
  issue("other", "other.test", "extendedKeyUsage=clientAuth\n");
  const read = (f: string) => readFileSync(join(dir, f));
  return { read };
}

function tlsSend(
  port: number,
  client: { cert?: Buffer; key?: Buffer },
  ca: Buffer,
  message: string,
): Promise<{ ack: string | null; error: string | null }> {
  return new Promise((resolve) => {
    const decoder = new MllpDecoder();
    const s = tlsConnect({ port, host: "127.0.0.1", ca, servername: "localhost", ...client }, () =>
      s.write(frame(message)),
    );
    s.on("data", (d) => {
      for (const e of decoder.push(d))
        if (e.kind === "frame") {
          resolve({ ack: e.body.toString("utf8"), error: null });
          s.destroy();
        }
    });
    s.on("error", (e) => resolve({ ack: null, error: (e as { code?: string }).code ?? e.message }));
    s.on("close", () => resolve({ ack: null, error: "closed" }));
  });
}

test("with TLS, only a sender presenting a certificate from the configured CA, with a name its source allows, is heard", async () => {
  const { read } = makeCertificates();
  writeFileSync(
    join(dir, "mllp.json"),
    JSON.stringify({
      tls: { certFile: "server.crt", keyFile: "server.key", caFile: "ca.crt" },
      sources: [{ name: "acute", addresses: ["127.0.0.1", "::1"], certificateNames: ["pas.test"] }],
    }),
  );
  const config = readMllpConfigFile(join(dir, "mllp.json"));
  assert.ok(config.tls);
  // Certificate names without a CA to check client certificates against are a mistake, not an open door.
  await assert.rejects(
    listen({ ...config, tls: { ...config.tls, ca: undefined } }),
    /name client certificates, but TLS with a caFile/,
  );
  const server = await listen(config);
  try {
    const ca = read("ca.crt");
    const good = await tlsSend(
      server.port,
      { cert: read("pas.crt"), key: read("pas.key") },
      ca,
      adt("A28", patient(40)),
    );
    assert.ok(good.ack, `expected an ACK, got ${good.error}`);
    assert.equal(readAck(parseMessage(good.ack)).code, "AA");
    const noCert = await tlsSend(server.port, {}, ca, adt("A28", patient(41)));
    assert.equal(noCert.ack, null);
    const wrongName = await tlsSend(
      server.port,
      { cert: read("other.crt"), key: read("other.key") },
      ca,
      adt("A28", patient(42)),
    );
    assert.equal(wrongName.ack, null);
    // `oneplace mllp send` over TLS with the sender's certificate.
    const batch = join(dir, "tls-batch.hl7");
    writeFileSync(batch, `${adt("A28", patient(44))}\n`);
    const tlsArgs = [
      "--ca",
      join(dir, "ca.crt"),
      "--cert",
      join(dir, "pas.crt"),
      "--key",
      join(dir, "pas.key"),
    ];
    const sent = await runCli(["mllp", "send", batch, "--port", String(server.port), ...tlsArgs], {});
    assert.equal(sent.code, 0, sent.stdout + sent.stderr);
    assert.match(sent.stdout, /Sent 1 message\(s\): 1 AA/);
    const halfTls = await runCli(
      ["mllp", "send", batch, "--port", String(server.port), "--cert", join(dir, "pas.crt")],
      {},
    );
    assert.notEqual(halfTls.code, 0);
    assert.match(halfTls.stderr, /--cert and --key go together, with --ca/);
    // Plain TCP to a TLS listener is not heard either.
    const plain = await tryRaw(server.port, frame(adt("A28", patient(43))));
    assert.equal(plain.reply.includes("MSA"), false);
    assert.equal((await personOf(patient(40).recordId)) !== undefined, true);
    for (const n of [41, 42, 43]) assert.equal(await personOf(patient(n).recordId), undefined);
    assert.ok(server.stats().refusedConnections >= 2);
  } finally {
    await server.close();
  }
});

test("a configuration file with a mistake is refused with the file and the setting named", () => {
  const write = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value));
    return path;
  };
  assert.throws(() => readMllpConfigFile(write("a.json", "{ not json")), /is not valid JSON/);
  assert.throws(
    () => readMllpConfigFile(write("b.json", { sources: [{ name: "x", addresses: ["not-an-ip"] }] })),
    /b\.json: sources\[0\]\.addresses|"not-an-ip" is not an IP address/,
  );
  assert.throws(
    () =>
      readMllpConfigFile(
        write("c.json", { sources: [{ name: "x", addresses: ["10.0.0.1"], trustMerge: true }] }),
      ),
    /unknown setting\(s\) trustMerge/,
  );
  assert.throws(
    () => readMllpConfigFile(write("d.json", { limits: { idleSeconds: 0 } })),
    /limits\.idleSeconds must be/,
  );
  const ok = readMllpConfigFile(
    write("e.json", {
      host: "0.0.0.0",
      limits: { maxConnections: 10 },
      sources: [{ name: "pas", addresses: ["10.1.0.0/16"], trustMerges: true }],
    }),
  );
  assert.equal(ok.sources?.[0].trustMerges, true);
  assert.equal(ok.limits?.maxConnections, 10);
});
