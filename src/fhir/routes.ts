// The FHIR R4 face under /fhir/R4, as a Fastify plugin: authentication (SMART backend tokens, OnePlace API
// tokens, and a signed-in user's session for reads), the token endpoint, the CapabilityStatement, read, search
// and Patient/$everything. Every answer is application/fhir+json; every error an OperationOutcome. Personal
// data is reached only through the repository, which decides and audits before it reads.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { HTTP_STATUS_OF_KIND, isOnePlaceError } from "../core/errors.ts";
import {
  type AccessContext,
  AccessDenied,
  appendAuditEvent,
  type GovernanceLog,
  type Identity,
  type PseudonymKeys,
  resolveApiToken,
} from "../governance/index.ts";
import { DEFAULT_PUBLIC_URL, errorForLog } from "../platform/index.ts";
import { queueRescore, queueRescoreText, type Rescorer, startRescorer } from "../risk/index.ts";
import type { Db, Queryable } from "../store/index.ts";
import { auditEventRoute } from "./audit-events.ts";
import { BulkExporter } from "./bulk-export.ts";
import { bulkRoutes } from "./bulk-routes.ts";
import { capabilityStatement } from "./capability.ts";
import { resolveAccessToken } from "./clients.ts";
import { etagOf, notModified } from "./conditional.ts";
import type { FhirIdentity } from "./identity.ts";
import { FhirError, operationOutcome } from "./outcome.ts";
import { COMMON_PARAMS, RESOURCE_TYPES } from "./registry.ts";
import { createFhirRepository } from "./repository.ts";
import { type Interaction, scopesAllow } from "./scopes.ts";
import { maskedValue, type Query } from "./search-params.ts";
import { exchangeClientAssertion, OAuthError, type TokenRequest } from "./smart-token.ts";
import type { FhirResource, ResourceType } from "./types.ts";
import { WRITE_BODY_LIMIT, writeRoutes } from "./writes.ts";

export const FHIR_BASE_PATH = "/fhir/R4";
const FHIR_JSON = "application/fhir+json; charset=utf-8";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The route authenticates its own requests (the FHIR API); the web's auth plugin leaves it alone. */
    ownAuth?: boolean;
  }
  interface FastifyRequest {
    fhirIdentity: FhirIdentity | null;
  }
}

export interface FhirPluginOptions {
  db: Db;
  /** The signed-in user behind the request's session cookie, if any (the web face knows its cookies). */
  sessionOf(request: FastifyRequest): Promise<Identity | null>;
  version: string;
  /**
   * Where callers reach the server (ONEPLACE_PUBLIC_URL, no trailing slash): links and the SMART token
   * audience are built from it, never from the request's Host header. Default http://localhost:3000.
   */
  publicUrl?: string;
  /** Bulk Data export: where its files go (ONEPLACE_HOME/fhir-exports), the pseudonymisation keys, expiry. */
  exports: { dir: string; keys: PseudonymKeys; ttlMs?: number };
}

function auditDetail(request: FastifyRequest, identity: FhirIdentity): string {
  const path = request.url.split("?")[0].slice(0, 200);
  const query = Object.entries((request.query ?? {}) as Query)
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((one) => [k, one] as const))
    .map(([k, v]) => `${k}=${maskedValue(k, String(v))}`)
    .join("&");
  const who = identity.clientId ? `client ${identity.clientId}: ` : "";
  return `${who}${request.method} ${path}${query ? `?${query}` : ""}`;
}

declare module "fastify" {
  interface FastifyInstance {
    /** The FHIR base URL callers are given and the token audience: from the configured public URL. */
    fhirBaseUrl: string;
  }
}

/** The FHIR base as configured; a forged Host header changes neither links nor the accepted audience. */
function baseUrl(request: FastifyRequest): string {
  return request.server.fhirBaseUrl;
}

function contextOf(db: Queryable, request: FastifyRequest, identity: FhirIdentity): AccessContext {
  return {
    db,
    user: identity.user,
    roleAssignment: identity.roleAssignment,
    purpose: identity.purpose,
    origin: { channel: "fhir", clientAddress: request.ip, detail: auditDetail(request, identity) },
    log: request.log as unknown as GovernanceLog,
  };
}

