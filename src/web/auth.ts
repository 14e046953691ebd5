// Who is asking, on every request: a session cookie or a bearer token. Routes are closed unless listed as
// public; state-changing requests made with a session cookie must carry the session's CSRF token and, when
// the browser sends one, an Origin of this site.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type AuthConfig, authConfigFromEnv } from "../governance/auth-config.ts";
import { createOidcClient } from "../governance/oidc.ts";
import { csrfTokenFor, type Identity, resolveApiToken, resolveSession } from "../governance/sessions.ts";
import { safeEqual } from "../governance/tokens.ts";
import type { AccessContext, GovernanceLog } from "../governance/types.ts";
import type { Db } from "../store/db.ts";
import { clearCookie, cookieNames, parseCookies } from "./auth-cookies.ts";
import { registerGovernedApi } from "./auth-governed-api.ts";
import { createRateLimiter } from "./auth-rate-limit.ts";
import { registerLoginRoutes } from "./auth-routes.ts";

declare module "fastify" {
  interface FastifyRequest {
    identity: Identity | null;
    sessionToken: string | null;
  }
}

export interface AuthOptions {
  db: Db;
  /** From the environment when not given. */
  config?: AuthConfig;
  /** Route patterns anyone may reach without signing in (the status page, health, assets). */
  publicRoutes: readonly string[];
}

const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const AUTH_PUBLIC = ["/login", "/login/oidc", "/login/oidc/callback"];

function problem(reply: FastifyReply, status: number, title: string, detail: string): FastifyReply {
  return reply
    .status(status)
    .type("application/problem+json")
    .send({ type: "about:blank", title, status, detail });
}

function wantsHtml(request: FastifyRequest): boolean {
  return request.method === "GET" && /text\/html/.test(String(request.headers.accept ?? ""));
}

/** The access context a face passes to withPersonAccess / filterPeopleForAccess. */
export function accessContextOf(request: FastifyRequest, db: Db): AccessContext | null {
  const identity = request.identity;
  if (!identity) return null;
  return {
    db,
    user: identity.user,
    roleAssignment: identity.roleAssignment,
    purpose: identity.purpose,
    origin: {
      channel: identity.via === "api-token" ? "api" : "web",
      clientAddress: request.ip,
      detail: `${request.method} ${request.routeOptions.url ?? "unmatched"}`,
    },
    log: request.log as unknown as GovernanceLog,
  };
}

export async function registerAuth(app: FastifyInstance, options: AuthOptions): Promise<void> {
  const { db } = options;
  const config = options.config ?? authConfigFromEnv();
  const names = cookieNames(config.cookieSecure);
  const publicRoutes = new Set([...options.publicRoutes, ...AUTH_PUBLIC]);
  const oidc = config.oidc ? createOidcClient(config.oidc) : null;
  if (!config.cookieSecure) {
    app.log.warn(
      "ONEPLACE_COOKIE_SECURE=false: session cookies are sent over plain http. Use only on localhost for development.",
    );
  }

  app.decorateRequest("identity", null);
  app.decorateRequest("sessionToken", null);

  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string", bodyLimit: 16_384 },
    (_request, body, done) => {
      const form: Record<string, string> = {};
      for (const [key, value] of new URLSearchParams(body as string)) if (!(key in form)) form[key] = value;
      done(null, form);
    },
  );

  app.addHook("onRequest", async (request, reply) => {
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const match = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(authorization);
      const identity = match ? await resolveApiToken(db, match[1]) : null;
      if (!identity) {
        reply.header("www-authenticate", 'Bearer error="invalid_token"');
        return problem(
          reply,
          401,
          "Unauthorised",
          "The bearer token is not valid, has expired or was revoked.",
        );
      }
      request.identity = identity;
    } else {
      const token = parseCookies(request.headers.cookie).get(names.session);
      if (token) {
        const identity = await resolveSession(db, config, token);
        if (identity) {
          request.identity = identity;
          request.sessionToken = token;
        } else {
          reply.header("set-cookie", clearCookie(names.session, config.cookieSecure));
        }
      }
    }
    const route = request.routeOptions.url;
    // Unknown paths fall through to the 404 handler; every known route is closed unless public.
    if (route === undefined || publicRoutes.has(route) || request.identity) return;
    if (wantsHtml(request)) {
      const next = request.url.startsWith("/") && !request.url.startsWith("//") ? request.url : "/";
      return reply.redirect(`/login?next=${encodeURIComponent(next)}`, 303);
    }
    return problem(reply, 401, "Unauthorised", "Sign in, or send a bearer token.");
  });

  app.addHook("preHandler", async (request, reply) => {
    if (!UNSAFE_METHODS.has(request.method) || !request.sessionToken) return;
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== "null") {
      let host: string | null = null;
      try {
        host = new URL(origin).host;
      } catch {}
      if (host !== request.headers.host)
        return problem(reply, 403, "Forbidden", "The request came from another site.");
    }
    const body = request.body as Record<string, unknown> | undefined;
    const sent = String(
      request.headers["x-csrf-token"] ?? (body && typeof body === "object" ? (body._csrf ?? "") : ""),
    );
    if (!safeEqual(sent, csrfTokenFor(request.sessionToken))) {
      return problem(
        reply,
        403,
        "Forbidden",
        "The form has expired or did not come from OnePlace: reload the page and try again.",
      );
    }
  });

  const loginLimiter = createRateLimiter(config.loginAttemptsPerMinute);
  registerLoginRoutes(app, { db, config, names, oidc, loginLimiter });
  registerGovernedApi(app, { db });
}
