// A citizen signing in to see their own record, through NHS login or a provider shaped like it: the
// authorization code flow with PKCE, state and nonce (the flow staff sign-in uses, oidc.ts), the person's
// NHS Number in the `nhs_number` claim and how well NHS login has proved who they are in
// `identity_proofing_level` (P0, P5, P9; from the vector of trust `vot` when absent). The citizen's session
// is kept apart from staff sessions (citizen_session): it carries no user, role or team, so nothing a staff
// route accepts. Every sign-in, allowed or refused, is one audit row.
import { createHash, randomUUID } from "node:crypto";
import { normaliseNhsNumber } from "../core/nhs-number.ts";
import type { Queryable } from "../store/index.ts";
import type { AuthConfig, CitizenOidcConfig } from "./auth-config.ts";
import { createOidcFlow, type OidcCallback, refuseSignIn, type SignInOperator } from "./oidc.ts";
import { recordSecurityEvent } from "./security-events.ts";
import { hashSecret, newSecret } from "./tokens.ts";

export const PROOFING_LEVELS = ["P0", "P5", "P9"] as const;
export type ProofingLevel = (typeof PROOFING_LEVELS)[number];
/** The level NHS login calls "high": identity checked against photo ID or in person. The record needs it. */
export const RECORD_PROOFING_LEVEL: ProofingLevel = "P9";

/**
 * NHS login's vectors of trust: the levels this service accepts, each with a second factor. P5 is asked for
 * too, so a person not yet proved to P9 gets our page saying what they can do rather than NHS login's refusal.
 */
const VECTORS_OF_TRUST = JSON.stringify(["P5.Cp.Cd", "P5.Cp.Ck", "P5.Cm", "P9.Cp.Cd", "P9.Cp.Ck", "P9.Cm"]);

/** A citizen signed in: who the provider says they are, never a OnePlace user. */
export interface CitizenIdentity {
  sessionId: string;
  /** An opaque name for the audit trail: the same for the same NHS login account, naming nobody. */
  actor: string;
  nhsNumber: string | null;
  /** The date of birth the provider asserted (YYYY-MM-DD): the record must hold it too. Null if none given. */
  birthDate: string | null;
  proofingLevel: ProofingLevel;
  /** Whose record the session is looking at as a proxy (citizen-proxy.ts); null for the person's own. */
  actingForProxyId: string | null;
}

export interface CitizenOidcClient {
  config: CitizenOidcConfig;
  begin(db: Queryable): Promise<{ url: string; state: string }>;
  /** Completes the sign-in and opens a citizen session: its token (for the cookie) and identity. */
  complete(
    db: Queryable,
    auth: AuthConfig,
    callback: OidcCallback & { clientAddress: string | null },
  ): Promise<{ token: string; identity: CitizenIdentity; expiresAt: Date }>;
}

/** The audit trail's name for an NHS login account: a digest of issuer and subject, not the NHS Number. */
export function citizenActor(issuer: string, subject: string): string {
  return `citizen:${createHash("sha256").update(`${issuer}\n${subject}`).digest("hex").slice(0, 16)}`;
}

/** The proofing level the provider asserted: identity_proofing_level, else the vector of trust's first part. */
export function proofingLevelOf(claims: Record<string, unknown>): ProofingLevel {
  const direct = claims.identity_proofing_level;
  const fromVot = typeof claims.vot === "string" ? claims.vot.split(".")[0] : undefined;
  const level = typeof direct === "string" ? direct : fromVot;
  return PROOFING_LEVELS.find((l) => l === level) ?? "P0";
}

/** A calendar date as OpenID Connect's `birthdate` gives it (YYYY-MM-DD), or null if it is not one. */
function birthDateOf(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value ? value : null;
}

