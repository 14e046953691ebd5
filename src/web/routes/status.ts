// What is loaded and whether the service is healthy: counts only, no personal data, so public.
import type { FastifyInstance } from "fastify";
import { type Db, migrationStatus, type PlaceSummary, placeSummary } from "../../platform/index.ts";
import { statusContext } from "../views/status.context.ts";

export interface StatusRouteOptions {
  db: Db;
  placeName: string;
  /** How long a computed summary is served before it is counted again. */
  summaryTtlMs: number;
}

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

/** The summary, counted at most once per ttl however many requests ask. */
function cachedSummary(db: Db, ttl: number): () => Promise<PlaceSummary> {
  let cached: { at: number; summary: Promise<PlaceSummary> } | null = null;
  return () => {
    if (!cached || Date.now() - cached.at > ttl) {
      const pending = placeSummary(db);
      cached = { at: Date.now(), summary: pending };
      pending.catch(() => {
        cached = null;
      });
    }
    return cached.summary;
  };
}

export async function statusRoutes(app: FastifyInstance, options: StatusRouteOptions): Promise<void> {
  const { db, placeName } = options;
  const summary = cachedSummary(db, options.summaryTtlMs);
  const config = { public: true };

  app.get(
    "/health",
    { config, schema: { response: { 200: healthSchema, 503: healthSchema } } },
    async (_request, reply) => {
      try {
        const current = (await migrationStatus(db)).every((s) => s.state === "applied");
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

  app.get("/api/status", { config, schema: { response: { 200: summarySchema } } }, () => summary());

  // The home page (`/`) is by role and needs a sign-in; what is loaded stays open to anyone here.
  app.get("/status", { config }, async (_request, reply) =>
    reply.view("status.njk", statusContext(placeName, db.engine, await summary())),
  );
}