function userIdentity(identity: Identity): FhirIdentity {
  return { ...identity, clientId: null, scopes: null };
}

const stringOrList = {
  anyOf: [
    { type: "string", maxLength: 2000 },
    { type: "array", maxItems: 10, items: { type: "string", maxLength: 2000 } },
  ],
};

function querySchema(type: ResourceType) {
  const names = [...COMMON_PARAMS, "_format", ...Object.keys(type.params)];
  return { type: "object", properties: Object.fromEntries(names.map((n) => [n, stringOrList])) };
}

function sendOutcome(
  reply: FastifyReply,
  status: number,
  code: Parameters<typeof operationOutcome>[1],
  diagnostics: string,
) {
  return reply
    .status(status)
    .type(FHIR_JSON)
    .send(operationOutcome(status >= 500 ? "fatal" : "error", code, diagnostics));
}

function searchBundle(
  request: FastifyRequest,
  type: ResourceType,
  result: { resources: FhirResource[]; included: FhirResource[]; total: number; withheld: number },
  query: Query,
) {
  const base = baseUrl(request);
  const count = Number(query._count ?? 50);
  const offset = Number(query._offset ?? 0);
  const link = (relation: string, at: number) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (k === "_offset" || v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
    }
    if (at > 0) params.set("_offset", String(at));
    const qs = params.toString();
    return { relation, url: `${base}/${type.type}${qs ? `?${qs}` : ""}` };
  };
  const links = [link("self", offset)];
  if (offset + result.resources.length < result.total && count > 0) links.push(link("next", offset + count));
  if (offset > 0) links.push(link("previous", Math.max(0, offset - count)));
  const entry: Record<string, unknown>[] = [
    ...result.resources.map((resource) => ({
      fullUrl: `${base}/${resource.resourceType}/${resource.id}`,
      resource,
      search: { mode: "match" },
    })),
    ...result.included.map((resource) => ({
      fullUrl: `${base}/${resource.resourceType}/${resource.id}`,
      resource,
      search: { mode: "include" },
    })),
  ];
  if (result.withheld > 0) {
    entry.push({
      resource: operationOutcome(
        "information",
        "informational",
        `${result.withheld} matching ${result.withheld === 1 ? "person is" : "people are"} not shown: this caller has no legitimate relationship, or the person objects to sharing`,
      ),
      search: { mode: "outcome" },
    });
  }
  return { resourceType: "Bundle", type: "searchset", total: result.total, link: links, entry };
}

/** The JSON formats _format may name (a "+" unescaped in a URL arrives as a space). */
const JSON_FORMATS = new Set(["json", "application/json", "application/fhir+json", "application/fhir json"]);

/** The _format asked for when it is one this server does not answer in (XML, Turtle), else null. */
function unservedFormat(request: FastifyRequest): string | null {
  const raw = ((request.query ?? {}) as Query)._format;
  if (raw === undefined) return null;
  // A Bulk Data kick-off also takes the NDJSON its files are written in (bulk-routes.ts checks which).
  const kickOff = request.url.split("?")[0].endsWith("$export");
  for (const value of Array.isArray(raw) ? raw : [raw]) {
    const mime = String(value).split(";")[0].trim().toLowerCase();
    if (kickOff && mime.includes("ndjson")) continue;
    if (!JSON_FORMATS.has(mime)) return mime.replace(/[^a-z0-9+/.-]/g, "").slice(0, 40) || "(empty)";
  }
  return null;
}

const RESCORERS = new WeakMap<Db, Rescorer>();

/** The rescorer of the people FHIR writes on this database changed, once a write has started it. */
export function fhirRescorerFor(db: Db): Rescorer | null {
  return RESCORERS.get(db) ?? null;
}

