// Every environment variable OnePlace reads, declared once, and the only module that reads the environment.
// The rest of the code is handed plain values; a capability with rules of its own for a group of variables
// (sign-in, pseudonymisation keys) parses the snapshot it is given (`variables`), never process.env.
import { resolve } from "node:path";
import { type StoreConfig, storeConfigFromEnv } from "../store/index.ts";

export interface SettingDoc {
  /** The variable, or a family of them (`ONEPLACE_PSEUDONYM_KEY_<PURPOSE>`). */
  name: string;
  meaning: string;
}

/** What the README's configuration table documents; a test keeps the two in step. */
export const SETTINGS: readonly SettingDoc[] = [
  { name: "DATABASE_URL", meaning: "a PostgreSQL server to use instead of the embedded database" },
  { name: "ONEPLACE_HOME", meaning: "where the embedded database, reports and other files live" },
  { name: "ONEPLACE_DB_POOL", meaning: "connections to the PostgreSQL server at most" },
  {
    name: "ONEPLACE_PGLITE_SETTINGS",
    meaning: "PostgreSQL settings of the embedded engine, over OnePlace's (its memory above all)",
  },
  { name: "ONEPLACE_LOG_LEVEL", meaning: "debug, info, warn or error for the JSON logs" },
  { name: "ONEPLACE_DEBUG", meaning: "print stack traces with CLI errors" },
  { name: "ONEPLACE_CHROMIUM", meaning: "the Chromium used for PDFs and browser tests" },
  { name: "ONEPLACE_PSEUDONYM_KEY_<PURPOSE>", meaning: "a pseudonymisation key for one purpose" },
  { name: "ONEPLACE_PSEUDONYM_KEY_FILE", meaning: "a file of purpose=key lines" },
  {
    name: "ONEPLACE_PUBLIC_URL",
    meaning:
      "the address people and systems reach this server at (links, the SMART token audience, the origin browser forms must come from)",
  },
  { name: "ONEPLACE_COOKIE_SECURE", meaning: "false only for plain-HTTP development on localhost" },
  { name: "ONEPLACE_LOGIN_MAX_FAILURES", meaning: "failed sign-ins before an account locks" },
  { name: "ONEPLACE_LOGIN_LOCKOUT_MINUTES", meaning: "how long a locked account stays locked" },
  { name: "ONEPLACE_LOGIN_RATE_LIMIT", meaning: "sign-in attempts per minute from one address" },
  { name: "ONEPLACE_SESSION_IDLE_MINUTES", meaning: "idle time before a session ends" },
  { name: "ONEPLACE_SESSION_MAX_HOURS", meaning: "the longest a session lasts" },
  { name: "ONEPLACE_BREAK_GLASS_PER_HOUR", meaning: "break-glass accesses one user may start in an hour" },
  { name: "ONEPLACE_OIDC_ISSUER", meaning: "the OpenID Connect provider (unset: local accounts only)" },
  { name: "ONEPLACE_OIDC_CLIENT_ID", meaning: "OnePlace's client id at the provider" },
  { name: "ONEPLACE_OIDC_CLIENT_SECRET_FILE", meaning: "a file holding the client secret" },
  { name: "ONEPLACE_OIDC_REDIRECT_URL", meaning: "where the provider sends the browser back" },
  { name: "ONEPLACE_OIDC_SCOPES", meaning: "the scopes asked for" },
  { name: "ONEPLACE_OIDC_USERNAME_CLAIM", meaning: "the ID-token claim naming a OnePlace user" },
  { name: "ONEPLACE_OIDC_LABEL", meaning: "the sign-in button's label" },
  {
    name: "ONEPLACE_CITIZEN_OIDC_ISSUER",
    meaning: "citizens' identity provider, NHS login or shaped like it (unset: no citizen sign-in)",
  },
  { name: "ONEPLACE_CITIZEN_OIDC_CLIENT_ID", meaning: "OnePlace's client id at the citizens' provider" },
  { name: "ONEPLACE_CITIZEN_OIDC_CLIENT_SECRET_FILE", meaning: "a file holding the citizen client secret" },
  {
    name: "ONEPLACE_CITIZEN_OIDC_PRIVATE_KEY_FILE",
    meaning: "a PKCS#8 PEM RSA key: the citizen client authenticates with private_key_jwt (RS512)",
  },
  {
    name: "ONEPLACE_CITIZEN_OIDC_REDIRECT_URL",
    meaning: "where the citizens' provider sends the browser back",
  },
  { name: "ONEPLACE_CITIZEN_OIDC_SCOPES", meaning: "the scopes asked of the citizens' provider" },
  { name: "ONEPLACE_CITIZEN_OIDC_LABEL", meaning: "the citizens' sign-in button's label" },
  {
    name: "ONEPLACE_MLLP_CONFIG",
    meaning: "a JSON file: the MLLP listener's sources (allow-lists), TLS and limits",
  },
];

