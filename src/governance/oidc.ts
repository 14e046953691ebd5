// OpenID Connect sign-in (authorization code flow with PKCE), configured only by the environment. The
// identity provider says who the person is; OnePlace decides what they may do: the user must already
// exist in OnePlace with at least one role. The first sign-in links the provider's subject to the user;
// from then on the subject must match.
import { createHash } from "node:crypto";
import { createRemoteJWKSet, jwtVerify } from "jose";
import type { Queryable } from "../store/db.ts";
import type { OidcConfig } from "./auth-config.ts";
import { GovernanceError } from "./errors.ts";
import { recordSecurityEvent } from "./security-events.ts";
import { hashSecret, newSecret } from "./tokens.ts";

const FLOW_MINUTES = 10;

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
}

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

export function createOidcClient(config: OidcConfig): OidcClient {
  let discovery: Promise<Discovery> | null = null;
  let jwks: ReturnType<typeof createRemoteJWKSet> | null = null;

  const discover = (): Promise<Discovery> => {
    discovery ??= (async () => {
      const res = await fetch(`${config.issuer}/.well-known/openid-configuration`, {
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok)
        throw new GovernanceError(
          `the identity provider's discovery document answered ${res.status}`,
          undefined,
          { kind: "unavailable", code: "governance.oidc-discovery" },
        );
      const doc = (await res.json()) as Discovery;
      if (doc.issuer?.replace(/\/$/, "") !== config.issuer) {
        throw new GovernanceError(
          "the identity provider's discovery document names a different issuer",
          undefined,
          { kind: "unavailable", code: "governance.oidc-discovery" },
        );
      }
      for (const field of ["authorization_endpoint", "token_endpoint", "jwks_uri"] as const) {
        if (typeof doc[field] !== "string")
          throw new GovernanceError(`the discovery document has no ${field}`, undefined, {
            kind: "unavailable",
            code: "governance.oidc-discovery",
          });
      }
      jwks = createRemoteJWKSet(new URL(doc.jwks_uri));
      return doc;
    })();
    discovery.catch(() => {
      discovery = null;
    });
    return discovery;
  };

  return {
    config,
    async begin(db) {
      const doc = await discover();
      const state = newSecret();
      const nonce = newSecret();
      const verifier = newSecret();
      await db.query("DELETE FROM oidc_login_flow WHERE expires_at < now()");
      await db.query(
        "INSERT INTO oidc_login_flow (state_hash, code_verifier, nonce, expires_at) VALUES ($1, $2, $3, $4)",
        [hashSecret(state), verifier, nonce, new Date(Date.now() + FLOW_MINUTES * 60_000).toISOString()],
      );
      const url = new URL(doc.authorization_endpoint);
      url.search = new URLSearchParams({
        response_type: "code",
        client_id: config.clientId,
        redirect_uri: config.redirectUrl,
        scope: config.scopes,
        state,
        nonce,
        code_challenge: createHash("sha256").update(verifier).digest("base64url"),
        code_challenge_method: "S256",
      }).toString();
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
      const doc = await discover();
      const res = await fetch(doc.token_endpoint, {
        method: "POST",
        signal: AbortSignal.timeout(10_000),
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(config.clientId)}:${encodeURIComponent(config.clientSecret)}`).toString("base64")}`,
        },
        body: new URLSearchParams({
          grant_type: "authorization_code",
          code: callback.code,
          redirect_uri: config.redirectUrl,
          code_verifier: flows[0].code_verifier,
        }),
      });
      if (!res.ok) return fail(`the token endpoint answered ${res.status}`);
      const body = (await res.json()) as { id_token?: unknown };
      if (typeof body.id_token !== "string") return fail("no ID token");
      let claims: Record<string, unknown>;
      try {
        const verified = await jwtVerify(body.id_token, jwks as NonNullable<typeof jwks>, {
          issuer: doc.issuer,
          audience: config.clientId,
          algorithms: ["RS256", "PS256", "ES256", "EdDSA"],
          clockTolerance: 60,
        });
        claims = verified.payload as Record<string, unknown>;
      } catch {
        return fail("the ID token did not verify");
      }
      if (claims.nonce !== flows[0].nonce) return fail("the ID token's nonce does not match");
      const subject = claims.sub;
      const name = claims[config.usernameClaim];
      if (typeof subject !== "string" || typeof name !== "string")
        return fail(`the ID token has no ${config.usernameClaim}`);
      const username = name.trim().toLowerCase();
      operator.name = username.slice(0, 100);
      const users = await db.query<{
        user_id: string;
        status: string;
        oidc_issuer: string | null;
        oidc_subject: string | null;
      }>("SELECT user_id, status, oidc_issuer, oidc_subject FROM app_user WHERE username = $1", [username]);
      const user = users[0];
      if (!user) return fail("no OnePlace user with that name");
      operator.userId = user.user_id;
      if (user.status !== "active") return fail(`account ${user.status}`);
      if (user.oidc_subject !== null && (user.oidc_subject !== subject || user.oidc_issuer !== doc.issuer)) {
        return fail("the account is linked to a different identity");
      }
      if (user.oidc_subject === null) {
        await db.query("UPDATE app_user SET oidc_issuer = $2, oidc_subject = $3 WHERE user_id = $1", [
          user.user_id,
          doc.issuer,
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