export async function fhirPlugin(app: FastifyInstance, options: FhirPluginOptions) {
  const { db } = options;
  app.decorateRequest("fhirIdentity", null);
  app.decorate(
    "fhirBaseUrl",
    `${(options.publicUrl ?? DEFAULT_PUBLIC_URL).replace(/\/+$/, "")}${FHIR_BASE_PATH}`,
  );

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof FhirError) return sendOutcome(reply, error.status, error.issue, error.message);
    if (error instanceof AccessDenied) {
      request.log.info({ code: error.code }, "FHIR request refused");
      return sendOutcome(reply, 403, "forbidden", error.message);
    }
    if (isOnePlaceError(error))
      return sendOutcome(reply, HTTP_STATUS_OF_KIND[error.kind], "invalid", error.message);
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500 && (error.validation !== undefined || /^FST_/.test(error.code ?? ""))) {
      return sendOutcome(reply, status, error.validation ? "not-supported" : "invalid", error.message);
    }
    request.log.error(
      { errorType: error.name, error: errorForLog(error), route: request.routeOptions?.url ?? "unmatched" },
      "FHIR request failed",
    );
    reply.header("x-request-id", request.id);
    return sendOutcome(
      reply,
      500,
      "exception",
      "internal error: the server could not complete the request; it has been logged.",
    );
  });
  // Anything else under the base is the FHIR API's to answer (an OperationOutcome, not the web's 404 page).
  app.route({
    method: ["GET", "POST", "PUT", "PATCH", "DELETE"],
    url: `${FHIR_BASE_PATH}/*`,
    config: { ownAuth: true },
    schema: { querystring: { type: "object", additionalProperties: true } },
    handler: async (request, reply) =>
      request.method === "GET"
        ? sendOutcome(reply, 404, "not-supported", "The FHIR API has no such resource type or operation.")
        : sendOutcome(
            reply,
            405,
            "not-supported",
            "The FHIR API takes writes only as a transaction or batch Bundle POSTed to the base (/fhir/R4).",
          ),
  });

  app.addHook("onRequest", async (request, reply) => {
    reply.header("cache-control", "no-store");
    const format = unservedFormat(request);
    if (format !== null)
      return sendOutcome(
        reply,
        406,
        "not-supported",
        `_format ${format} is not served: this server answers in JSON (_format=json or application/fhir+json)`,
      );
    if (request.routeOptions.config?.public) return;
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const m = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(authorization);
      const token = m?.[1];
      const identity = !token
        ? null
        : token.startsWith("ofa_")
          ? await resolveAccessToken(db, token)
          : await resolveApiToken(db, token).then((i) => (i ? userIdentity(i) : null));
      if (!identity) {
        reply.header("www-authenticate", 'Bearer error="invalid_token"');
        return sendOutcome(reply, 401, "login", "The bearer token is not valid, has expired or was revoked.");
      }
      request.fhirIdentity = identity;
      return;
    }
    const session = request.method === "GET" ? await options.sessionOf(request) : null;
    if (session) {
      request.fhirIdentity = userIdentity(session);
      return;
    }
    reply.header("www-authenticate", "Bearer");
    return sendOutcome(
      reply,
      401,
      "login",
      "Send a bearer token (SMART backend services or a OnePlace API token).",
    );
  });

  // FHIR JSON bodies (a Bundle POSTed to the base) are kept as text: the handler parses them, so that a body
  // that is not JSON gets an OperationOutcome saying so, and the text names the load it becomes.
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser(
    ["application/json", "application/fhir+json"],
    { parseAs: "string", bodyLimit: WRITE_BODY_LIMIT },
    (_request, body, done) => done(null, body),
  );
  discoveryRoutes(app, db, options.version);
  // The people a write changed are queued for rescoring in its transaction, as the HL7 listener's are, and
  // rescored together a moment after it commits (its poll also drains what another process left queued).
  let rescorer: Rescorer | null = null;
  app.addHook("onClose", async () => {
    await rescorer?.stop();
    RESCORERS.delete(db);
  });
  writeRoutes(app, db, FHIR_BASE_PATH, {
    repository: (request, search) => {
      const ctx = contextOf(db, request, identityOf(request));
      return createFhirRepository(db, {
        ...ctx,
        origin: { ...ctx.origin, detail: `${ctx.origin.detail ?? ""} ${search}`.slice(0, 2000) },
      });
    },
    touched: {
      inTransaction: async (tx, personIds) => {
        await queueRescore(tx, personIds);
      },
      inTransactionText: queueRescoreText,
      committed: () => {
        if (!rescorer) {
          rescorer = startRescorer({ db, logger: app.log as unknown as Logger });
          RESCORERS.set(db, rescorer);
        }
        rescorer.touched();
      },
    },
    identityOf,
    refuse: async (request, identity, reason) => {
      await auditRefusal(db, request, identity, "ingest", reason);
      throw new FhirError(403, "forbidden", reason);
    },
    send: (reply, status, body) => reply.status(status).type(FHIR_JSON).send(body),
  });
  const exporter = new BulkExporter(db, options.exports);
  app.addHook("onReady", () => exporter.start());
  app.addHook("onClose", () => exporter.stop());
  bulkRoutes(app, db, exporter, {
    base: baseUrl,
    identityOf,
    contextOf: (request) => contextOf(db, request, identityOf(request)),
    requireScope: (request, type) => requireScope(db, request, identityOf(request), type, "search"),
  });
  resourceRoutes(app, db);
  auditEventRoute(app, db, {
    base: baseUrl,
    contextOf(request) {
      const { db: _db, ...identity } = contextOf(db, request, identityOf(request));
      return identity;
    },
    requireScope: (request) => requireScope(db, request, identityOf(request), "AuditEvent", "search"),
    send: (reply, body) => reply.type(FHIR_JSON).send(body),
  });
}

