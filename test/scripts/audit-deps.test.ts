// The dependency audit CI runs: fails on high or critical advisories in production dependencies, passes a
// clean report, and when the advisory service does not answer says it checked nothing (and passes). npm is
// replaced by a script printing what npm prints in each case, so the test needs no network.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("../../scripts/audit-deps.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "oneplace-audit-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in for npm that prints `stdout` and exits with `code`, and records the arguments it was given. */
function fakeNpm(name: string, stdout: string, code: number): string {
  const path = join(dir, name);
  writeFileSync(join(dir, `${name}.json`), stdout);
  writeFileSync(path, `#!/bin/sh\necho "$@" > "${path}.args"\ncat "${path}.json"\nexit ${code}\n`);
  chmodSync(path, 0o755);
  return path;
}

function audit(npm: string) {
  const res = spawnSync(process.execPath, [SCRIPT, "--npm", npm], { encoding: "utf8" });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

const counts = (high: number, critical: number, moderate = 0) => ({
  info: 0,
  low: 0,
  moderate,
  high,
  critical,
  total: high + critical + moderate,
});

test("high or critical advisories in production dependencies fail the audit, naming the packages", () => {
  const npm = fakeNpm(
    "vulnerable",
    JSON.stringify({
      auditReportVersion: 2,
      vulnerabilities: {
        "some-parser": { name: "some-parser", severity: "high", range: "<2.1.0", via: [] },
        "left-pad-ish": { name: "left-pad-ish", severity: "moderate", range: "*", via: [] },
        "deep-merge": { name: "deep-merge", severity: "critical", range: "<1.0.4", via: [] },
      },
      metadata: { vulnerabilities: counts(1, 1, 1) },
    }),
    1,
  );
  const res = audit(npm);
  assert.equal(res.code, 1);
  assert.match(res.stderr, /2 high or critical advisories in production dependencies/);
  assert.match(res.stderr, /critical deep-merge <1\.0\.4/);
  assert.match(res.stderr, /high +some-parser <2\.1\.0/);
  assert.doesNotMatch(res.stderr, /left-pad-ish/);
  assert.equal(
    spawnSync("cat", [`${npm}.args`], { encoding: "utf8" }).stdout.trim(),
    "audit --omit=dev --audit-level=high --json",
  );
});

test("a clean report, or only lower advisories, passes", () => {
  const res = audit(
    fakeNpm(
      "clean",
      JSON.stringify({
        auditReportVersion: 2,
        vulnerabilities: {},
        metadata: { vulnerabilities: counts(0, 0, 2) },
      }),
      0,
    ),
  );
  assert.equal(res.code, 0);
  assert.match(res.stdout, /no high or critical advisories in production dependencies \(2 lower ones\)/);
});

test("when the advisory service does not answer, the audit says nothing was checked and passes", () => {
  for (const [name, stdout] of [
    [
      "offline",
      JSON.stringify({ error: { code: "ENOTFOUND", summary: "request to the registry failed", detail: "" } }),
    ],
    [
      "refused",
      JSON.stringify({
        message: "405 Method Not Allowed - POST https://mirror.invalid/-/npm/v1/security/advisories/bulk",
        statusCode: 405,
        error: { summary: "", detail: "" },
      }),
    ],
    ["garbled", "npm ERR! something else entirely"],
  ] as const) {
    const res = audit(fakeNpm(name, stdout, 1));
    assert.equal(res.code, 0, name);
    assert.match(res.stdout, /could not reach the advisory service; not checked/, name);
    assert.doesNotMatch(res.stdout, /https?:/, `${name}: no address printed`);
  }
  const missing = audit(join(dir, "no-such-npm"));
  assert.equal(missing.code, 0);
  assert.match(missing.stdout, /not checked/);
});
