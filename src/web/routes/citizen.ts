// The citizen's own view: a person signs in through NHS login (or a provider shaped like it) and sees their
// own care plan, referrals, care team, who has looked at their record, and records or withdraws an objection
// to sharing. These routes authenticate themselves (`ownAuth`): a citizen session is its own cookie and its own
// table, never a staff session, so a citizen reaches no staff route (the auth plugin knows no citizen cookie)
// and staff reach no citizen page through these. Personal data only through the citizen's governed reader
// (src/governance/reader-citizen.ts), which finds the record by the NHS Number the provider asserted: no
// route takes a person's id. Forms work without JavaScript (POST with the session's CSRF token).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { HTTP_STATUS_OF_KIND, isOnePlaceError } from "../../core/errors.ts";
import {
  type CitizenIdentity,
  type CitizenOidcClient,
  type CitizenReader,
  createCitizenOidcClient,
  createCitizenReader,
  csrfTokenFor,
  endCitizenSession,
  grantsInForceFor,
  resolveCitizenSession,
  setCitizenActingFor,
} from "../../governance/index.ts";
import type { Db } from "../../platform/index.ts";
import type { AuthSettings } from "../plugins/auth.ts";
import { clearCookie, parseCookies, setCookie } from "../plugins/cookies.ts";
import { refusedAsForged } from "../plugins/csrf.ts";
import { sendProblem } from "../plugins/problem.ts";
import { createRateLimiter } from "../plugins/rate-limit.ts";
import {
  careTeamContext,
  citizenShell,
  contributionsContext,
  peopleContext,
  planContext,
  recordAccessContext,
  referralsContext,
  type ShellActingFor,
  sharingContext,
} from "../views/citizen.context.ts";
import { oidcSignInRoutes } from "./oidc-sign-in.ts";
import { londonToday } from "./person-forms.ts";
import { closedObject, csrfField, UUID_PATTERN } from "./schemas.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /** A citizen's page: the citizen routes' own hook signs the citizen in; staff sessions count for nothing. */
    citizen?: boolean;
  }
}

