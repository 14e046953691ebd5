// Security headers on every response (pages, API, assets, errors) through @fastify/helmet, with our policy:
// no script or style from anywhere but this site and no inline script at all (nhsuk-frontend's inline
// "js-enabled" line is a static file, see views/layouts/nhsuk-base.njk), no framing, no referrer, and HTTP
// Strict Transport Security so a browser that has once reached OnePlace over HTTPS never falls back to HTTP.
import helmet from "@fastify/helmet";
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

export const securityHeadersPlugin = fp(
  async (app: FastifyInstance, options: SecurityHeadersOptions = {}) => {
    const hsts = options.hsts ?? HSTS_DEFAULT;
    await app.register(helmet, {
      global: true,
      contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
      frameguard: { action: "deny" },
      referrerPolicy: { policy: "no-referrer" },
      crossOriginOpenerPolicy: { policy: "same-origin" },
      strictTransportSecurity: hsts === false ? false : { includeSubDomains: true, ...hsts },
    });
  },
);
