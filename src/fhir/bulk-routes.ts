// Bulk Data Access 2.0 routes: kick-off at system, Patient and Group level (Prefer: respond-async, 202 with
// Content-Location), status polling (202 with X-Progress and Retry-After while running, 200 with the manifest
// when done), DELETE to cancel, and the NDJSON files, each under the same authentication as every FHIR
// request and only for the caller who kicked the job off.
import { createReadStream } from "node:fs";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type AccessContext, appendAuditEvent } from "../governance/index.ts";
import type { Queryable } from "../store/index.ts";
import {
  type BulkExporter,
  type ExportLevel,
  OUTPUT_FORMATS,
  PATIENT_EXPORT_TYPES,
  SYSTEM_EXPORT_TYPES,
} from "./bulk-export.ts";
import { parametersToQuery, parseElements, parseTypeFilters } from "./bulk-params.ts";
import type { FhirIdentity } from "./identity.ts";
import { badRequest, FhirError, notFoundError } from "./outcome.ts";
import { scopesAllow } from "./scopes.ts";
import { SqlParams } from "./sql.ts";

const FHIR_BASE = "/fhir/R4";
export const EXPORT_STATUS_PATH = "$export-status";
export const EXPORT_FILE_PATH = "$export-file";
/** Seconds a client is asked to wait between polls. */
export const RETRY_AFTER_SECONDS = 2;

/** Parameters of a kick-off this server refuses rather than ignores (it would export more than was asked). */
const UNSUPPORTED = ["includeAssociatedData", "patient", "organizeOutputBy"];
const KNOWN = new Set([
  "_type",
  "_since",
  "_outputFormat",
  "_typeFilter",
  "_elements",
  "_format",
  ...UNSUPPORTED,
]);
/** _format on a kick-off: the answer's JSON, or the NDJSON of the files (as _outputFormat names it). */
const KICK_OFF_FORMATS = new Set([
  "json",
  "application/json",
  "application/fhir+json",
  "application/fhir json",
  ...OUTPUT_FORMATS,
  "application/fhir ndjson",
]);

export interface BulkRouteHelpers {
  base(request: FastifyRequest): string;
  identityOf(request: FastifyRequest): FhirIdentity;
  contextOf(request: FastifyRequest): AccessContext;
  requireScope(request: FastifyRequest, type: string): Promise<void>;
}

type Query = Record<string, string | string[] | undefined>;

function one(query: Query, name: string): string | undefined {
  const v = query[name];
  if (Array.isArray(v)) {
    if (v.length > 1) throw badRequest(`${name} may be given once`);
    return v[0];
  }
  return v;
}

function since(raw: string | undefined): Date | null {
  if (raw === undefined) return null;
  // A FHIR instant: a date and time with seconds and a zone.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(raw))
    throw badRequest("_since must be a FHIR instant, such as 2024-01-01T00:00:00Z");
  const at = new Date(raw);
  if (Number.isNaN(at.getTime())) throw badRequest("_since is not a real date and time");
  return at;
}

async function typesOf(
  request: FastifyRequest,
  helpers: BulkRouteHelpers,
  query: Query,
  level: ExportLevel,
): Promise<string[]> {
  const allowed = level === "system" ? SYSTEM_EXPORT_TYPES : PATIENT_EXPORT_TYPES;
  const raw = query._type;
  const asked = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw])
    .flatMap((v) => v.split(","))
    .map((t) => t.trim())
    .filter(Boolean);
  for (const type of asked)
    if (!allowed.includes(type))
      throw badRequest(
        `_type ${type.slice(0, 60)} cannot be exported at ${level} level: use ${allowed.join(", ")}`,
      );
  if (asked.length > 0) {
    for (const type of new Set(asked)) await helpers.requireScope(request, type);
    return [...new Set(asked)];
  }
  // No _type: every type the level holds that the client's scopes allow.
  const scopes = helpers.identityOf(request).scopes;
  const types = scopes === null ? allowed : allowed.filter((t) => scopesAllow(scopes, t, "search"));
  if (types.length === 0) await helpers.requireScope(request, allowed[0]); // refused and audited
  return types;
}

