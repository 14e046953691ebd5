// A DEMO-ONLY identity provider shaped like NHS login, so that someone trying `oneplace demo` can sign in to the
// citizen's pages as one of the synthetic people. It is not NHS login and proves nobody's identity: anyone who
// can reach it picks whom to be. So it cannot be configured: no environment variable or setting turns it on;
// only `oneplace demo` passes it to the web server (WebOptions.demoCitizenIdp), and only for an address on this
// machine (http://localhost or 127.0.0.1); `oneplace serve` never does, and a configured citizen provider
// (ONEPLACE_CITIZEN_OIDC_ISSUER) takes its place. The OnePlace side is the real one: discovery, authorization
// code with PKCE, state and nonce, the `iss` parameter, a signed ID token with the identity proofing level, and
// the NHS Number and date of birth from UserInfo, checked as for NHS login. Keys and the client secret are made
// at start-up and live only in memory.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import type { CitizenOidcConfig } from "../governance/index.ts";

/** A synthetic person the demo provider offers to sign in as. */
export interface DemoCitizen {
  nhsNumber: string;
  birthDate: string;
  /** What the picker shows: a name and why they are worth signing in as (synthetic people only). */
  label: string;
}

export interface DemoCitizenIdpOptions {
  /** Where the browser reaches OnePlace: http://localhost:PORT or http://127.0.0.1:PORT, nothing else. */
  baseUrl: string;
  citizens: readonly DemoCitizen[];
}

export const DEMO_IDP_PATH = "/demo-nhs-login";
const CLIENT_ID = "oneplace-demo-citizen";
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);
const CODE_TTL_MS = 60_000;

