// Sign-in and sign-out: the NHS.UK-styled login page, password sign-in, OpenID Connect, and sign-out. The
// sign-in routes are public; signing out needs a session. Accounts are governance's: these routes pass the
// database handle to its functions and never query it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  authenticatePassword,
  createSession,
  csrfTokenFor,
  endSession,
  newSecret,
  recordSecurityEvent,
  safeEqual,
} from "../../governance/index.ts";
import type { Db } from "../../platform/index.ts";
import type { AuthSettings } from "../plugins/auth.ts";
import { clearCookie, parseCookies, setCookie } from "../plugins/cookies.ts";
import { safeNext } from "../safe-next.ts";
import { oidcSignInRoutes, tooManyAttempts } from "./oidc-sign-in.ts";
import { closedObject, csrfField } from "./schemas.ts";

export interface LoginRouteOptions {
  db: Db;
  settings: AuthSettings;
}

const FAILED = "The username or password is not right, or the account is locked.";

const loginBodySchema = closedObject(
  {
    username: { type: "string", maxLength: 100 },
    password: { type: "string", maxLength: 256 },
    ...csrfField,
    next: { type: "string", maxLength: 500 },
  },
  ["username", "password", "_csrf"],
);

const loginQuerySchema = closedObject({ next: { type: "string", maxLength: 500 } });

export async function loginRoutes(app: FastifyInstance, options: LoginRouteOptions): Promise<void> {
  const { db } = options;
  const { config, names, oidc, loginLimiter } = options.settings;
  const secure = config.cookieSecure;
  const open = { config: { public: true } };

  const renderLogin = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    page: { error?: string; username?: string; next?: string },
  ) => {
    const identity = request.identity;
    let csrf: string;
    if (identity && request.sessionToken) csrf = csrfTokenFor(request.sessionToken);
    else {
      csrf = newSecret();
      reply.header(
        "set-cookie",
        setCookie(names.loginCsrf, csrf, { secure, maxAgeSeconds: 3_600, sameSite: "Strict" }),
      );
    }
    return reply
      .status(status)
      .header("cache-control", "no-store")
      .view("login.njk", {
        title: identity ? "Signed in" : "Sign in",
        csrf,
        next: safeNext(page.next),
        error: page.error,
        username: page.username ?? "",
        oidcLabel: oidc?.config.label,
        maxFailures: config.maxFailedLogins,
        lockoutMinutes: config.lockoutMinutes,
        signedIn: identity
          ? {
              displayName: identity.user.displayName,
              role: identity.roleAssignment.role.name,
              team: identity.roleAssignment.team.name,
              purpose: identity.purpose,
            }
          : null,
      });
  };

  const startSession = async (
    reply: FastifyReply,
    request: FastifyRequest,
    userId: string,
    method: "password" | "oidc",
  ) => {
    const session = await createSession(db, config, { userId, method, clientAddress: request.ip });
    if (!session) return null;
    reply.header(
      "set-cookie",
      setCookie(names.session, session.token, {
        secure,
        maxAgeSeconds: config.sessionMaxHours * 3_600,
        sameSite: "Lax",
      }),
    );
    return session;
  };

  app.get<{ Querystring: { next?: string } }>(
    "/login",
    { ...open, schema: { querystring: loginQuerySchema } },
    (request, reply) => renderLogin(request, reply, 200, { next: request.query.next }),
  );

  app.post<{ Body: { username: string; password: string; _csrf: string; next?: string } }>(
    "/login",
    { ...open, schema: { body: loginBodySchema } },
    async (request, reply) => {
      if (tooManyAttempts(loginLimiter, request, reply)) return reply;
      const { username, password, _csrf, next } = request.body;
      const cookie = parseCookies(request.headers.cookie).get(names.loginCsrf) ?? "";
      if (!cookie || !safeEqual(cookie, _csrf)) {
        return renderLogin(request, reply, 403, {
          error: "The sign-in form expired. Please try again.",
          username,
          next,
        });
      }
      const result = await authenticatePassword(db, config, {
        username,
        password,
        clientAddress: request.ip,
      });
      if (!result.ok) return renderLogin(request, reply, 401, { error: FAILED, username, next });
      const session = await startSession(reply, request, result.userId, "password");
      if (!session) {
        return renderLogin(request, reply, 403, {
          error: "Your account has no role yet: ask your administrator.",
          username,
          next,
        });
      }
      return reply.redirect(safeNext(next), 303);
    },
  );

  app.post("/logout", async (request, reply) => {
    if (request.sessionToken) {
      await endSession(db, request.sessionToken);
      const identity = request.identity;
      await recordSecurityEvent(
        db,
        {
          userId: identity?.user.userId ?? null,
          name: identity?.user.username ?? "unknown",
          channel: "web",
          clientAddress: request.ip,
        },
        { action: "logout", allowed: true, reason: "signed out" },
      );
    }
    reply.header("set-cookie", clearCookie(names.session, secure));
    return reply.redirect("/login", 303);
  });

  oidcSignInRoutes(app, {
    paths: { start: "/login/oidc", callback: "/login/oidc/callback" },
    stateCookie: names.oidcState,
    secure,
    limiter: loginLimiter,
    client: oidc && { begin: () => oidc.begin(db), complete: (callback) => oidc.complete(db, callback) },
    failed: (request, reply, status, error) => renderLogin(request, reply, status, { error }),
    messages: {
      unreachable: "The identity provider cannot be reached. Try again, or sign in with a password.",
      notSignedIn: "The identity provider did not sign you in.",
      log: "OpenID Connect unavailable",
    },
    signedIn: async (request, reply, userId) => {
      const session = await startSession(reply, request, userId, "oidc");
      if (!session)
        return renderLogin(request, reply, 403, {
          error: "Your account has no role yet: ask your administrator.",
        });
      return reply.redirect("/", 303);
    },
  });
}
