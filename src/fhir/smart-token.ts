// The SMART Backend Services token endpoint (OAuth 2.0 client credentials with a private_key_jwt client
// assertion): the assertion is a JWT signed RS384 or ES384 by a key the client registered, with iss and sub
// the client id, aud this token endpoint, an exp no more than five minutes ahead and a jti never used before.
import { createLocalJWKSet, decodeJwt, errors, jwtVerify } from "jose";
import type { Queryable } from "../store/index.ts";
import { activeClient, issueAccessToken, useAssertionId } from "./clients.ts";
import { grantScopes } from "./scopes.ts";

export const CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const MAX_ASSERTION_SECONDS = 300;

/** An OAuth 2.0 error answer (RFC 6749 section 5.2). */
export class OAuthError extends Error {
  override readonly name = "OAuthError";
  readonly status: number;
  readonly error:
    | "invalid_request"
    | "invalid_client"
    | "invalid_grant"
    | "invalid_scope"
    | "unsupported_grant_type";
  constructor(status: number, error: OAuthError["error"], description: string) {
    super(description);
    this.status = status;
    this.error = error;
  }
}

export interface TokenRequest {
  grant_type?: string;
  scope?: string;
  client_assertion_type?: string;
  client_assertion?: string;
}

export interface TokenAnswer {
  access_token: string;
  token_type: "bearer";
  expires_in: number;
  scope: string;
}

export async function exchangeClientAssertion(
  db: Queryable,
  request: TokenRequest,
  tokenUrl: string,
  now: Date = new Date(),
): Promise<TokenAnswer> {
  if (request.grant_type !== "client_credentials") {
    throw new OAuthError(400, "unsupported_grant_type", "grant_type must be client_credentials");
  }
  if (request.client_assertion_type !== CLIENT_ASSERTION_TYPE || !request.client_assertion) {
    throw new OAuthError(
      400,
      "invalid_request",
      `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}, with a client_assertion`,
    );
  }
  if (!request.scope?.trim()) throw new OAuthError(400, "invalid_scope", "scope is required");
  let claims: ReturnType<typeof decodeJwt>;
  try {
    claims = decodeJwt(request.client_assertion);
  } catch {
    throw new OAuthError(401, "invalid_client", "the client assertion is not a JWT");
  }
  const clientId = typeof claims.iss === "string" ? claims.iss : "";
  const client = clientId.length <= 100 ? await activeClient(db, clientId) : null;
  if (!client) throw new OAuthError(401, "invalid_client", "the client is not registered, or was revoked");
  let payload: Awaited<ReturnType<typeof jwtVerify>>["payload"];
  try {
    ({ payload } = await jwtVerify(request.client_assertion, createLocalJWKSet(client.jwks as never), {
      algorithms: ["RS384", "ES384"],
      issuer: clientId,
      subject: clientId,
      audience: tokenUrl,
      requiredClaims: ["exp", "jti"],
      currentDate: now,
    }));
  } catch (error) {
    const why =
      error instanceof errors.JWTExpired
        ? "the client assertion has expired"
        : error instanceof errors.JWTClaimValidationFailed
          ? `the client assertion's ${error.claim} claim is not valid`
          : error instanceof errors.JOSEAlgNotAllowed
            ? "the client assertion is not signed RS384 or ES384, the algorithms OnePlace accepts"
            : "the client assertion's signature does not verify against the client's registered keys";
    throw new OAuthError(401, "invalid_client", why);
  }
  const exp = payload.exp as number;
  if (exp - now.getTime() / 1000 > MAX_ASSERTION_SECONDS) {
    throw new OAuthError(401, "invalid_client", "the client assertion's exp is more than five minutes ahead");
  }
  const jti = String(payload.jti);
  if (jti.length > 200 || !(await useAssertionId(db, clientId, jti, new Date(exp * 1000)))) {
    throw new OAuthError(401, "invalid_client", "the client assertion's jti has been used before");
  }
  const granted = grantScopes(request.scope, client.scopes);
  if (granted.length === 0) {
    throw new OAuthError(400, "invalid_scope", "none of the scopes asked for was registered for this client");
  }
  const { token, expiresIn } = await issueAccessToken(db, clientId, granted, now);
  return { access_token: token, token_type: "bearer", expires_in: expiresIn, scope: granted.join(" ") };
}
