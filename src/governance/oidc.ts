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
  complete(
    db: Queryable,
    callback: { state: string; code: string; browserState: string | null; clientAddress: string | null },
  ): Promise<string>;
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
  }
  return "the ID token did not verify";
}

export function createOidcClient(config: OidcConfig): OidcClient {
  let configuration: Promise<client.Configuration> | null = null;

  const discover = (): Promise<client.Configuration> => {
    const issuer = new URL(config.issuer);
    configuration ??= client
      .discovery(
        issuer,
        config.clientId,
        { [client.clockTolerance]: 60 },
        client.ClientSecretBasic(config.clientSecret),
        discoveryOptions(issuer),
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
    config,
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
        redirect_uri: config.redirectUrl,
        scope: config.scopes,
        state,
        nonce,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
      });
      return { url: url.toString(), state };
    },

    async complete(db, callback) {
      const operator = {
        userId: null as string | null,
        name: "oidc",
        channel: "web",
        clientAddress: callback.clientAddress,
      };
      const fail = async (reason: string): Promise<never> => {
        await recordSecurityEvent(db, operator, {
          action: "login",
          allowed: false,
          reason: `OpenID Connect: ${reason}`,
        });
        throw new GovernanceError(`Sign-in through the identity provider failed: ${reason}`, undefined, {
          kind: "forbidden",
          code: "governance.oidc-sign-in",
        });
      };
      if (!callback.browserState || callback.browserState !== callback.state) {
        return fail("the sign-in did not start in this browser");
      }
      const flows = await db.query<{ code_verifier: string; nonce: string }>(
        "DELETE FROM oidc_login_flow WHERE state_hash = $1 AND expires_at > now() RETURNING code_verifier, nonce",
        [hashSecret(callback.state)],
      );
      if (flows.length === 0) return fail("unknown or expired sign-in");
      const oidc = await discover();
      const issuer = oidc.serverMetadata().issuer;
      // The callback the browser brought, rebuilt on the registered redirect URL (the one the provider used).
      const currentUrl = new URL(config.redirectUrl);
      currentUrl.search = new URLSearchParams({ code: callback.code, state: callback.state }).toString();
      let claims: client.IDToken | undefined;
      try {
        const tokens = await client.authorizationCodeGrant(oidc, currentUrl, {
          pkceCodeVerifier: flows[0].code_verifier,
          expectedState: callback.state,
          expectedNonce: flows[0].nonce,
          idTokenExpected: true,
        });
        claims = tokens.claims();
      } catch (error) {
        return fail(refusalReason(error));
      }
      if (!claims) return fail("no ID token");
      const subject = claims.sub;
      const name = claims[config.usernameClaim];
      if (typeof subject !== "string" || typeof name !== "string")
        return fail(`the ID token has no ${config.usernameClaim}`);
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
