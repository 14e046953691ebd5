// Unknown fields are refused, never dropped: a misspelt filter (`?tier=high` for `?riskTier=high`) silently
// dropped would answer for the whole population. Fastify's ajv removes properties a closed schema does not
// name (removeAdditional); the server turns that off (AJV_OPTIONS), every object schema of a route's body,
// query string and params is closed here as the route is added, a route without a query string schema takes
// none, and the 400 names the unknown field. The routes the server registered are listed for the tests.
import type { FastifyInstance, FastifySchema, RouteOptions } from "fastify";
import fp from "fastify-plugin";

/** Fastify's ajv with removeAdditional off: a closed schema refuses an unknown field instead of dropping it. */
export const AJV_OPTIONS = { customOptions: { removeAdditional: false as const } };

interface SchemaError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: { additionalProperty?: string };
}

/** The 400's detail: "querystring has an unknown field "tier"", or ajv's own words for the rest. */
export function schemaErrorMessage(errors: readonly SchemaError[], dataVar: string): Error {
  const lines = errors.map((e) => {
    const where = `${dataVar}${(e.instancePath ?? "").replaceAll("/", ".")}`;
    if (e.keyword === "additionalProperties" && e.params?.additionalProperty !== undefined)
      return `${where} has an unknown field "${e.params.additionalProperty}"`;
    return `${where} ${e.message ?? "is not valid"}`;
  });
  return new Error(lines.join("; "));
}

type JsonSchema = Record<string, unknown> & { type?: unknown; properties?: Record<string, unknown> };

/** Closes every object schema (and those nested in it) that does not say otherwise. */
function close(schema: unknown): void {
  if (typeof schema !== "object" || schema === null) return;
  const s = schema as JsonSchema;
  if (s.type === "object" && s.additionalProperties === undefined && s.patternProperties === undefined)
    s.additionalProperties = false;
  for (const child of Object.values(s.properties ?? {})) close(child);
  if (s.items) close(s.items);
}

export interface RouteInfo {
  method: string;
  url: string;
  public: boolean;
}

declare module "fastify" {
  interface FastifyInstance {
    /** Every route the server has, as added (method, URL pattern, whether it is marked public). */
    routeList: RouteInfo[];
  }
}

export const requestSchemasPlugin = fp(async (app: FastifyInstance) => {
  const routes: RouteInfo[] = [];
  app.decorate("routeList", routes);
  // Ajv keeps what it compiled by the schema object, and the server compiles every route's schemas as it
  // starts: some 450 of them, built afresh by each route (the empty query string alone 141 times) where fewer
  // than a hundred differ, which cost each start over a second of CPU. So a schema the same, key for key, as
  // one already seen is replaced by that one, and each is compiled once. Schemas are data: nothing changes one
  // after its route is added.
  const seen = new Map<string, unknown>();
  const shared = <T>(part: T): T => {
    if (typeof part !== "object" || part === null) return part;
    const key = JSON.stringify(part);
    const first = seen.get(key);
    if (first !== undefined) return first as T;
    seen.set(key, part);
    return part;
  };
  app.addHook("onRoute", (route: RouteOptions) => {
    route.schema ??= {};
    const schema: FastifySchema = route.schema;
    schema.querystring ??= { type: "object", properties: {}, additionalProperties: false };
    for (const part of [schema.body, schema.querystring, schema.params]) close(part);
    if (schema.body !== undefined) schema.body = shared(schema.body);
    schema.querystring = shared(schema.querystring);
    if (schema.params !== undefined) schema.params = shared(schema.params);
    for (const method of [route.method].flat())
      routes.push({
        method,
        url: route.url,
        public: (route.config as { public?: boolean } | undefined)?.public === true,
      });
  });
});