/** Refuses a base address off this machine: the demo provider must never answer beyond it. */
export function demoIssuerFor(baseUrl: string): string {
  const url = new URL(baseUrl);
  if (url.protocol !== "http:" || !LOOPBACK.has(url.hostname)) {
    throw new Error(
      `the demo citizen sign-in runs only on this machine (http://localhost), not at ${url.origin}`,
    );
  }
  return `${url.origin}${DEMO_IDP_PATH}`;
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

interface Grant {
  citizen: DemoCitizen;
  nonce: string;
  challenge: string;
  redirectUri: string;
  expires: number;
}

/**
 * The provider's settings for the citizen sign-in, and its routes (a Fastify plugin) under /demo-nhs-login.
 */
export async function createDemoCitizenIdp(options: DemoCitizenIdpOptions): Promise<{
  config: CitizenOidcConfig;
  routes: (app: FastifyInstance) => Promise<void>;
}> {
  const issuer = demoIssuerFor(options.baseUrl);
  const origin = new URL(options.baseUrl).origin;
  const redirectUrl = `${origin}/citizen/sign-in/callback`;
  const clientSecret = randomBytes(24).toString("base64url");
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "demo", alg: "RS256", use: "sig" };
  const codes = new Map<string, Grant>();
  const tokens = new Map<string, DemoCitizen>();
  const subjectOf = (c: DemoCitizen) =>
    `demo-${createHash("sha256").update(c.nhsNumber).digest("hex").slice(0, 16)}`;

  const config: CitizenOidcConfig = {
    issuer,
    clientId: CLIENT_ID,
    clientSecret,
    redirectUrl,
    scopes: "openid profile",
    label: "NHS login (demo: pick a synthetic person)",
    privateKeyPem: null,
  };

  const routes = async (app: FastifyInstance) => {
    const open = { config: { public: true, ownAuth: true } };
    app.get(`${DEMO_IDP_PATH}/.well-known/openid-configuration`, open, async () => ({
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      userinfo_endpoint: `${issuer}/userinfo`,
      jwks_uri: `${issuer}/jwks`,
      response_types_supported: ["code"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
      code_challenge_methods_supported: ["S256"],
      authorization_response_iss_parameter_supported: true,
    }));
    app.get(`${DEMO_IDP_PATH}/jwks`, open, async () => ({ keys: [jwk] }));

    const authorizeQuery = {
      type: "object",
      properties: Object.fromEntries(
        [
          "client_id",
          "redirect_uri",
          "response_type",
          "scope",
          "state",
          "nonce",
          "code_challenge",
          "code_challenge_method",
          "vtr",
          "prompt",
        ].map((k) => [k, { type: "string", maxLength: 2000 }]),
      ),
    };
    const checkRequest = (q: Record<string, string | undefined>): string | null => {
      if (q.client_id !== CLIENT_ID || q.redirect_uri !== redirectUrl)
        return "unknown client or redirect address";
      if (q.response_type !== "code" || q.code_challenge_method !== "S256" || !q.code_challenge)
        return "the authorization code flow with PKCE (S256) is required";
      if (!q.state || !q.nonce) return "state and nonce are required";
      return null;
    };

    app.get(
      `${DEMO_IDP_PATH}/authorize`,
      { ...open, schema: { querystring: authorizeQuery } },
      async (request, reply) => {
        const q = request.query as Record<string, string | undefined>;
        const problem = checkRequest(q);
        reply.header("cache-control", "no-store");
        if (problem) return reply.code(400).type("text/plain").send(`Demo sign-in: ${problem}.`);
        const hidden = Object.entries(q)
          .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v ?? "")}">`)
          .join("");
        const choices = options.citizens
          .map(
            (c, i) =>
              `<div class="nhsuk-radios__item"><input class="nhsuk-radios__input" id="who-${i}" name="who" type="radio" value="${i}"${i === 0 ? " checked" : ""}><label class="nhsuk-label nhsuk-radios__label" for="who-${i}">${escapeHtml(c.label)}</label></div>`,
          )
          .join("");
        const body =
          options.citizens.length === 0
            ? "<p>The synthetic place has nobody with a joint care plan to sign in as yet.</p>"
            : `<form method="post" action="${DEMO_IDP_PATH}/authorize">${hidden}<fieldset class="nhsuk-fieldset"><legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">Who are you?</legend><div class="nhsuk-radios">${choices}</div></fieldset><button class="nhsuk-button" type="submit">Continue</button></form>`;
        return reply
          .type("text/html; charset=utf-8")
          .send(
            `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Demo sign-in (not NHS login)</title><link rel="stylesheet" href="/assets/nhsuk/nhsuk-frontend.min.css"></head><body><div class="nhsuk-width-container"><main class="nhsuk-main-wrapper" id="main-content"><div class="nhsuk-warning-callout"><h1 class="nhsuk-warning-callout__label"><span role="text"><span class="nhsuk-u-visually-hidden">Important: </span>Demo sign-in: this is not NHS login</span></h1><p>This page exists only in <code>oneplace demo</code>. It proves nobody's identity: choose one of the synthetic people to see OnePlace as they would. A real place signs citizens in through NHS login.</p></div>${body}</main></div></body></html>`,
          );
      },
    );

    app.post(
      `${DEMO_IDP_PATH}/authorize`,
      {
        ...open,
        schema: {
          body: {
            type: "object",
            properties: { ...authorizeQuery.properties, who: { type: "string", pattern: "^[0-9]{1,4}$" } },
            required: ["who"],
          },
        },
      },
      async (request, reply) => {
        const b = request.body as Record<string, string | undefined>;
        const problem = checkRequest(b);
        const citizen = options.citizens[Number(b.who)];
        if (problem || !citizen)
          return reply
            .code(400)
            .type("text/plain")
            .send(`Demo sign-in: ${problem ?? "choose a person"}.`);
        const code = randomUUID();
        for (const [k, g] of codes) if (g.expires < Date.now()) codes.delete(k);
        codes.set(code, {
          citizen,
          nonce: b.nonce as string,
          challenge: b.code_challenge as string,
          redirectUri: redirectUrl,
          expires: Date.now() + CODE_TTL_MS,
        });
        const back = new URL(redirectUrl);
        back.searchParams.set("code", code);
        back.searchParams.set("state", b.state as string);
        back.searchParams.set("iss", issuer);
        return reply.redirect(back.toString(), 303);
      },
    );

    app.post(
      `${DEMO_IDP_PATH}/token`,
      {
        ...open,
        schema: {
          body: {
            type: "object",
            properties: Object.fromEntries(
              ["grant_type", "code", "redirect_uri", "code_verifier", "client_id", "client_secret"].map(
                (k) => [k, { type: "string", maxLength: 2000 }],
              ),
            ),
          },
        },
      },
      async (request, reply) => {
        const b = request.body as Record<string, string | undefined>;
        const basic = Buffer.from(
          String(request.headers.authorization ?? "").replace(/^Basic /, ""),
          "base64",
        )
          .toString()
          .split(":")
          .map((part) => decodeURIComponent(part.replaceAll("+", " ")));
        const [id, secret] = request.headers.authorization ? basic : [b.client_id, b.client_secret];
        if (id !== CLIENT_ID || secret !== clientSecret)
          return reply.code(401).send({ error: "invalid_client" });
        const grant = codes.get(b.code ?? "");
        codes.delete(b.code ?? "");
        const verifier = b.code_verifier ?? "";
        if (
          b.grant_type !== "authorization_code" ||
          !grant ||
          grant.expires < Date.now() ||
          b.redirect_uri !== grant.redirectUri ||
          createHash("sha256").update(verifier).digest("base64url") !== grant.challenge
        ) {
          return reply.code(400).send({ error: "invalid_grant" });
        }
        const accessToken = randomBytes(24).toString("base64url");
        tokens.set(accessToken, grant.citizen);
        const idToken = await new SignJWT({
          nonce: grant.nonce,
          identity_proofing_level: "P9",
          vot: "P9.Cp.Cd",
        })
          .setProtectedHeader({ alg: "RS256", kid: "demo" })
          .setIssuer(issuer)
          .setSubject(subjectOf(grant.citizen))
          .setAudience(CLIENT_ID)
          .setIssuedAt()
          .setExpirationTime("5m")
          .sign(privateKey);
        reply.header("cache-control", "no-store");
        return { access_token: accessToken, token_type: "Bearer", expires_in: 300, id_token: idToken };
      },
    );

    app.get(`${DEMO_IDP_PATH}/userinfo`, open, async (request, reply) => {
      const citizen = tokens.get(String(request.headers.authorization ?? "").replace(/^Bearer /, ""));
      if (!citizen) return reply.code(401).send({ error: "invalid_token" });
      return {
        sub: subjectOf(citizen),
        identity_proofing_level: "P9",
        nhs_number: citizen.nhsNumber,
        birthdate: citizen.birthDate,
      };
    });
  };
  return { config, routes };
}
