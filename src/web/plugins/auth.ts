// Who is asking, on every request: a session cookie or a bearer token. The request gets its identity and
// its governed reader (request.reader), the only way a route reaches personal data. Every route is closed
// unless marked `config: { public: true }` on the route itself; state-changing requests made with a session
// cookie must carry the session's CSRF token and, when the browser sends one, an Origin of this site.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { AuthConfig } from "../../governance/index.ts";
import {
  createOidcClient,
  createReader,
  type GovernanceLog,
  type GovernedReader,
  type Identity,
  type OidcClient,
  type ReaderIdentity,
  resolveApiToken,
  resolveSession,
} from "../../governance/index.ts";
import type { Db } from "../../platform/index.ts";
import { safeNext } from "../safe-next.ts";
import { type CookieNames, clearCookie, cookieNames, parseCookies } from "./cookies.ts";
import { refusedAsForged } from "./csrf.ts";
import { sendProblem } from "./problem.ts";
import { createRateLimiter, type RateLimiter } from "./rate-limit.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Anyone may reach this route without signing in: it shows no personal data. */
    public?: boolean;
  }
  interface FastifyRequest {
    identity: Identity | null;
    sessionToken: string | null;
    /** The governed reader for this request's identity; only on routes that are not public. */
    readonly reader: GovernedReader;
  }
}

/** What sign-in needs, made once per server and shared by the auth plugin and the login routes. */
export interface AuthSettings {
  config: AuthConfig;
  names: CookieNames;
  oidc: OidcClient | null;
  loginLimiter: RateLimiter;
  /**
   * The origin of the configured public address (ONEPLACE_PUBLIC_URL), which a browser's state-changing
   * request must come from; null when none is configured, and then the request's Host header is compared.
   */
  publicOrigin: string | null;
}

export function authSettings(config: AuthConfig, publicOrigin: string | null = null): AuthSettings {
  return {
    config,
    publicOrigin,
    names: cookieNames(config.cookieSecure),
    oidc: config.oidc ? createOidcClient(config.oidc) : null,
    loginLimiter: createRateLimiter(config.loginAttemptsPerMinute),
  };
}

const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const READER = Symbol("reader");

function wantsHtml(request: FastifyRequest): boolean {
  return request.method === "GET" && /text\/html/.test(String(request.headers.accept ?? ""));
}

/** Who is reading, for the reader and its audit rows: the route pattern, never the URL. */
export function readerIdentityOf(
  request: FastifyRequest,
  identity: Identity,
  breakGlassPerHour?: number,
): ReaderIdentity {
  return {
    ...(breakGlassPerHour === undefined ? {} : { breakGlassPerHour }),
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

/** Sets request.identity; false when a bearer token was sent and is not valid. */
async function identify(
  request: FastifyRequest,
  reply: FastifyReply,
  db: Db,
  settings: AuthSettings,
): Promise<boolean> {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(authorization);
    request.identity = match ? await resolveApiToken(db, match[1]) : null;
    return request.identity !== null;
  }
  const token = parseCookies(request.headers.cookie).get(settings.names.session);
  if (!token) return true;
  request.identity = await resolveSession(db, settings.config, token);
  if (request.identity) request.sessionToken = token;
  else reply.header("set-cookie", clearCookie(settings.names.session, settings.config.cookieSecure));
  return true;
}

/** The signed-in user behind a request's session cookie, or null (for faces that authenticate themselves). */
export function sessionIdentity(db: Db, settings: AuthSettings) {
  return async (request: FastifyRequest): Promise<Identity | null> => {
    const token = parseCookies(request.headers.cookie).get(settings.names.session);
    return token ? resolveSession(db, settings.config, token) : null;
  };
}

export const authPlugin = fp(async (app: FastifyInstance, options: { db: Db; settings: AuthSettings }) => {
  const { db, settings } = options;
  const { config } = settings;
  if (!config.cookieSecure) {
    app.log.warn(
      "ONEPLACE_COOKIE_SECURE=false: session cookies are sent over plain http. Use only on localhost for development.",
    );
  }

  app.decorateRequest("identity", null);
  app.decorateRequest("sessionToken", null);
  app.decorateRequest("reader", {
    getter(this: FastifyRequest & { [READER]?: GovernedReader }) {
      if (!this.identity) throw new Error("the reader was asked for on a request without an identity");
      this[READER] ??= createReader(db, readerIdentityOf(this, this.identity, config.breakGlassPerHour));
      return this[READER];
    },
  });

  app.addHook("onRequest", async (request, reply) => {
    // The FHIR API (src/fhir) authenticates its own requests and answers OperationOutcome, not problem+json.
    if (request.routeOptions.config?.ownAuth) return;
    if (!(await identify(request, reply, db, settings))) {
      reply.header("www-authenticate", 'Bearer error="invalid_token"');
      return sendProblem(reply, 401, "The bearer token is not valid, has expired or was revoked.");
    }
    // Unknown paths fall through to the 404 handler; every known route is closed unless marked public.
    if (request.routeOptions.url === undefined || request.routeOptions.config.public) return;
    // What a closed route answers may name people: never kept by a browser's or a proxy's cache.
    reply.header("cache-control", "no-store");
    if (request.identity) return;
    if (wantsHtml(request)) {
      return reply.redirect(`/login?next=${encodeURIComponent(safeNext(request.url))}`, 303);
    }
    return sendProblem(reply, 401, "Sign in, or send a bearer token.");
  });

  app.addHook("preHandler", async (request, reply) => {
    if (!UNSAFE_METHODS.has(request.method) || !request.sessionToken) return;
    if (
      refusedAsForged(request, reply, {
        sessionToken: request.sessionToken,
        publicOrigin: settings.publicOrigin,
        headerToken: true,
        expired: "The form has expired or did not come from OnePlace: reload the page and try again.",
      })
    )
      return reply;
  });
});