/** The OnePlace variables as they were when read: the only view of the environment the code is given. */
export type SettingVariables = Readonly<Record<string, string | undefined>>;

export interface Settings {
  variables: SettingVariables;
  store: StoreConfig;
  logLevel: string;
  /** Print stacks with CLI errors (ONEPLACE_DEBUG). */
  debug: boolean;
  /** The Chromium that prints PDFs. */
  chromium: string;
  /** Where reports go when no folder is named: $ONEPLACE_HOME/reports. */
  reportsDir: string;
  /** The MLLP listener's configuration file (ONEPLACE_MLLP_CONFIG), or null: loopback senders only. */
  mllpConfigFile: string | null;
  /** Where people and systems reach the server (ONEPLACE_PUBLIC_URL), without a trailing slash. */
  publicUrl: string;
  /**
   * The origin of ONEPLACE_PUBLIC_URL when it is set, else null: the web's CSRF defence then falls back to the
   * request's Host header (the default public URL is a guess, not a promise of where browsers come from).
   */
  publicOrigin: string | null;
}

/** The public URL for local use, where the server listens by default. */
export const DEFAULT_PUBLIC_URL = "http://localhost:3000";

/**
 * ONEPLACE_PUBLIC_URL as an origin (and optional path prefix) without a trailing slash. Links the server gives
 * out and the audience it accepts are built from it, never from a request's Host header.
 */
export function publicUrlOf(raw: string | undefined): string {
  const value = raw?.trim();
  if (!value) return DEFAULT_PUBLIC_URL;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`ONEPLACE_PUBLIC_URL must be a full URL, such as https://oneplace.example.nhs.uk`);
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.search || url.hash || url.username)
    throw new Error("ONEPLACE_PUBLIC_URL must be an http or https URL with no query, fragment or user");
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const variables: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env))
    if (name === "DATABASE_URL" || name.startsWith("ONEPLACE_")) variables[name] = value;
  Object.freeze(variables);
  const store = storeConfigFromEnv(variables);
  return {
    variables,
    store,
    logLevel: variables.ONEPLACE_LOG_LEVEL?.trim() || "info",
    debug: Boolean(variables.ONEPLACE_DEBUG?.trim()),
    chromium: variables.ONEPLACE_CHROMIUM?.trim() || "/usr/bin/chromium",
    reportsDir: resolve(store.home, "reports"),
    mllpConfigFile: variables.ONEPLACE_MLLP_CONFIG?.trim()
      ? resolve(variables.ONEPLACE_MLLP_CONFIG.trim())
      : null,
    publicUrl: publicUrlOf(variables.ONEPLACE_PUBLIC_URL),
    publicOrigin: variables.ONEPLACE_PUBLIC_URL?.trim()
      ? new URL(publicUrlOf(variables.ONEPLACE_PUBLIC_URL)).origin
      : null,
  };
}
