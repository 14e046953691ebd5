// Security headers on every response (pages, API, assets, errors) from helmet, with our policy:
// no script or style from anywhere but this site and no inline script at all (nhsuk-frontend's inline
// "js-enabled" line is a static file, see views/layouts/nhsuk-base.njk), no framing, no referrer, and HTTP
// Strict Transport Security so a browser that has once reached OnePlace over HTTPS never falls back to HTTP.
//
// Every header of this policy is the same on every response (no nonces: no inline script is allowed at all),
// so helmet's middleware runs once, at start-up, and its headers are set from that on each response.
// @fastify/helmet ran helmet again for each request: it parsed and checked the policy anew every time, about
// 5% of the CPU of a FHIR read by id.
import { createRequire } from "node:module";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";

export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "data:"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  objectSrc: ["'none'"],
};

/** HSTS as helmet sends it by default: a year, subdomains included. Browsers ignore it over plain HTTP. */
export const HSTS_DEFAULT = { maxAge: 31_536_000, includeSubDomains: true };

export interface SecurityHeadersOptions {
  /** Strict-Transport-Security: a max-age in seconds (and subdomains or not), or false for none. */
  hsts?: { maxAge: number; includeSubDomains?: boolean } | false;
}

type HelmetMiddleware = (
  req: unknown,
  res: { setHeader(name: string, value: string): void; removeHeader(name: string): void },
  next: (error?: unknown) => void,
) => void;

/** helmet itself, as @fastify/helmet (the dependency that brings it) resolves it. */
const helmet = createRequire(createRequire(import.meta.url).resolve("@fastify/helmet"))("helmet") as (
  options: Record<string, unknown>,
) => HelmetMiddleware;

/** The headers helmet sets for this policy, worked out once by running its middleware on a stand-in response. */
export function securityHeaders(options: SecurityHeadersOptions = {}): Record<string, string> {
  const hsts = options.hsts ?? HSTS_DEFAULT;
  const headers: Record<string, string> = {};
  helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    frameguard: { action: "deny" },
    referrerPolicy: { policy: "no-referrer" },
    crossOriginOpenerPolicy: { policy: "same-origin" },
    strictTransportSecurity: hsts === false ? false : { includeSubDomains: true, ...hsts },
  })(
    {},
    {
      setHeader: (name, value) => {
        headers[name.toLowerCase()] = String(value);
      },
      removeHeader: () => {}, // X-Powered-By, which neither Node nor Fastify sends
    },
    (error) => {
      if (error) throw error;
    },
  );
  return Object.freeze(headers);
}

export const securityHeadersPlugin = fp(
  async (app: FastifyInstance, options: SecurityHeadersOptions = {}) => {
    const headers = securityHeaders(options);
    app.addHook("onRequest", (_request, reply, done) => {
      reply.headers(headers);
      done();
    });
  },
);