/** The kick-off as the job and the manifest keep it: the URL, and a POST's parameters as if in the URL. */
function kickOffRequest(base: string, request: FastifyRequest, query: Query): string {
  const path = `${base}${request.url.split("?")[0].slice(FHIR_BASE.length)}`;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    for (const one of Array.isArray(v) ? v : [v ?? ""]) params.append(k, one);
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export function bulkRoutes(
  app: FastifyInstance,
  db: Queryable,
  exporter: BulkExporter,
  helpers: BulkRouteHelpers,
) {
  const statusUrl = (request: FastifyRequest, jobId: string) =>
    `${helpers.base(request)}/${EXPORT_STATUS_PATH}/${jobId}`;

  async function kickOff(
    request: FastifyRequest,
    reply: FastifyReply,
    level: ExportLevel,
    groupId: string | null,
  ) {
    const prefer = String(request.headers.prefer ?? "");
    if (!/(^|[,;\s])respond-async($|[,;\s])/.test(prefer))
      throw badRequest("a Bulk Data kick-off needs the header Prefer: respond-async");
    const accept = request.headers.accept;
    if (accept && !/application\/fhir\+json|application\/json|\*\/\*/.test(accept))
      throw badRequest(
        "a Bulk Data kick-off answers in application/fhir+json: send Accept: application/fhir+json",
      );
    const query = (
      request.method === "POST"
        ? { ...(request.query as Query), ...parametersToQuery(request.body) }
        : (request.query ?? {})
    ) as Query;
    for (const name of Object.keys(query)) {
      if (UNSUPPORTED.includes(name))
        throw new FhirError(400, "not-supported", `${name} is not supported by this server`);
      if (!KNOWN.has(name)) throw badRequest(`${name.slice(0, 60)} is not a Bulk Data export parameter`);
    }
    const format = one(query, "_outputFormat");
    if (format !== undefined && !(OUTPUT_FORMATS as readonly string[]).includes(format))
      throw badRequest(`_outputFormat must be one of ${OUTPUT_FORMATS.join(", ")}`);
    const formatAsked = one(query, "_format");
    if (formatAsked !== undefined && !KICK_OFF_FORMATS.has(formatAsked.toLowerCase()))
      throw new FhirError(
        406,
        "not-supported",
        `_format ${formatAsked.replace(/[^a-z0-9+/.-]/gi, "").slice(0, 40)} is not served: a kick-off answers in JSON and writes ${OUTPUT_FORMATS.join(", ")}`,
      );
    const types = await typesOf(request, helpers, query, level);
    const typeFilters = parseTypeFilters(query, types, () => new SqlParams());
    const elements = parseElements(query);
    const ctx = helpers.contextOf(request);
    const jobId = await exporter.kickOff(helpers.identityOf(request), ctx, {
      level,
      groupId,
      types,
      since: since(one(query, "_since")),
      // The kick-off URL (a POST's parameters added): _type, _since, _outputFormat, _typeFilter over the
      // exported types' own parameters, _elements and a Group id identify no one.
      request: kickOffRequest(helpers.base(request), request, query).slice(0, 2000),
      typeFilters,
      elements,
    });
    request.log.info({ jobId, level, types: types.length }, "FHIR bulk export kicked off");
    return reply.status(202).header("content-location", statusUrl(request, jobId)).send();
  }

  const kickOffSchema = { querystring: { type: "object", additionalProperties: true } };
  // GET with the parameters in the URL, or POST with a Parameters body, as Bulk Data 2.0 allows.
  for (const method of ["GET", "POST"] as const) {
    const options = { config: { ownAuth: true }, schema: kickOffSchema, bodyLimit: 65_536 };
    app.route({
      method,
      url: `${FHIR_BASE}/$export`,
      ...options,
      handler: (request, reply) => kickOff(request, reply, "system", null),
    });
    app.route({
      method,
      url: `${FHIR_BASE}/Patient/$export`,
      ...options,
      handler: (request, reply) => kickOff(request, reply, "patient", null),
    });
    app.route({
      method,
      url: `${FHIR_BASE}/Group/:id/$export`,
      ...options,
      schema: {
        ...kickOffSchema,
        params: { type: "object", properties: { id: { type: "string", maxLength: 100 } }, required: ["id"] },
      },
      handler: (request, reply) => kickOff(request, reply, "group", (request.params as { id: string }).id),
    });
  }

  const jobParams = {
    type: "object",
    properties: { jobId: { type: "string", maxLength: 40 } },
    required: ["jobId"],
  };
  app.get(
    `${FHIR_BASE}/${EXPORT_STATUS_PATH}/:jobId`,
    { config: { ownAuth: true }, schema: { params: jobParams } },
    async (request, reply) => {
      const job = await exporter.job(
        helpers.identityOf(request),
        (request.params as { jobId: string }).jobId,
      );
      if (!job) throw notFoundError("there is no export with this id for this caller (it may have expired)");
      if (job.state === "queued" || job.state === "running") {
        return reply
          .status(202)
          .header("x-progress", job.progress.slice(0, 100))
          .header("retry-after", String(RETRY_AFTER_SECONDS))
          .send();
      }
      if (job.state === "failed") throw new FhirError(500, "exception", job.error ?? "the export failed");
      const base = helpers.base(request);
      const fileUrl = (file: string) => `${base}/${EXPORT_FILE_PATH}/${job.jobId}/${file}`;
      if (job.expiresAt) reply.header("expires", job.expiresAt.toUTCString());
      return reply.type("application/json").send({
        transactionTime: job.transactionTime.toISOString(),
        request: job.request,
        requiresAccessToken: true,
        output: job.output.map((o) => ({ type: o.type, url: fileUrl(o.file), count: o.count })),
        error: job.errors.map((o) => ({ type: o.type, url: fileUrl(o.file), count: o.count })),
      });
    },
  );
  app.delete(
    `${FHIR_BASE}/${EXPORT_STATUS_PATH}/:jobId`,
    { config: { ownAuth: true }, schema: { params: jobParams } },
    async (request, reply) => {
      const cancelled = await exporter.cancel(
        helpers.identityOf(request),
        (request.params as { jobId: string }).jobId,
      );
      if (!cancelled)
        throw notFoundError("there is no export with this id for this caller (it may have expired)");
      return reply.status(202).send();
    },
  );
  app.get(
    `${FHIR_BASE}/${EXPORT_FILE_PATH}/:jobId/:file`,
    {
      config: { ownAuth: true },
      schema: {
        params: {
          type: "object",
          properties: { jobId: { type: "string", maxLength: 40 }, file: { type: "string", maxLength: 60 } },
          required: ["jobId", "file"],
        },
      },
    },
    async (request, reply) => {
      const { jobId, file } = request.params as { jobId: string; file: string };
      const identity = helpers.identityOf(request);
      const job = await exporter.job(identity, jobId);
      const path = job && job.state === "completed" ? exporter.filePath(job, file) : null;
      if (!job || !path)
        throw notFoundError("there is no such export file for this caller (it may have expired)");
      const entry = [...job.output, ...job.errors].find((o) => o.file === file);
      const ctx = helpers.contextOf(request);
      await appendAuditEvent(db, {
        actorUserId: identity.user.userId,
        actor: identity.user.username,
        roleCode: identity.roleAssignment.role.roleCode,
        teamCode: identity.roleAssignment.team.teamCode,
        purpose: identity.purpose,
        action: "export",
        allowed: true,
        personCount: 0,
        reason: `Bulk Data file of ${entry?.count ?? 0} ${entry?.type ?? ""} resources${job.pseudonymised ? ", pseudonymised" : ""} (people decided when the export ran)`,
        disclosure: job.pseudonymised ? "pseudonymised" : "identifiable",
        channel: "fhir",
        clientAddress: request.ip,
        detail: ctx.origin.detail ?? null,
      });
      return reply.type("application/fhir+ndjson").send(createReadStream(path));
    },
  );
}