export function createCitizenOidcClient(config: CitizenOidcConfig): CitizenOidcClient {
  const flow = createOidcFlow(config, { vtr: VECTORS_OF_TRUST });
  return {
    config,
    begin: (db) => flow.begin(db),
    async complete(db, auth, callback) {
      const operator: SignInOperator = {
        userId: null,
        name: "citizen",
        channel: "web",
        clientAddress: callback.clientAddress,
      };
      const fail = (reason: string) =>
        refuseSignIn(db, operator, {
          audit: `citizen sign-in: ${reason}`,
          message: `Signing in through ${config.label} did not work: ${reason}.`,
          code: "governance.citizen-sign-in",
        });
      const result = await flow.exchange(db, callback, {
        userInfoFor: ["nhs_number", "birthdate", "identity_proofing_level"],
      });
      if (!result.ok) return fail(result.reason);
      const { issuer, subject, claims } = result.identity;
      operator.name = citizenActor(issuer, subject);
      const proofingLevel = proofingLevelOf(claims);
      const claimed = claims.nhs_number;
      const nhsNumber = typeof claimed === "string" ? normaliseNhsNumber(claimed) : null;
      if (typeof claimed === "string" && !nhsNumber) return fail("the NHS Number it gave is not valid");
      if (proofingLevel !== "P0" && !nhsNumber) return fail("it gave no NHS Number");
      const givenBirthDate = claims.birthdate;
      const birthDate = typeof givenBirthDate === "string" ? birthDateOf(givenBirthDate) : null;
      if (givenBirthDate !== undefined && givenBirthDate !== null && !birthDate)
        return fail("the date of birth it gave is not a date");
      const at = new Date();
      const token = newSecret();
      const sessionId = randomUUID();
      const expiresAt = new Date(at.getTime() + auth.sessionMaxHours * 3_600_000);
      await db.query("DELETE FROM citizen_session WHERE expires_at < $1", [at.toISOString()]);
      await db.query(
        `INSERT INTO citizen_session (session_id, token_hash, oidc_issuer, oidc_subject, nhs_number, proofing_level,
           client_address, created_at, last_seen_at, expires_at, birth_date)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10)`,
        [
          sessionId,
          hashSecret(token),
          issuer,
          subject,
          nhsNumber,
          proofingLevel,
          callback.clientAddress,
          at.toISOString(),
          expiresAt.toISOString(),
          birthDate,
        ],
      );
      await recordSecurityEvent(db, operator, {
        action: "login",
        allowed: true,
        reason: `citizen sign-in (identity proofing level ${proofingLevel})`,
      });
      return {
        token,
        expiresAt,
        identity: {
          sessionId,
          actor: operator.name,
          nhsNumber,
          birthDate,
          proofingLevel,
          actingForProxyId: null,
        },
      };
    },
  };
}

/** The citizen behind a session token, or null if unknown, expired or idle too long. */
export async function resolveCitizenSession(
  db: Queryable,
  auth: AuthConfig,
  token: string,
  at: Date = new Date(),
): Promise<CitizenIdentity | null> {
  if (token.length > 200) return null;
  const rows = await db.query<{
    session_id: string;
    oidc_issuer: string;
    oidc_subject: string;
    nhs_number: string | null;
    birth_date: string | null;
    proofing_level: ProofingLevel;
    last_seen_at: Date;
    acting_for_proxy_id: string | null;
  }>(
    `SELECT session_id, oidc_issuer, oidc_subject, nhs_number, birth_date::text AS birth_date, proofing_level,
            last_seen_at, acting_for_proxy_id
       FROM citizen_session WHERE token_hash = $1 AND expires_at > $2 AND last_seen_at > $3`,
    [
      hashSecret(token),
      at.toISOString(),
      new Date(at.getTime() - auth.sessionIdleMinutes * 60_000).toISOString(),
    ],
  );
  const row = rows[0];
  if (!row) return null;
  if (at.getTime() - new Date(row.last_seen_at).getTime() > 60_000) {
    await db.query("UPDATE citizen_session SET last_seen_at = $2 WHERE session_id = $1", [
      row.session_id,
      at.toISOString(),
    ]);
  }
  return {
    sessionId: row.session_id,
    actor: citizenActor(row.oidc_issuer, row.oidc_subject),
    nhsNumber: row.nhs_number,
    birthDate: row.birth_date,
    proofingLevel: row.proofing_level,
    actingForProxyId: row.acting_for_proxy_id,
  };
}

/** Sets whose record the session looks at: a proxy grant (checked by the caller) or null for the person's own. */
export async function setCitizenActingFor(
  db: Queryable,
  sessionId: string,
  proxyId: string | null,
): Promise<void> {
  await db.query("UPDATE citizen_session SET acting_for_proxy_id = $2 WHERE session_id = $1", [
    sessionId,
    proxyId,
  ]);
}

/** Ends a citizen session; the sign-out is audited (with why, when it is not the person signing out). */
export async function endCitizenSession(
  db: Queryable,
  token: string,
  clientAddress: string | null,
  reason = "citizen signed out",
): Promise<void> {
  if (token.length > 200) return;
  const rows = await db.query<{ oidc_issuer: string; oidc_subject: string }>(
    "DELETE FROM citizen_session WHERE token_hash = $1 RETURNING oidc_issuer, oidc_subject",
    [hashSecret(token)],
  );
  if (rows.length === 0) return;
  await recordSecurityEvent(
    db,
    {
      userId: null,
      name: citizenActor(rows[0].oidc_issuer, rows[0].oidc_subject),
      channel: "web",
      clientAddress,
    },
    { action: "logout", allowed: true, reason },
  );
}
