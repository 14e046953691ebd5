// Every route the web face has is governed on purpose: put through the access matrix, reached by role with
// its tests named, or declared to show no person's record, with the reason (ROUTE_GOVERNANCE in
// access-matrix.ts). A new route without that decision fails here, before anyone can reach it.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { createLogger, type Db } from "../../src/platform/index.ts";
import { createWebServer, type RouteInfo } from "../../src/web/index.ts";
import type { WebApp } from "../web/harness.ts";
import { ROUTE_GOVERNANCE, type RouteGovernance } from "./access-matrix.ts";

const ROOT = new URL("../../", import.meta.url);

/** What is wrong with the governance list for these routes: each problem a line saying what to do. */
export function routeGovernanceProblems(
  routes: readonly RouteInfo[],
  governance: Readonly<Record<string, RouteGovernance>>,
): string[] {
  const problems: string[] = [];
  const keys = new Set<string>();
  for (const route of routes) {
    if (route.method === "HEAD") continue;
    const key = `${route.method} ${route.url}`;
    keys.add(key);
    const entry = governance[key];
    if (!entry) {
      problems.push(
        `${key}: not governed; put it through the access matrix, or add it to ROUTE_GOVERNANCE in test/governance/access-matrix.ts with the reason it shows no person's record`,
      );
      continue;
    }
    if (route.public && entry.kind !== "none")
      problems.push(
        `${key}: marked public on the route but governed as "${entry.kind}": a public route shows no person`,
      );
    if (entry.kind === "none") continue;
    const path = new URL(entry.file, ROOT);
    if (!existsSync(path)) {
      problems.push(`${key}: ${entry.file} does not exist`);
      continue;
    }
    const text = readFileSync(path, "utf8");
    // The route's fixed start ("/api/people/") or the reader call it makes must be what the file exercises.
    const needle =
      entry.kind === "matrix" && entry.through ? entry.through : (route.url.split(":")[0] as string);
    if (!text.includes(needle)) problems.push(`${key}: ${entry.file} never mentions ${needle}`);
    if (entry.kind === "matrix" && !/from "(\.\.\/governance\/|\.\/)access-matrix\.ts"/.test(text))
      problems.push(`${key}: ${entry.file} does not run the access matrix (access-matrix.ts)`);
  }
  for (const key of Object.keys(governance))
    if (!keys.has(key))
      problems.push(`${key}: in ROUTE_GOVERNANCE but the server has no such route; remove it`);
  return problems;
}

let app: WebApp;
before(async () => {
  // Registering routes reads no data: a database that is never asked will do.
  const db = new Proxy({} as Db, {
    get: (_t, name) => {
      throw new Error(`the route list needs no database (asked for ${String(name)})`);
    },
  });
  app = await createWebServer({
    db,
    logger: createLogger({ level: "silent" }),
    placeName: "Routes",
    admissionNotifier: false,
    // The demo's citizen sign-in (only `oneplace demo` turns it on): its routes are governed too.
    demoCitizenIdp: { baseUrl: "http://localhost:3000", citizens: [] },
  });
});
after(() => app?.close());

test("every route the web face registers is in the access matrix or declared without personal data, with a reason", () => {
  assert.ok(app.routeList.length > 40, "the server's routes are listed");
  assert.deepEqual(routeGovernanceProblems(app.routeList, ROUTE_GOVERNANCE), []);
});

test("a new route without a governance decision fails the check, as does a public route claimed by the matrix", () => {
  const added: RouteInfo[] = [
    ...app.routeList,
    { method: "GET", url: "/api/people/:personId/secrets", public: false },
  ];
  assert.deepEqual(routeGovernanceProblems(added, ROUTE_GOVERNANCE), [
    "GET /api/people/:personId/secrets: not governed; put it through the access matrix, or add it to ROUTE_GOVERNANCE in test/governance/access-matrix.ts with the reason it shows no person's record",
  ]);
  const wronglyPublic = app.routeList.map((r) =>
    r.url === "/api/people/:personId" ? { ...r, public: true } : r,
  );
  assert.match(
    routeGovernanceProblems(wronglyPublic, ROUTE_GOVERNANCE).join("\n"),
    /marked public on the route/,
  );
  const gone = { ...ROUTE_GOVERNANCE, "GET /old": { kind: "none", reason: "x" } as RouteGovernance };
  assert.deepEqual(routeGovernanceProblems(app.routeList, gone), [
    "GET /old: in ROUTE_GOVERNANCE but the server has no such route; remove it",
  ]);
  const wrongFile = {
    ...ROUTE_GOVERNANCE,
    "GET /api/people/:personId": { kind: "matrix", file: "test/web/plugins.test.ts" } as RouteGovernance,
  };
  assert.match(
    routeGovernanceProblems(app.routeList, wrongFile).join("\n"),
    /test\/web\/plugins\.test\.ts does not run the access matrix/,
  );
});
