// Sign-in settings, from the environment only. Secrets (the OpenID Connect client secret) come from a file
// whose path is in the environment, never from the repository or the database.
import { readFileSync } from "node:fs";
import { BREAK_GLASS_PER_HOUR_DEFAULT } from "./break-glass.ts";
import { GovernanceError } from "./errors.ts";

/** The environment variables as src/platform/settings.ts read them. */
type Env = Readonly<Record<string, string | undefined>>;

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUrl: string;
  /** The ID-token claim that names a OnePlace user (their username). */
  usernameClaim: string;
  scopes: string;
  /** A label for the sign-in button, e.g. "NHS Care Identity" or the council's directory. */
  label: string;
}

/**
 * The citizen's identity provider (NHS login, or one shaped like it): the person's NHS Number comes in a claim.
 * NHS login authenticates its clients with a signed JWT (private_key_jwt, RS512), not a secret: with a private
 * key the client secret is not used.
 */
export type CitizenOidcConfig = Omit<OidcConfig, "usernameClaim"> & {
  /** A PKCS#8 PEM RSA key for private_key_jwt client authentication; null: the client secret. */
  privateKeyPem: string | null;
};

export interface AuthConfig {
  maxFailedLogins: number;
  lockoutMinutes: number;
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  loginAttemptsPerMinute: number;
  /** Secure cookies; off only for plain-http development on localhost. */
  cookieSecure: boolean;
  oidc: OidcConfig | null;
  /** Citizen sign-in (ONEPLACE_CITIZEN_OIDC_*); absent or null: the citizen's pages cannot be signed in to. */
  citizenOidc?: CitizenOidcConfig | null;
  /** Break-glass accesses one user may start in an hour; beyond it they are refused and the IG officer alerted. */
  breakGlassPerHour?: number;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new GovernanceError(
      `${name} must be a whole number from ${min} to ${max}, not "${text}"`,
      undefined,
      { kind: "invalid", code: "governance.config" },
    );
  }
  return n;
}

/** A file's text, trimmed, or a configuration error naming the setting. */
function readSecretFile(name: string, file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8").trim();
  } catch {
    throw new GovernanceError(`cannot read ${name} (${file})`, undefined, {
      kind: "unavailable",
      code: "governance.config",
    });
  }
  if (!text)
    throw new GovernanceError(`${name} (${file}) is empty`, undefined, {
      kind: "invalid",
      code: "governance.config",
    });
  return text;
}

/** An identity provider's settings under a prefix (ONEPLACE_OIDC_ or ONEPLACE_CITIZEN_OIDC_), or null if unset. */
function providerFromEnv(
  env: Env,
  prefix: string,
  defaults: { scopes: string; label: string },
  /** False when the client authenticates another way (a private key): then a secret file is optional. */
  secretRequired = true,
): Omit<OidcConfig, "usernameClaim"> | null {
  const issuer = env[`${prefix}ISSUER`]?.trim();
  if (!issuer) return null;
  const need = (name: string): string => {
    const value = env[name]?.trim();
    if (!value)
      throw new GovernanceError(`${prefix}ISSUER is set but ${name} is not`, "See docs/governance.md.", {
        kind: "invalid",
        code: "governance.config",
      });
    return value;
  };
  const secretFile = secretRequired
    ? need(`${prefix}CLIENT_SECRET_FILE`)
    : env[`${prefix}CLIENT_SECRET_FILE`]?.trim();
  const clientSecret = secretFile ? readSecretFile(`the OpenID Connect client secret file`, secretFile) : "";
  const redirectUrl = need(`${prefix}REDIRECT_URL`);
  for (const [name, url] of [
    [`${prefix}ISSUER`, issuer],
    [`${prefix}REDIRECT_URL`, redirectUrl],
  ]) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new GovernanceError(`${name} is not a URL`, undefined, {
        kind: "invalid",
        code: "governance.config",
      });
    }
    const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(parsed.hostname);
    if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && loopback)) {
      throw new GovernanceError(
        `${name} must use https (plain http is allowed only on localhost)`,
        undefined,
        { kind: "invalid", code: "governance.config" },
      );
    }
  }
  return {
    issuer: issuer.replace(/\/$/, ""),
    clientId: need(`${prefix}CLIENT_ID`),
    clientSecret,
    redirectUrl,
    scopes: env[`${prefix}SCOPES`]?.trim() || defaults.scopes,
    label: env[`${prefix}LABEL`]?.trim() || defaults.label,
  };
}

function oidcFromEnv(env: Env): OidcConfig | null {
  const provider = providerFromEnv(env, "ONEPLACE_OIDC_", {
    scopes: "openid profile email",
    label: "your organisation's account",
  });
  if (!provider) return null;
  return { ...provider, usernameClaim: env.ONEPLACE_OIDC_USERNAME_CLAIM?.trim() || "preferred_username" };
}

/**
 * NHS login gives the NHS Number and the identity proofing level under the profile scope. With
 * ONEPLACE_CITIZEN_OIDC_PRIVATE_KEY_FILE the client authenticates with private_key_jwt, and no secret file
 * is needed.
 */
function citizenOidcFromEnv(env: Env): CitizenOidcConfig | null {
  const prefix = "ONEPLACE_CITIZEN_OIDC_";
  // Without an issuer nothing else is read: a leftover key file setting must not stop the server.
  if (!env[`${prefix}ISSUER`]?.trim()) return null;
  const keyFile = env[`${prefix}PRIVATE_KEY_FILE`]?.trim();
  const privateKeyPem = keyFile ? readSecretFile(`${prefix}PRIVATE_KEY_FILE`, keyFile) : null;
  if (privateKeyPem !== null && !/-----BEGIN PRIVATE KEY-----/.test(privateKeyPem))
    throw new GovernanceError(`${prefix}PRIVATE_KEY_FILE must hold a PKCS#8 PEM private key`, undefined, {
      kind: "invalid",
      code: "governance.config",
    });
  const provider = providerFromEnv(
    env,
    prefix,
    { scopes: "openid profile", label: "NHS login" },
    privateKeyPem === null,
  );
  return provider ? { ...provider, privateKeyPem } : null;
}

export function authConfigFromEnv(env: Env): AuthConfig {
  const secure = env.ONEPLACE_COOKIE_SECURE?.trim().toLowerCase();
  if (secure && !["true", "false"].includes(secure))
    throw new GovernanceError("ONEPLACE_COOKIE_SECURE must be true or false", undefined, {
      kind: "invalid",
      code: "governance.config",
    });
  return {
    maxFailedLogins: int(env, "ONEPLACE_LOGIN_MAX_FAILURES", 5, 1, 100),
    lockoutMinutes: int(env, "ONEPLACE_LOGIN_LOCKOUT_MINUTES", 15, 1, 24 * 60),
    sessionIdleMinutes: int(env, "ONEPLACE_SESSION_IDLE_MINUTES", 30, 1, 24 * 60),
    sessionMaxHours: int(env, "ONEPLACE_SESSION_MAX_HOURS", 12, 1, 72),
    loginAttemptsPerMinute: int(env, "ONEPLACE_LOGIN_RATE_LIMIT", 10, 1, 10_000),
    cookieSecure: secure !== "false",
    oidc: oidcFromEnv(env),
    citizenOidc: citizenOidcFromEnv(env),
    breakGlassPerHour: int(env, "ONEPLACE_BREAK_GLASS_PER_HOUR", BREAK_GLASS_PER_HOUR_DEFAULT, 1, 1_000),
  };
}
