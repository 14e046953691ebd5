// An identity provider shaped like NHS login, in this process on 127.0.0.1, for the citizen's sign-in tests:
// discovery, authorize (PKCE S256 required; signs in whoever `next` says, at once), token (client secret,
// code redeemed once, the verifier checked), JWKS and UserInfo. Like NHS login, the ID token carries the
// identity proofing level and the vector of trust, and the NHS Number comes from UserInfo (the profile scope),
// or in the ID token when `nhsNumberInIdToken` is set. The client authenticates with its secret, or, as NHS
// login requires, with private_key_jwt (authConfig's `privateKey`). No network beyond the loopback.
import { createHash, generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, SignJWT } from "jose";
import { authConfigFromEnv } from "../../src/governance/auth-config.ts";
import type { AuthConfig } from "../../src/governance/index.ts";

export const CITIZEN_CLIENT_ID = "oneplace-citizen-test";
const CLIENT_SECRET = "stub-citizen-secret-value";

/** Who the provider signs in next. */
export interface CitizenLogin {
  sub: string;
  nhsNumber?: string;
  /** The date of birth UserInfo gives (the profile scope's `birthdate`), as NHS login does. */
  birthdate?: string;
  level: "P0" | "P5" | "P9";
  nhsNumberInIdToken?: boolean;
}

export interface CitizenIdp {
  issuer: string;
  /** Who signs in at the next authorize request. */
  next: CitizenLogin;
  /** The authorize requests' query strings, as received. */
  authorizeRequests: URLSearchParams[];
  /** How each token request authenticated the client: "secret", or "private_key_jwt" with its algorithm. */
  clientAuthentications: string[];
  /**
   * Sign-in settings for a web server whose citizen callback is at redirectUrl; with `privateKey` the client
   * holds an RSA key (a PEM file, as ONEPLACE_CITIZEN_OIDC_PRIVATE_KEY_FILE names) and no secret.
   */
  authConfig(
    redirectUrl: string,
    env?: Record<string, string>,
    options?: { privateKey?: boolean },
  ): AuthConfig;
  close(): Promise<void>;
}

