// The web face's shared plugins: deny by default, one error handler, security headers on everything.
import assert from "node:assert/strict";
import { test } from "node:test";
import { conflict, notFound } from "../../src/core/errors.ts";
import { webSuite } from "./harness.ts";

const web = webSuite({
  routes(app) {
    // Routes added the way a capability's plugin adds them: only the mark decides who may reach them.
    app.get("/test/unmarked", async () => ({ secret: "anyone who sees this got past the door" }));
    app.post("/test/unmarked", async () => ({ secret: "written" }));
    app.get("/test/marked", { config: { public: true } }, async () => ({ open: true }));
    app.get("/test/conflict", { config: { public: true } }, async () => {
      throw conflict("test.already-there", "That is already there.", { hint: "Choose another name." });
    });
    app.get("/test/not-found", { config: { public: true } }, async () => {
      throw notFound("test.nothing", "Nothing by that name.");
    });
    app.get("/test/defect", { config: { public: true } }, async () => {
      const missing = undefined as unknown as { read(): string };
      return missing.read();
    });
    app.get("/test/defect-quoting-data", { config: { public: true } }, async () => {
      throw new RangeError(
        'no practice for "Jane Smith" (NHS Number 943 476 5919, 9434765919) at RM17 6AB, born 1941-02-03, jane@example.org',
      );
    });
    app.post<{ Body: { riskTier?: string } }>(
      "/test/filtered",
      {
        config: { public: true },
        // Open as a capability might write it: the server closes it.
        schema: { body: { type: "object", properties: { riskTier: { type: "string" } } } },
      },
      async (request) => ({ body: request.body }),
    );
    app.get("/test/no-query", { config: { public: true } }, async () => ({ ok: true }));
    app.get<{ Querystring: { n: number } }>(
      "/test/validated",
      {
        config: { public: true },
        schema: { querystring: { type: "object", required: ["n"], properties: { n: { type: "integer" } } } },
      },
      async (request) => ({ n: request.query.n }),
    );
  },
});

test("a route without the public mark is closed: 401 for an API client, a sign-in redirect for a browser", async () => {
  const api = await web.app.inject({ method: "GET", url: "/test/unmarked" });
  assert.equal(api.headers["cache-control"], "no-store", "a closed route's answer is never cached");
  const open = await web.app.inject({ method: "GET", url: "/test/marked" });
  assert.equal(open.headers["cache-control"], undefined, "a public route may be cached");
  assert.equal(api.statusCode, 401);
  assert.match(String(api.headers["content-type"]), /application\/problem\+json/);
  assert.doesNotMatch(api.body, /got past the door/);
  const post = await web.app.inject({ method: "POST", url: "/test/unmarked", payload: {} });
  assert.equal(post.statusCode, 401);
  const page = await web.app.inject({
    method: "GET",
    url: "/test/unmarked",
    headers: { accept: "text/html" },
  });
  assert.equal(page.statusCode, 303);
  assert.equal(page.headers.location, "/login?next=%2Ftest%2Funmarked");
  const marked = await web.app.inject({ method: "GET", url: "/test/marked" });
  assert.equal(marked.statusCode, 200);
  assert.deepEqual(marked.json(), { open: true });
});

test("the routes that read personal data are closed to anyone not signed in", async () => {
  for (const [method, url] of [
    ["GET", "/api/people/00000000-0000-4000-8000-000000000001"],
    ["POST", "/api/people/00000000-0000-4000-8000-000000000001/break-glass"],
    ["GET", "/api/register"],
    ["POST", "/api/commissioning/cohort"],
    ["GET", "/api/me"],
  ] as const) {
    const res = await web.app.inject({ method, url, payload: method === "POST" ? {} : undefined });
    assert.equal(res.statusCode, 401, `${method} ${url}`);
  }
});

test("a OnePlaceError is problem+json with its kind's status, its code and its hint", async () => {
  const res = await web.app.inject({ method: "GET", url: "/test/conflict" });
  assert.equal(res.statusCode, 409);
  assert.match(String(res.headers["content-type"]), /application\/problem\+json/);
  assert.deepEqual(res.json(), {
    type: "about:blank",
    title: "Conflict",
    status: 409,
    detail: "That is already there.",
    code: "test.already-there",
    hint: "Choose another name.",
  });
  const missing = await web.app.inject({ method: "GET", url: "/test/not-found" });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().code, "test.nothing");
});

test("Fastify's own validation errors are a 400", async () => {
  const res = await web.app.inject({ method: "GET", url: "/test/validated?n=many" });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().status, 400);
  assert.match(res.json().detail, /n/);
});

test("an unknown field in a body or query string is a 400 naming it, never dropped", async () => {
  const misspelt = await web.app.inject({
    method: "POST",
    url: "/test/filtered",
    payload: { riskTeir: "high" },
  });
  assert.equal(misspelt.statusCode, 400);
  assert.match(misspelt.json().detail, /body has an unknown field "riskTeir"/);
  const nested = await web.app.inject({ method: "GET", url: "/test/validated?n=1&filter=x" });
  assert.equal(nested.statusCode, 400);
  assert.match(nested.json().detail, /querystring has an unknown field "filter"/);
  const noSchema = await web.app.inject({ method: "GET", url: "/test/no-query?tier=high" });
  assert.equal(noSchema.statusCode, 400, "a route that takes no query string takes none");
  assert.match(noSchema.json().detail, /unknown field "tier"/);
  const known = await web.app.inject({
    method: "POST",
    url: "/test/filtered",
    payload: { riskTier: "high" },
  });
  assert.equal(known.statusCode, 200);
  assert.deepEqual(known.json(), { body: { riskTier: "high" } });
  assert.equal((await web.app.inject({ method: "GET", url: "/test/validated?n=1" })).statusCode, 200);
});