export interface CitizenRouteOptions {
  db: Db;
  settings: AuthSettings;
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const SIGN_IN = "/citizen/sign-in";

const pageQuery = closedObject({ page: { type: "integer", minimum: 1, maximum: 100_000 } });
const doneQuery = closedObject({ done: { type: "string", enum: ["recorded", "withdrawn", "unchanged"] } });
const choiceBody = closedObject(
  { choice: { type: "string", anyOf: [{ const: "self" }, { pattern: UUID_PATTERN }] }, ...csrfField },
  ["choice", "_csrf"],
);
const addedQuery = closedObject({ done: { type: "string", enum: ["added"] } });
// Generous caps here: the reader's own check gives the person an actionable message for anything longer.
const contributionBody = closedObject(
  { kind: { type: "string", maxLength: 40 }, body: { type: "string", maxLength: 20_000 }, ...csrfField },
  ["_csrf"],
);
const sharingBody = closedObject({ choice: { type: "string", enum: ["object", "withdraw"] }, ...csrfField }, [
  "choice",
  "_csrf",
]);

/** The citizen's cookies: apart from staff ones, with the __Host- prefix when Secure. */
function citizenCookies(secure: boolean) {
  const prefix = secure ? "__Host-" : "";
  return { session: `${prefix}oneplace_citizen`, state: `${prefix}oneplace_citizen_oidc` };
}

export async function citizenRoutes(app: FastifyInstance, options: CitizenRouteOptions): Promise<void> {
  const { db } = options;
  const { config } = options.settings;
  const secure = config.cookieSecure;
  const names = citizenCookies(secure);
  const oidc: CitizenOidcClient | null = config.citizenOidc
    ? createCitizenOidcClient(config.citizenOidc)
    : null;
  // Sign-in pages (public) show no record; the pages after them are the citizen's, behind the hook below.
  const own = { config: { ownAuth: true, citizen: true } };

  const citizens = new WeakMap<
    FastifyRequest,
    { identity: CitizenIdentity; token: string; actingFor: ShellActingFor | null; caresFor: boolean }
  >();
  const signedIn = (request: FastifyRequest) => {
    const found = citizens.get(request);
    if (!found) throw new Error("a citizen page was reached without the citizen hook");
    return found;
  };
  const readerFor = (request: FastifyRequest): CitizenReader =>
    createCitizenReader(db, signedIn(request).identity, {
      clientAddress: request.ip,
      detail: `${request.method} ${request.routeOptions.url ?? "unmatched"}`,
    });
  const shell = (request: FastifyRequest, current: string) => {
    const { token, actingFor, caresFor } = signedIn(request);
    return citizenShell({ csrf: csrfTokenFor(token), current, actingFor, caresFor });
  };

  app.addHook("onRequest", async (request, reply) => {
    if (!request.routeOptions.config?.citizen) return;
    reply.header("cache-control", "no-store");
    const token = parseCookies(request.headers.cookie).get(names.session);
    const identity = token ? await resolveCitizenSession(db, config, token) : null;
    if (!identity || !token) {
      if (token) reply.header("set-cookie", clearCookie(names.session, secure));
      if (request.method === "GET") return reply.redirect(SIGN_IN, 303);
      return sendProblem(reply, 401, "Sign in through NHS login first.");
    }
    // Whose record: a proxy grant is looked up again on every request, so a revoked one shows nothing more.
    const reader = createCitizenReader(db, identity, { clientAddress: request.ip, detail: "" });
    const actingFor = await reader.actingFor();
    const caresFor =
      reader.mayReadRecord && identity.nhsNumber
        ? (await grantsInForceFor(db, identity, londonToday())).length > 0
        : false;
    citizens.set(request, { identity, token, actingFor, caresFor });
  });

  app.addHook("preHandler", async (request, reply) => {
    if (!request.routeOptions.config?.citizen || !UNSAFE.has(request.method)) return;
    if (
      refusedAsForged(request, reply, {
        sessionToken: signedIn(request).token,
        publicOrigin: options.settings.publicOrigin,
        headerToken: false,
        expired: "The form has expired: go back, reload the page and try again.",
      })
    )
      return reply;
  });

  signInRoutes(app, { db, settings: options.settings, oidc, names });

  app.post(
    "/citizen/sign-out",
    { ...own, schema: { body: closedObject({ ...csrfField }, ["_csrf"]) } },
    async (request, reply) => {
      await endCitizenSession(db, signedIn(request).token, request.ip);
      reply.header("set-cookie", clearCookie(names.session, secure));
      return reply.redirect(`${SIGN_IN}?done=signed-out`, 303);
    },
  );

  /** Below P9 no record is shown: a page saying what the person can do instead; the refusal is audited. */
  const notProved = async (request: FastifyRequest, reply: FastifyReply, current: string) => {
    await readerFor(request).refuseUnproved();
    return reply.view("citizen-identity.njk", {
      ...shell(request, current),
      title: "Prove who you are to see your care record",
      level: signedIn(request).identity.proofingLevel,
    });
  };

  app.get("/citizen", own, async (request, reply) => {
    const reader = readerFor(request);
    if (!reader.mayReadRecord) return notProved(request, reply, "/citizen");
    return reply.view("citizen-plan.njk", {
      ...shell(request, "/citizen"),
      ...planContext(await reader.myPlan()),
    });
  });

  app.get("/citizen/referrals", own, async (request, reply) => {
    const reader = readerFor(request);
    if (!reader.mayReadRecord) return notProved(request, reply, "/citizen/referrals");
    return reply.view("citizen-referrals.njk", {
      ...shell(request, "/citizen/referrals"),
      ...referralsContext(await reader.myReferrals()),
    });
  });

  app.get("/citizen/care-team", own, async (request, reply) => {
    const reader = readerFor(request);
    if (!reader.mayReadRecord) return notProved(request, reply, "/citizen/care-team");
    return reply.view("citizen-care-team.njk", {
      ...shell(request, "/citizen/care-team"),
      ...careTeamContext(await reader.myCareTeam()),
    });
  });

  app.get<{ Querystring: { page?: number } }>(
    "/citizen/record-access",
    { ...own, schema: { querystring: pageQuery } },
    async (request, reply) => {
      const reader = readerFor(request);
      if (!reader.mayReadRecord) return notProved(request, reply, "/citizen/record-access");
      return reply.view("citizen-record-access.njk", {
        ...shell(request, "/citizen/record-access"),
        ...recordAccessContext(await reader.recordAccess(request.query.page ?? 1)),
      });
    },
  );

  app.get("/citizen/people", own, async (request, reply) => {
    const reader = readerFor(request);
    if (!reader.mayReadRecord) return notProved(request, reply, "/citizen/people");
    return reply.view("citizen-people.njk", {
      ...shell(request, "/citizen/people"),
      ...peopleContext(await reader.peopleICareFor(), signedIn(request).identity.actingForProxyId),
    });
  });

  app.post<{ Body: { choice: string; _csrf: string } }>(
    "/citizen/people",
    { ...own, schema: { body: choiceBody } },
    async (request, reply) => {
      const reader = readerFor(request);
      if (!reader.mayReadRecord) return notProved(request, reply, "/citizen/people");
      const { identity } = signedIn(request);
      const choice = request.body.choice.toLowerCase();
      if (choice !== "self") {
        // Only a grant in force for this account's NHS Number; anything else is refused and audited.
        const mine = await reader.peopleICareFor();
        if (!mine.some((p) => p.proxyId === choice)) {
          await createCitizenReader(
            db,
            { ...identity, actingForProxyId: choice },
            {
              clientAddress: request.ip,
              detail: "POST /citizen/people",
            },
          )
            .myPlan()
            .catch(() => undefined); // audits the refusal with the reason
          return reply.status(403).view("citizen-people.njk", {
            ...shell(request, "/citizen/people"),
            ...peopleContext(mine, identity.actingForProxyId),
            error: "You cannot look at that person's record. Choose one of the people listed.",
          });
        }
      }
      await setCitizenActingFor(db, identity.sessionId, choice === "self" ? null : choice);
      return reply.redirect("/citizen", 303);
    },
  );

  app.get<{ Querystring: { done?: "added" } }>(
    "/citizen/what-matters",
    { ...own, schema: { querystring: addedQuery } },
    async (request, reply) => {
      const reader = readerFor(request);
      if (!reader.mayReadRecord) return notProved(request, reply, "/citizen/what-matters");
      return reply.view("citizen-what-matters.njk", {
        ...shell(request, "/citizen/what-matters"),
        ...contributionsContext(await reader.myContributions(), { added: request.query.done === "added" }),
      });
    },
  );

  app.post<{ Body: { kind?: string; body?: string; _csrf: string } }>(
    "/citizen/what-matters",
    { ...own, schema: { body: contributionBody } },
    async (request, reply) => {
      const reader = readerFor(request);
      if (!reader.mayReadRecord) return notProved(request, reply, "/citizen/what-matters");
      const kind = request.body.kind ?? "";
      const body = request.body.body ?? "";
      try {
        await reader.addMyContribution(kind, body);
      } catch (error) {
        if (
          !isOnePlaceError(error) ||
          (error.kind !== "invalid" && error.code !== "governance.contribution-too-many")
        )
          throw error;
        const field = error.code === "governance.contribution-kind" ? "kind" : "body";
        const text = error.hint ? `${error.message} ${error.hint}` : error.message;
        return reply.status(HTTP_STATUS_OF_KIND[error.kind]).view("citizen-what-matters.njk", {
          ...shell(request, "/citizen/what-matters"),
          ...contributionsContext(await reader.myContributions(), {
            form: { kind, body, error: { field, text } },
          }),
        });
      }
      return reply.redirect("/citizen/what-matters?done=added", 303);
    },
  );

  app.get<{ Querystring: { done?: "recorded" | "withdrawn" | "unchanged" } }>(
    "/citizen/sharing",
    { ...own, schema: { querystring: doneQuery } },
    async (request, reply) => {
      const reader = readerFor(request);
      if (!reader.mayReadRecord) return notProved(request, reply, "/citizen/sharing");
      return reply.view("citizen-sharing.njk", {
        ...shell(request, "/citizen/sharing"),
        ...sharingContext(await reader.mySharing(), request.query.done ?? null),
      });
    },
  );

  app.post<{ Body: { choice: "object" | "withdraw"; _csrf: string } }>(
    "/citizen/sharing",
    { ...own, schema: { body: sharingBody } },
    async (request, reply) => {
      const reader = readerFor(request);
      if (request.body.choice === "object") {
        const { recorded } = await reader.recordMyObjection();
        return reply.redirect(`/citizen/sharing?done=${recorded ? "recorded" : "unchanged"}`, 303);
      }
      const { withdrawn } = await reader.withdrawMyObjections();
      return reply.redirect(`/citizen/sharing?done=${withdrawn > 0 ? "withdrawn" : "unchanged"}`, 303);
    },
  );
}

/** Signing in: the page, the start (to the provider) and the callback (a citizen session, then /citizen). */
function signInRoutes(
  app: FastifyInstance,
  context: {
    db: Db;
    settings: AuthSettings;
    oidc: CitizenOidcClient | null;
    names: ReturnType<typeof citizenCookies>;
  },
): void {
  const { db, oidc, names } = context;
  const { config } = context.settings;
  // Citizens' own limiter, apart from staff sign-in's: the public cannot use up staff's attempts, nor staff theirs.
  const loginLimiter = createRateLimiter(config.loginAttemptsPerMinute);
  const secure = config.cookieSecure;
  const label = oidc?.config.label ?? "NHS login";
  const open = { config: { public: true } };

  const signInPage = (reply: FastifyReply, status: number, error?: string, signedOut = false) =>
    reply
      .status(status)
      .header("cache-control", "no-store")
      .view("citizen-sign-in.njk", {
        ...citizenShell({ csrf: null, current: SIGN_IN }),
        title: "Sign in to see your care record",
        label,
        signedOut,
        available: oidc !== null,
        error,
      });

  app.get<{ Querystring: { done?: "signed-out" } }>(
    SIGN_IN,
    { ...open, schema: { querystring: closedObject({ done: { type: "string", enum: ["signed-out"] } }) } },
    (request, reply) => signInPage(reply, 200, undefined, request.query.done === "signed-out"),
  );

  oidcSignInRoutes(app, {
    paths: { start: `${SIGN_IN}/start`, callback: `${SIGN_IN}/callback` },
    stateCookie: names.state,
    secure,
    limiter: loginLimiter,
    client: oidc && {
      begin: () => oidc.begin(db),
      complete: (callback) => oidc.complete(db, config, callback),
    },
    unconfigured: (_request, reply) =>
      signInPage(reply, 503, "Signing in is not available on this service yet."),
    failed: (_request, reply, status, error) => signInPage(reply, status, error),
    messages: {
      unreachable: `${label} cannot be reached just now. Try again in a few minutes.`,
      notSignedIn: `${label} did not sign you in. You can try again.`,
      log: "citizen identity provider unavailable",
    },
    signedIn: async (request, reply, session) => {
      // A session this browser held before (another person's, perhaps, on a shared computer) ends now.
      const earlier = parseCookies(request.headers.cookie).get(names.session);
      if (earlier)
        await endCitizenSession(
          db,
          earlier,
          request.ip,
          "citizen session ended by a new sign-in in its browser",
        );
      reply.header(
        "set-cookie",
        setCookie(names.session, session.token, {
          secure,
          maxAgeSeconds: config.sessionMaxHours * 3_600,
          sameSite: "Lax",
        }),
      );
      return reply.redirect("/citizen", 303);
    },
  });
}