/** A system client may do only what its scopes allow; a refusal is audited like any other. */
export async function requireScope(
  db: Queryable,
  request: FastifyRequest,
  identity: FhirIdentity,
  type: string,
  interaction: Interaction,
) {
  if (identity.scopes === null || scopesAllow(identity.scopes, type, interaction)) return;
  const reason = `the client's scopes do not allow ${interaction} of ${type}`;
  await auditRefusal(db, request, identity, interaction === "read" ? "view" : "search", reason);
  throw new FhirError(403, "forbidden", reason);
}

/** A refused request's audit row (no person read or written). */
async function auditRefusal(
  db: Queryable,
  request: FastifyRequest,
  identity: FhirIdentity,
  action: string,
  reason: string,
) {
  const ctx = contextOf(db, request, identity);
  await appendAuditEvent(db, {
    actorUserId: ctx.user.userId,
    actor: ctx.user.username,
    roleCode: ctx.roleAssignment.role.roleCode,
    teamCode: ctx.roleAssignment.team.teamCode,
    purpose: ctx.purpose,
    action,
    allowed: false,
    personCount: 0,
    reason,
    channel: "fhir",
    clientAddress: request.ip,
    detail: ctx.origin.detail ?? null,
  });
}

export const identityOf = (request: FastifyRequest) => request.fhirIdentity as FhirIdentity;
export const repositoryFor = (db: Queryable, request: FastifyRequest) =>
  createFhirRepository(db, contextOf(db, request, identityOf(request)));

/** The CapabilityStatement, SMART discovery and the token endpoint: public, they read no person. */
function discoveryRoutes(app: FastifyInstance, db: Queryable, version: string) {
  app.get(
    `${FHIR_BASE_PATH}/metadata`,
    {
      config: { public: true, ownAuth: true },
      schema: { querystring: { type: "object", properties: { _format: { type: "string" } } } },
    },
    async (request, reply) => reply.type(FHIR_JSON).send(capabilityStatement(baseUrl(request), { version })),
  );

  app.get(
    `${FHIR_BASE_PATH}/.well-known/smart-configuration`,
    { config: { public: true, ownAuth: true } },
    async (request, reply) =>
      reply.type("application/json").send({
        token_endpoint: `${baseUrl(request)}/auth/token`,
        token_endpoint_auth_methods_supported: ["private_key_jwt"],
        token_endpoint_auth_signing_alg_values_supported: ["RS384", "ES384"],
        grant_types_supported: ["client_credentials"],
        scopes_supported: [
          "system/*.rs",
          ...RESOURCE_TYPES.map((t) => `system/${t.type}.rs`),
          "system/*.cu", // writes, for clients registered to write
        ],
        capabilities: ["client-confidential-asymmetric"],
      }),
  );

  app.post(
    `${FHIR_BASE_PATH}/auth/token`,
    {
      config: { public: true, ownAuth: true },
      schema: {
        body: {
          type: "object",
          properties: {
            grant_type: { type: "string", maxLength: 100 },
            scope: { type: "string", maxLength: 2000 },
            client_assertion_type: { type: "string", maxLength: 200 },
            client_assertion: { type: "string", maxLength: 8000 },
          },
        },
      },
      errorHandler(error, request, reply) {
        const status =
          error instanceof OAuthError ? error.status : (error as FastifyError).validation ? 400 : 500;
        const code = error instanceof OAuthError ? error.error : "invalid_request";
        if (status === 500)
          request.log.error(
            { errorType: (error as Error).name, error: errorForLog(error as Error) },
            "token request failed",
          );
        if (status === 401) reply.header("www-authenticate", 'Bearer error="invalid_client"');
        return reply
          .status(status)
          .header("cache-control", "no-store")
          .type("application/json")
          .send({
            error: status === 500 ? "server_error" : code,
            error_description: status === 500 ? "internal error" : (error as Error).message,
          });
      },
    },
    async (request, reply) => {
      const answer = await exchangeClientAssertion(
        db,
        request.body as TokenRequest,
        `${baseUrl(request)}/auth/token`,
      );
      request.log.info({ scope: answer.scope }, "SMART backend token issued");
      return reply.header("cache-control", "no-store").type("application/json").send(answer);
    },
  );
}

