// OpenID Connect sign-in (authorization code flow with PKCE, state and nonce) through openid-client,
// configured only by the environment. The identity provider says who the person is; OnePlace decides what
// they may do: the user must already exist in OnePlace with at least one role. The first sign-in links the
// provider's subject to the user; from then on the subject must match.
import * as client from "openid-client";
import type { Queryable } from "../store/index.ts";
import type { OidcConfig } from "./auth-config.ts";
import { GovernanceError } from "./errors.ts";
import { accountForSignIn } from "./login.ts";
import { recordSecurityEvent } from "./security-events.ts";
import { hashSecret } from "./tokens.ts";

const FLOW_MINUTES = 10;
const TIMEOUT_SECONDS = 10;
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

export interface OidcClient {
  config: OidcConfig;
  /** Starts a sign-in: the URL to send the browser to, and the state to bind to the browser (a cookie). */
  begin(db: Queryable): Promise<{ url: string; state: string }>;
  /** Completes it from the callback; returns the OnePlace user id, or throws a GovernanceError. */
  complete(db: Queryable, callback: OidcCallback & { clientAddress: string | null }): Promise<string>;
}

/**
 * openid-client refuses plain-http endpoints. auth-config admits http only for an issuer on this machine
 * (development and the tests' stub provider), so only then are insecure requests allowed; any other issuer
 * keeps the https-only rule. ID token signatures are always checked against the provider's keys, not only
 * trusted from the TLS connection.
 */
function discoveryOptions(issuer: URL): client.DiscoveryRequestOptions {
  const execute = [client.enableNonRepudiationChecks];
  if (issuer.protocol === "http:" && LOOPBACK_HOSTS.has(issuer.hostname))
    execute.push(client.allowInsecureRequests);
  return { execute, timeout: TIMEOUT_SECONDS };
}

/** Why openid-client refused the callback, in the words the sign-in page and the audit trail use. */
function refusalReason(error: unknown): string {
  if (error instanceof client.ResponseBodyError) return `the token endpoint answered ${error.status}`;
  // openid-client wraps the failed check; the compared claim sits further down the cause chain.
  for (let e: unknown = error; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    if ((e as { claim?: unknown }).claim === "nonce") return "the ID token's nonce does not match";
    // RFC 9207: the callback's `iss` names another provider (a mix-up), or is missing where it must be sent.
    if (String((e as { message?: unknown }).message).includes('"iss" (issuer)'))
      return "the callback's issuer is not this identity provider";
  }
  return "the ID token did not verify";
}

/** An identity provider's settings as the shared flow needs them (staff and citizen sign-in both). */
export type OidcProviderConfig = Pick<
  OidcConfig,
  "issuer" | "clientId" | "clientSecret" | "redirectUrl" | "scopes" | "label"
> & {
  /** With a PKCS#8 PEM key the client authenticates with private_key_jwt (RS512, as NHS login asks). */
  privateKeyPem?: string | null;
};

/** How the client proves itself at the token endpoint: a signed JWT when a key is configured, else the secret. */
async function clientAuthentication(config: OidcProviderConfig): Promise<client.ClientAuth> {
  if (!config.privateKeyPem) return client.ClientSecretBasic(config.clientSecret);
  const der = Buffer.from(config.privateKeyPem.replace(/-----[A-Z ]+-----|\s+/g, ""), "base64");
  const key = await crypto.subtle.importKey(
    "pkcs8",
    der,
    { name: "RSASSA-PKCS1-v1_5", hash: "SHA-512" },
    false,
    ["sign"],
  );
  return client.PrivateKeyJwt(key);
}

/**
 * What the browser brought back: the code, the state (and the state cookie it holds), and the provider's
 * `iss` when it sent one (RFC 9207), checked against the discovered issuer so a response from another
 * provider is refused.
 */
export interface OidcCallback {
  state: string;
  code: string;
  browserState: string | null;
  iss?: string | null;
}

/** What the provider said about the person: the ID token's claims, with the UserInfo endpoint's where asked. */
export interface OidcClaims {
  issuer: string;
  subject: string;
  claims: Record<string, unknown>;
}

/**
 * The authorization code flow with PKCE, state and nonce, shared by staff sign-in (createOidcClient) and the
 * citizen's (citizen-sign-in.ts): begin stores the flow and gives the URL; exchange checks the browser's state,
 * redeems the code once and verifies the ID token, answering the provider's claims or the reason it failed.
 */
export interface OidcFlow {
  begin(db: Queryable): Promise<{ url: string; state: string }>;
  exchange(
    db: Queryable,
    callback: OidcCallback,
    options?: { userInfoFor?: readonly string[] },
  ): Promise<{ ok: true; identity: OidcClaims } | { ok: false; reason: string }>;
}

