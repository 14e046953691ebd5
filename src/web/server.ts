import Fastify, { type FastifyBaseLogger } from "fastify";
import type { Logger } from "pino";
import type { AuthConfig } from "../governance/auth-config.ts";
import type { Db } from "../store/db.ts";
import { migrationStatus } from "../store/migrate.ts";
import { type PlaceSummary, placeSummary } from "../store/place-summary.ts";
import { registerAssetRoutes } from "./assets.ts";
import { registerAuth } from "./auth.ts";
import { createViews } from "./render.ts";

export interface WebOptions {
  db: Db;
  logger: Logger;
  placeName: string;
  /** How long a computed summary is served before it is counted again. */
  summaryTtlMs?: number;
  /** Sign-in settings; read from the environment when absent. */
  auth?: AuthConfig;
}

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
};

const healthSchema = {
  type: "object",
  properties: { status: { type: "string" }, engine: { type: "string" }, migrations: { type: "string" } },
} as const;

const summarySchema = {
  type: "object",
  properties: {
    people: { type: "integer" },
    registeredNow: { type: "integer" },
    practices: { type: "integer" },
    localities: { type: "integer" },
    organisations: { type: "integer" },
    historyFrom: { type: ["string", "null"] },
    historyTo: { type: ["string", "null"] },
    eventsByKind: {
      type: "array",
      items: {
        type: "object",
        properties: { kind: { type: "string" }, table: { type: "string" }, rows: { type: "integer" } },
      },
    },
    lastLoad: {
      type: ["object", "null"],
      properties: {
        description: { type: "string" },
        finishedAt: { type: ["string", "null"] },
        status: { type: "string" },
      },
    },
  },
} as const;

export async function createWebServer(options: WebOptions) {
  const { db, placeName } = options;
  const ttl = options.summaryTtlMs ?? 30_000;
  const views = createViews();
  const app = Fastify({ loggerInstance: options.logger as FastifyBaseLogger });

  let cached: { at: number; summary: Promise<PlaceSummary> } | null = null;
  const summary = () => {
    if (!cached || Date.now() - cached.at > ttl) {
      const pending = placeSummary(db);
      cached = { at: Date.now(), summary: pending };
      pending.catch(() => {
        cached = null;
      });
    }
    return cached.summary;
  };

  app.addHook("onSend", async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    return payload;
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    request.log.error(
      { err: { type: error.name, message: status < 500 ? error.message : "internal" } },
      "request failed",
    );
    reply
      .status(status)
      .type("application/problem+json")
      .send({
        type: "about:blank",
        title: status < 500 ? "Bad request" : "Internal server error",
        status,
        detail:
          status < 500 ? error.message : "The server could not complete the request; it has been logged.",
      });
  });

  app.setNotFoundHandler((request, reply) => {
    reply
      .status(404)
      .type("application/problem+json")
      .send({
        type: "about:blank",
        title: "Not found",
        status: 404,
        detail: `No page at ${request.method} this path`,
      });
  });

  // Every route is closed to anyone not signed in, except these, which show no personal data.
  await registerAuth(app, {
    db,
    config: options.auth,
    publicRoutes: ["/", "/health", "/api/status", "/assets/nhsuk/:file", "/assets/nhsuk/images/:file"],
  });

  app.get(
    "/health",
    {
      schema: {
        response: { 200: healthSchema, 503: healthSchema },
      },
    },
    async (_request, reply) => {
      try {
        const status = await migrationStatus(db);
        const current = status.every((s) => s.state === "applied");
        return reply.status(current ? 200 : 503).send({
          status: current ? "ok" : "migrations-pending",
          engine: db.engine,
          migrations: current ? "current" : "pending",
        });
      } catch {
        return reply
          .status(503)
          .send({ status: "database-unavailable", engine: db.engine, migrations: "unknown" });
      }
    },
  );

  app.get("/api/status", { schema: { response: { 200: summarySchema } } }, () => summary());

  app.get("/", async (_request, reply) => {
    const s = await summary();
    const html = views.render("status.njk", {
      title: "Status",
      placeName,
      summary: s,
      engineLabel: db.engine === "pglite" ? "Embedded (PGlite)" : "PostgreSQL server",
      eventRows: s.eventsByKind.map((e) => [
        { text: e.kind },
        { text: new Intl.NumberFormat("en-GB").format(e.rows), format: "numeric" },
      ]),
    });
    return reply.type("text/html; charset=utf-8").send(html);
  });

  registerAssetRoutes(app);

  return app;
}