test("a defect's log line has its class, redacted message, stack and request id; never the person", async () => {
  const before = web.logLines.length;
  const res = await web.app.inject({ method: "GET", url: "/test/defect-quoting-data" });
  assert.equal(res.statusCode, 500);
  assert.match(res.json().detail, /^internal error/);
  assert.doesNotMatch(res.body, /Jane|RangeError|practice/);
  const requestId = String(res.headers["x-request-id"]);
  const line = web.logLines
    .slice(before)
    .map((l) => JSON.parse(l))
    .find((l) => l.msg === "request failed");
  assert.ok(line, "the defect is logged");
  assert.equal(line.reqId, requestId, "under the request's id, which the answer gives the client");
  assert.equal(line.level, 50);
  assert.equal(line.error.type, "RangeError");
  assert.equal(line.route, "/test/defect-quoting-data");
  assert.match(
    line.error.message,
    /^no practice for \[redacted\] \(NHS Number \[redacted\], \[redacted\]\) at \[redacted\], born \[redacted\], \[redacted\]$/,
  );
  assert.match(line.error.stack, /^at .*plugins\.test\.ts/m);
  const logged = web.logLines.slice(before).join("");
  for (const personal of ["Jane", "Smith", "943 476 5919", "9434765919", "RM17", "1941", "jane@"])
    assert.ok(!logged.includes(personal), `the log does not carry ${personal}`);
});

test("a defect is a 500 'internal error' that says nothing of its cause; the log has its class and message", async () => {
  const res = await web.app.inject({ method: "GET", url: "/test/defect" });
  assert.equal(res.statusCode, 500);
  const body = res.json();
  assert.equal(body.title, "Internal server error");
  assert.match(body.detail, /^internal error/);
  assert.doesNotMatch(res.body, /TypeError|read|undefined/);
  assert.equal(body.code, undefined);
  assert.equal(body.hint, undefined);
  const logged = web.logLines.join("");
  assert.match(logged, /"errorType":"TypeError"/);
  assert.match(logged, /"message":"Cannot read properties of undefined \(reading 'read'\)"/);
});

test("security headers through helmet: no inline script, HSTS, on pages, errors and unknown paths", async () => {
  for (const url of [
    "/",
    "/test/defect",
    "/test/unmarked",
    "/no-such-page",
    "/assets/nhsuk/nhsuk-frontend.min.css",
    "/fhir/R4/metadata",
    "/fhir/R4/Patient/no-token",
  ]) {
    const res = await web.app.inject({ method: "GET", url });
    assert.equal(
      res.headers["content-security-policy"],
      "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;frame-ancestors 'none';base-uri 'none';form-action 'self';object-src 'none'",
      url,
    );
    assert.doesNotMatch(String(res.headers["content-security-policy"]), /unsafe-inline|unsafe-eval/, url);
    assert.equal(res.headers["strict-transport-security"], "max-age=31536000; includeSubDomains", url);
    assert.equal(res.headers["x-content-type-options"], "nosniff", url);
    assert.equal(res.headers["x-frame-options"], "DENY", url);
    assert.equal(res.headers["referrer-policy"], "no-referrer", url);
    assert.equal(res.headers["cross-origin-opener-policy"], "same-origin", url);
    // helmet's other defaults, worked out once at start-up and the same on every response.
    assert.equal(res.headers["cross-origin-resource-policy"], "same-origin", url);
    assert.equal(res.headers["origin-agent-cluster"], "?1", url);
    assert.equal(res.headers["x-dns-prefetch-control"], "off", url);
    assert.equal(res.headers["x-download-options"], "noopen", url);
    assert.equal(res.headers["x-permitted-cross-domain-policies"], "none", url);
    assert.equal(res.headers["x-xss-protection"], "0", url);
    assert.equal(res.headers["x-powered-by"], undefined, url);
  }
});

test("pages carry no inline script: each script is a file this site serves", async () => {
  const page = await web.app.inject({ method: "GET", url: "/login", headers: { accept: "text/html" } });
  assert.equal(page.statusCode, 200);
  const scripts = [...page.body.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.deepEqual(
    scripts.map((m) => /src="([^"]+)"/.exec(m[1] ?? "")?.[1]),
    ["/assets/oneplace/js-enabled.js", "/assets/oneplace/init.js"],
  );
  for (const [, attributes, body] of scripts) {
    assert.equal(body?.trim(), "", `no inline code in <script${attributes}>`);
    const src = /src="([^"]+)"/.exec(attributes ?? "")?.[1] as string;
    const file = await web.app.inject({ method: "GET", url: src });
    assert.equal(file.statusCode, 200, src);
    assert.match(String(file.headers["content-type"]), /^text\/javascript/, src);
  }
  const init = await web.app.inject({ method: "GET", url: "/assets/oneplace/init.js" });
  const imported = /from "([^"]+)"/.exec(init.body)?.[1] as string;
  assert.equal((await web.app.inject({ method: "GET", url: imported })).statusCode, 200, imported);
});