export function createOidcFlow(
  config: OidcProviderConfig,
  extraAuthorizationParams: Readonly<Record<string, string>> = {},
): OidcFlow {
  let configuration: Promise<client.Configuration> | null = null;

  const discover = (): Promise<client.Configuration> => {
    const issuer = new URL(config.issuer);
    configuration ??= clientAuthentication(config)
      .then((auth) =>
        client.discovery(
          issuer,
          config.clientId,
          { [client.clockTolerance]: 60 },
          auth,
          discoveryOptions(issuer),
        ),
      )
      .catch((error: unknown) => {
        configuration = null;
        throw new GovernanceError(
          `the identity provider's discovery document could not be used: ${(error as Error).message}`,
        );
      });
    return configuration;
  };

  return {
    async begin(db) {
      const oidc = await discover();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const verifier = client.randomPKCECodeVerifier();
      await db.query("DELETE FROM oidc_login_flow WHERE expires_at < now()");
      await db.query(
        "INSERT INTO oidc_login_flow (state_hash, code_verifier, nonce, expires_at) VALUES ($1, $2, $3, $4)",
        [hashSecret(state), verifier, nonce, new Date(Date.now() + FLOW_MINUTES * 60_000).toISOString()],
      );
      const url = client.buildAuthorizationUrl(oidc, {
        ...extraAuthorizationParams,
        redirect_uri: config.redirectUrl,
        scope: config.scopes,
        state,
        nonce,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
      });
      return { url: url.toString(), state };
    },

    async exchange(db, callback, options = {}) {
      if (!callback.browserState || callback.browserState !== callback.state) {
        return { ok: false, reason: "the sign-in did not start in this browser" };
      }
      const flows = await db.query<{ code_verifier: string; nonce: string }>(
        "DELETE FROM oidc_login_flow WHERE state_hash = $1 AND expires_at > now() RETURNING code_verifier, nonce",
        [hashSecret(callback.state)],
      );
      if (flows.length === 0) return { ok: false, reason: "unknown or expired sign-in" };
      let oidc: client.Configuration;
      try {
        oidc = await discover();
      } catch {
        // A fixed reason: the library's message (hosts, ports, parse errors) is not for a public page.
        return { ok: false, reason: "the identity provider could not be reached" };
      }
      const issuer = oidc.serverMetadata().issuer;
      // The callback the browser brought, rebuilt on the registered redirect URL (the one the provider used).
      const currentUrl = new URL(config.redirectUrl);
      currentUrl.search = new URLSearchParams({
        code: callback.code,
        state: callback.state,
        ...(callback.iss ? { iss: callback.iss } : {}),
      }).toString();
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
      try {
        tokens = await client.authorizationCodeGrant(oidc, currentUrl, {
          pkceCodeVerifier: flows[0].code_verifier,
          expectedState: callback.state,
          expectedNonce: flows[0].nonce,
          idTokenExpected: true,
        });
      } catch (error) {
        return { ok: false, reason: refusalReason(error) };
      }
      const idToken = tokens.claims();
      if (!idToken) return { ok: false, reason: "no ID token" };
      if (typeof idToken.sub !== "string") return { ok: false, reason: "the ID token has no subject" };
      const claims: Record<string, unknown> = { ...idToken };
      // Some providers (NHS login among them) give profile claims only at the UserInfo endpoint.
      const wanted = options.userInfoFor ?? [];
      if (wanted.some((name) => claims[name] === undefined)) {
        try {
          const info = await client.fetchUserInfo(oidc, tokens.access_token, idToken.sub);
          for (const [name, value] of Object.entries(info)) claims[name] ??= value;
        } catch {
          return { ok: false, reason: "the identity provider's UserInfo endpoint did not answer" };
        }
      }
      return { ok: true, identity: { issuer, subject: idToken.sub, claims } };
    },
  };
}

/** Who is signing in, for the security event a sign-in records: named once the provider has said who. */
export interface SignInOperator {
  userId: string | null;
  name: string;
  channel: string;
  clientAddress: string | null;
}

/**
 * A refused sign-in, staff's or a citizen's: one security event with the reason (`audit`), then the
 * GovernanceError whose message the sign-in page shows.
 */
export async function refuseSignIn(
  db: Queryable,
  operator: SignInOperator,
  refusal: { audit: string; message: string; code: string },
): Promise<never> {
  await recordSecurityEvent(db, operator, { action: "login", allowed: false, reason: refusal.audit });
  throw new GovernanceError(refusal.message, undefined, { kind: "forbidden", code: refusal.code });
}

export function createOidcClient(config: OidcConfig): OidcClient {
  const flow = createOidcFlow(config);
  return {
    config,
    begin: (db) => flow.begin(db),

    async complete(db, callback) {
      const operator: SignInOperator = {
        userId: null,
        name: "oidc",
        channel: "web",
        clientAddress: callback.clientAddress,
      };
      const fail = (reason: string) =>
        refuseSignIn(db, operator, {
          audit: `OpenID Connect: ${reason}`,
          message: `Sign-in through the identity provider failed: ${reason}`,
          code: "governance.oidc-sign-in",
        });
      const result = await flow.exchange(db, callback);
      if (!result.ok) return fail(result.reason);
      const { issuer, subject, claims } = result.identity;
      const name = claims[config.usernameClaim];
      if (typeof name !== "string") return fail(`the ID token has no ${config.usernameClaim}`);
      const username = name.trim().toLowerCase();
      operator.name = username.slice(0, 100);
      const user = await accountForSignIn(db, username);
      if (!user) return fail("no OnePlace user with that name");
      operator.userId = user.user_id;
      if (user.status !== "active") return fail(`account ${user.status}`);
      if (user.oidc_subject !== null && (user.oidc_subject !== subject || user.oidc_issuer !== issuer)) {
        return fail("the account is linked to a different identity");
      }
      if (user.oidc_subject === null) {
        await db.query("UPDATE app_user SET oidc_issuer = $2, oidc_subject = $3 WHERE user_id = $1", [
          user.user_id,
          issuer,
          subject,
        ]);
      }
      await recordSecurityEvent(db, operator, {
        action: "login",
        allowed: true,
        reason: "OpenID Connect sign-in",
      });
      return user.user_id;
    },
  };
}