export async function startCitizenIdp(): Promise<CitizenIdp> {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "nhs-login-test", alg: "RS256", use: "sig" };
  const codes = new Map<
    string,
    { nonce: string; challenge: string; login: CitizenLogin; redirect: string }
  >();
  const accessTokens = new Map<string, CitizenLogin>();
  let redirectUrl = "";
  let clientPublicKey: KeyObject | null = null;
  const idp: CitizenIdp = {
    issuer: "",
    next: { sub: "nhs-login-1", level: "P9" },
    authorizeRequests: [],
    clientAuthentications: [],
    authConfig(redirect, env = {}, options = {}) {
      redirectUrl = redirect;
      const dir = mkdtempSync(join(tmpdir(), "op-citizen-idp-"));
      const credential: Record<string, string> = {};
      if (options.privateKey) {
        const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
        clientPublicKey = pair.publicKey;
        writeFileSync(join(dir, "key.pem"), pair.privateKey.export({ type: "pkcs8", format: "pem" }), {
          mode: 0o600,
        });
        credential.ONEPLACE_CITIZEN_OIDC_PRIVATE_KEY_FILE = join(dir, "key.pem");
      } else {
        clientPublicKey = null;
        writeFileSync(join(dir, "secret"), `${CLIENT_SECRET}\n`, { mode: 0o600 });
        credential.ONEPLACE_CITIZEN_OIDC_CLIENT_SECRET_FILE = join(dir, "secret");
      }
      return authConfigFromEnv({
        ONEPLACE_CITIZEN_OIDC_ISSUER: idp.issuer,
        ONEPLACE_CITIZEN_OIDC_CLIENT_ID: CITIZEN_CLIENT_ID,
        ...credential,
        ONEPLACE_CITIZEN_OIDC_REDIRECT_URL: redirect,
        ONEPLACE_LOGIN_RATE_LIMIT: "1000",
        ...env,
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", idp.issuer);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/.well-known/openid-configuration") {
      return json(200, {
        issuer: idp.issuer,
        authorization_endpoint: `${idp.issuer}/authorize`,
        token_endpoint: `${idp.issuer}/token`,
        userinfo_endpoint: `${idp.issuer}/userinfo`,
        jwks_uri: `${idp.issuer}/jwks`,
      });
    }
    if (url.pathname === "/jwks") return json(200, { keys: [jwk] });
    if (url.pathname === "/authorize") {
      const p = url.searchParams;
      idp.authorizeRequests.push(p);
      if (
        p.get("client_id") !== CITIZEN_CLIENT_ID ||
        p.get("redirect_uri") !== redirectUrl ||
        p.get("code_challenge_method") !== "S256" ||
        !p.get("code_challenge")
      ) {
        return json(400, { error: "invalid_request" });
      }
      const code = `code-${codes.size + 1}-${Math.random().toString(36).slice(2)}`;
      codes.set(code, {
        nonce: p.get("nonce") as string,
        challenge: p.get("code_challenge") as string,
        login: { ...idp.next },
        redirect: redirectUrl,
      });
      res.writeHead(302, {
        location: `${redirectUrl}?code=${code}&state=${encodeURIComponent(p.get("state") as string)}`,
      });
      return res.end();
    }
    if (url.pathname === "/token" && req.method === "POST") {
      let body = "";
      for await (const chunk of req) body += chunk;
      const form = new URLSearchParams(body);
      if (clientPublicKey) {
        // private_key_jwt: a JWT the client signed, naming itself as issuer and subject.
        const assertion = form.get("client_assertion") ?? "";
        if (form.get("client_assertion_type") !== "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
          return json(401, { error: "invalid_client" });
        try {
          const { payload } = await jwtVerify(assertion, clientPublicKey, {
            issuer: CITIZEN_CLIENT_ID,
            subject: CITIZEN_CLIENT_ID,
          });
          if (!payload.jti || !payload.exp) return json(401, { error: "invalid_client" });
        } catch {
          return json(401, { error: "invalid_client" });
        }
        idp.clientAuthentications.push(`private_key_jwt ${decodeProtectedHeader(assertion).alg}`);
      } else {
        const basic = Buffer.from(
          String(req.headers.authorization).replace(/^Basic /, ""),
          "base64",
        ).toString();
        const [id, secret] = basic.split(":").map((part) => decodeURIComponent(part.replaceAll("+", " ")));
        if (id !== CITIZEN_CLIENT_ID || secret !== CLIENT_SECRET)
          return json(401, { error: "invalid_client" });
        idp.clientAuthentications.push("secret");
      }
      const grant = codes.get(form.get("code") as string);
      codes.delete(form.get("code") as string);
      const verifier = form.get("code_verifier") as string;
      if (!grant || createHash("sha256").update(verifier).digest("base64url") !== grant.challenge)
        return json(400, { error: "invalid_grant" });
      const { login } = grant;
      const accessToken = `at-${Math.random().toString(36).slice(2)}`;
      accessTokens.set(accessToken, login);
      const idToken = await new SignJWT({
        nonce: grant.nonce,
        identity_proofing_level: login.level,
        vot: `${login.level}.Cp.Cd`,
        ...(login.nhsNumberInIdToken && login.nhsNumber ? { nhs_number: login.nhsNumber } : {}),
      })
        .setProtectedHeader({ alg: "RS256", kid: "nhs-login-test" })
        .setIssuer(idp.issuer)
        .setSubject(login.sub)
        .setAudience(CITIZEN_CLIENT_ID)
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(privateKey);
      return json(200, { access_token: accessToken, token_type: "Bearer", id_token: idToken });
    }
    if (url.pathname === "/userinfo") {
      const login = accessTokens.get(String(req.headers.authorization).replace(/^Bearer /, ""));
      if (!login) return json(401, { error: "invalid_token" });
      return json(200, {
        sub: login.sub,
        identity_proofing_level: login.level,
        ...(login.level !== "P0" && login.nhsNumber ? { nhs_number: login.nhsNumber } : {}),
        ...(login.level !== "P0" && login.birthdate ? { birthdate: login.birthdate } : {}),
      });
    }
    json(404, {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  idp.issuer = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  return idp;
}
