// The web side of an OpenID Connect sign-in, one for staff (routes/login.ts) and citizens (routes/citizen.ts).
// The start binds the flow's state to this browser in a cookie and sends it to the provider; the callback
// clears that cookie, refuses the provider's error or a missing code or state, and hands the code, the state,
// the browser's state cookie and the provider's `iss` to governance's flow (oidc.ts: state, nonce and PKCE
// checks, the token exchange and the ID token's validation). A GovernanceError is a refusal shown with its
// reason; anything else is a server error. What a sign-in makes of the provider's answer (a staff session, a
// citizen session) is the caller's.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { GovernanceError, type OidcCallback } from "../../governance/index.ts";
import { clearCookie, parseCookies, setCookie } from "../plugins/cookies.ts";
import { sendProblem } from "../plugins/problem.ts";
import type { RateLimiter } from "../plugins/rate-limit.ts";
import { closedObject } from "./schemas.ts";

/** What a provider may send back to the redirect URL (OpenID Connect, RFC 9207's `iss`). */
export const oidcCallbackQuery = closedObject({
  code: { type: "string", maxLength: 2_048 },
  state: { type: "string", maxLength: 200 },
  error: { type: "string", maxLength: 200 },
  error_description: { type: "string", maxLength: 1_000 },
  session_state: { type: "string", maxLength: 500 },
  iss: { type: "string", maxLength: 500 },
});

/** Counts a sign-in attempt from the client's address; over the limit, answers 429 and returns true. */
export function tooManyAttempts(limiter: RateLimiter, request: FastifyRequest, reply: FastifyReply): boolean {
  const wait = limiter.hit(request.ip);
  if (wait === 0) return false;
  sendProblem(
    reply.header("retry-after", String(wait)),
    429,
    `Too many sign-in attempts: wait ${wait} seconds.`,
  );
  return true;
}

type Answer = FastifyReply | Promise<FastifyReply>;

export interface OidcSignInOptions<T> {
  paths: { start: string; callback: string };
  stateCookie: string;
  secure: boolean;
  limiter: RateLimiter;
  /** The provider's flow; null when none is configured (the callback is then a 404). */
  client: {
    begin(): Promise<{ url: string; state: string }>;
    complete(callback: OidcCallback & { clientAddress: string | null }): Promise<T>;
  } | null;
  /** The start's answer when no provider is configured; default 404. */
  unconfigured?: (request: FastifyRequest, reply: FastifyReply) => Answer;
  /** A sign-in page with an error: 502 when the provider cannot be reached, 401 when it did not sign in. */
  failed: (request: FastifyRequest, reply: FastifyReply, status: 401 | 502, message: string) => Answer;
  messages: { unreachable: string; notSignedIn: string; log: string };
  /** What the provider's answer makes: a session, its cookie and where the browser goes next. */
  signedIn: (request: FastifyRequest, reply: FastifyReply, result: T) => Answer;
}

export function oidcSignInRoutes<T>(app: FastifyInstance, options: OidcSignInOptions<T>): void {
  const { client, paths, stateCookie, secure, limiter, messages } = options;
  const open = { config: { public: true } };

  app.get(paths.start, open, async (request, reply) => {
    if (!client) return options.unconfigured ? options.unconfigured(request, reply) : reply.callNotFound();
    if (tooManyAttempts(limiter, request, reply)) return reply;
    try {
      const { url, state } = await client.begin();
      reply.header(
        "set-cookie",
        setCookie(stateCookie, state, { secure, maxAgeSeconds: 600, sameSite: "Lax" }),
      );
      return reply.redirect(url, 302);
    } catch (error) {
      request.log.warn(
        { err: { type: (error as Error).name, message: (error as Error).message } },
        messages.log,
      );
      return options.failed(request, reply, 502, messages.unreachable);
    }
  });

  app.get<{ Querystring: Record<string, string | undefined> }>(
    paths.callback,
    { ...open, schema: { querystring: oidcCallbackQuery } },
    async (request, reply) => {
      if (!client) return reply.callNotFound();
      if (tooManyAttempts(limiter, request, reply)) return reply;
      const { code, state, error } = request.query;
      reply.header("set-cookie", clearCookie(stateCookie, secure));
      if (error || !code || !state) return options.failed(request, reply, 401, messages.notSignedIn);
      try {
        const result = await client.complete({
          code,
          state,
          browserState: parseCookies(request.headers.cookie).get(stateCookie) ?? null,
          iss: request.query.iss ?? null,
          clientAddress: request.ip,
        });
        return await options.signedIn(request, reply, result);
      } catch (failure) {
        if (!(failure instanceof GovernanceError)) throw failure;
        return options.failed(request, reply, 401, failure.message);
      }
    },
  );
}