/** Read and search of each type, and Patient/$everything: each decided and audited by the repository. */
function resourceRoutes(app: FastifyInstance, db: Queryable) {
  for (const type of RESOURCE_TYPES) {
    app.get(
      `${FHIR_BASE_PATH}/${type.type}`,
      { config: { ownAuth: true }, schema: { querystring: querySchema(type) } },
      async (request, reply) => {
        const query = request.query as Query;
        await requireScope(db, request, identityOf(request), type.type, "search");
        const repository = repositoryFor(db, request);
        if (query._summary !== undefined) {
          const total = await repository.count(type, query);
          return reply.type(FHIR_JSON).send({ resourceType: "Bundle", type: "searchset", total });
        }
        const result = await repository.search(type, query);
        return reply.type(FHIR_JSON).send(searchBundle(request, type, result, query));
      },
    );
    app.get(
      `${FHIR_BASE_PATH}/${type.type}/:id`,
      {
        config: { ownAuth: true },
        schema: {
          params: {
            type: "object",
            properties: { id: { type: "string", maxLength: 100 } },
            required: ["id"],
          },
          querystring: { type: "object", properties: { _format: { type: "string" } } },
        },
      },
      async (request, reply) => {
        await requireScope(db, request, identityOf(request), type.type, "read");
        const resource = await repositoryFor(db, request).read(type, (request.params as { id: string }).id);
        const { versionId, lastUpdated } = resource.meta ?? {};
        if (versionId) reply.header("etag", etagOf(versionId));
        if (lastUpdated) reply.header("last-modified", new Date(lastUpdated).toUTCString());
        // The read was decided and audited above: a 304 tells the client its copy is current.
        if (notModified(request.headers, { versionId, lastUpdated })) return reply.status(304).send();
        return reply.type(FHIR_JSON).send(resource);
      },
    );
  }

  app.get(
    `${FHIR_BASE_PATH}/Patient/:id/$everything`,
    {
      config: { ownAuth: true },
      schema: {
        params: { type: "object", properties: { id: { type: "string", maxLength: 100 } }, required: ["id"] },
      },
    },
    async (request, reply) => {
      const identity = identityOf(request);
      await requireScope(db, request, identity, "Patient", "read");
      for (const type of RESOURCE_TYPES)
        if (type.personal) await requireScope(db, request, identity, type.type, "search");
      const resources = await repositoryFor(db, request).everything((request.params as { id: string }).id);
      const base = baseUrl(request);
      return reply.type(FHIR_JSON).send({
        resourceType: "Bundle",
        type: "searchset",
        total: resources.length,
        link: [{ relation: "self", url: `${base}${request.url.split("?")[0].slice(FHIR_BASE_PATH.length)}` }],
        entry: resources.map((resource) => ({
          fullUrl: `${base}/${resource.resourceType}/${resource.id}`,
          resource,
          search: { mode: "match" },
        })),
      });
    },
  );
}
