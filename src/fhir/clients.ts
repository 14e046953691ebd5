// SMART Backend Services clients: registered at the command line with their public keys (a JWK Set), the
// scopes they may ask for, and the service account, role, team and purpose they act as, so that every
// request they make is decided by the same access policy as a user's. Access tokens are random secrets of
// five minutes; the database keeps only their SHA-256.
import { randomUUID } from "node:crypto";
import {
  type AccessUser,
  ASSIGNMENT_COLUMNS,
  GovernanceError,
  hashSecret,
  loadUserInRole,
  newSecret,
  type Operator,
  PURPOSES,
  type Purpose,
  recordSecurityEvent,
  rowToAssignment,
} from "../governance/index.ts";

import { GroupedLookup, prepared, type Queryable } from "../store/index.ts";
import type { FhirIdentity } from "./identity.ts";
import { isScope, isWriteScope } from "./scopes.ts";

const SOURCE_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export const ACCESS_TOKEN_PREFIX = "ofa_";
export const ACCESS_TOKEN_SECONDS = 300;

export interface ClientRegistration {
  name: string;
  username: string;
  roleCode: string;
  teamCode: string;
  purpose: Purpose;
  scopes: string[];
  jwks: { keys: Record<string, unknown>[] };
  /**
   * To let the client write (POST transaction and batch Bundles, scopes with c or u): the source system its
   * records are loaded as, like `oneplace ingest fhir --source`. Without it the client only reads.
   */
  ingestSource?: string | null;
}

export interface RegisteredClient {
  clientId: string;
  name: string;
  username: string;
  roleCode: string;
  teamCode: string;
  purpose: string;
  scopes: string[];
  createdAt: string;
  revokedAt: string | null;
  ingestSource: string | null;
}

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "k"];

/** A JWK Set of public RSA or EC keys for RS384 or ES384; a private member anywhere is refused. */
export function checkJwks(jwks: unknown): { keys: Record<string, unknown>[] } {
  const keys = (jwks as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new GovernanceError("the JWK Set has no keys");
  for (const key of keys as Record<string, unknown>[]) {
    if (PRIVATE_MEMBERS.some((m) => m in key)) {
      throw new GovernanceError("the JWK Set holds a private key: register the public key only");
    }
    if (key.kty !== "RSA" && key.kty !== "EC") throw new GovernanceError("each key must be RSA or EC");
    if (key.kty === "EC" && key.crv !== "P-384")
      throw new GovernanceError("an EC key must be on P-384 (ES384)");
    if (key.alg !== undefined && key.alg !== "RS384" && key.alg !== "ES384") {
      throw new GovernanceError("a key's alg must be RS384 or ES384");
    }
  }
  return { keys: keys as Record<string, unknown>[] };
}

export async function registerClient(
  db: Queryable,
  operator: Operator,
  registration: ClientRegistration,
): Promise<{ clientId: string }> {
  const name = registration.name.trim();
  if (!name || name.length > 100) throw new GovernanceError("a client needs a name of up to 100 characters");
  if (!PURPOSES.includes(registration.purpose))
    throw new GovernanceError(`unknown purpose ${registration.purpose}`);
  if (registration.scopes.length === 0) throw new GovernanceError("a client needs at least one scope");
  const ingestSource = registration.ingestSource?.trim() || null;
  if (ingestSource !== null && !SOURCE_NAME.test(ingestSource))
    throw new GovernanceError(
      "the ingest source is a source system name: lower-case letters, digits, '.', '_' or '-' (e.g. acute-epr)",
    );
  for (const scope of registration.scopes) {
    if (!isScope(scope)) throw new GovernanceError(`${scope} is not a system scope (e.g. system/Patient.rs)`);
    if (isWriteScope(scope) && ingestSource === null) {
      throw new GovernanceError(
        `${scope}: only a client registered to write (with an ingest source) may hold c, u or d; otherwise the FHIR API is read-only for it: use r and s (e.g. system/Patient.rs)`,
      );
    }
  }
  const jwks = checkJwks(registration.jwks);
  const held = await loadUserInRole(db, registration.username, registration.roleCode, registration.teamCode);
  if (!held) {
    throw new GovernanceError(
      `${registration.username} does not hold the role ${registration.roleCode} in ${registration.teamCode}`,
      undefined,
      { kind: "forbidden", code: "governance.role-not-held" },
    );
  }
  if (!held.roleAssignment.role.purposes.includes(registration.purpose)) {
    throw new GovernanceError(
      `the role ${registration.roleCode} may not act for "${registration.purpose}"`,
      undefined,
      {
        kind: "forbidden",
        code: "governance.purpose-not-allowed",
      },
    );
  }
  const clientId = randomUUID();
  await db.query(
    `INSERT INTO fhir_client (client_id, name, user_id, role_code, team_id, purpose, scopes, jwks, ingest_source)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      clientId,
      name,
      held.user.userId,
      registration.roleCode,
      held.roleAssignment.team.teamId,
      registration.purpose,
      registration.scopes,
      JSON.stringify(jwks),
      ingestSource,
    ],
  );
  await recordSecurityEvent(db, operator, {
    action: "fhir-client-register",
    allowed: true,
    reason: "FHIR backend client registered",
    detail: `client ${clientId} for ${registration.username} as ${registration.roleCode} in ${registration.teamCode} (${registration.purpose}): ${registration.scopes.join(" ")}${ingestSource ? `; writes as source ${ingestSource}` : ""}`,
  });
  return { clientId };
}

/** Revokes the client and every token it holds, at once. */
export async function revokeClient(db: Queryable, operator: Operator, clientId: string): Promise<boolean> {
  const rows = await db.query(
    "UPDATE fhir_client SET revoked_at = now() WHERE client_id = $1 AND revoked_at IS NULL RETURNING client_id",
    [clientId],
  );
  if (rows.length === 0) return false;
  await db.query("DELETE FROM fhir_access_token WHERE client_id = $1", [clientId]);
  await recordSecurityEvent(db, operator, {
    action: "fhir-client-revoke",
    allowed: true,
    reason: "FHIR backend client revoked",
    detail: `client ${clientId}`,
  });
  return true;
}

export async function listClients(db: Queryable): Promise<RegisteredClient[]> {
  const rows = await db.query(
    `SELECT c.client_id, c.name, u.username, c.role_code, t.team_code, c.purpose, c.scopes, c.created_at, c.revoked_at,
            c.ingest_source
       FROM fhir_client c JOIN app_user u ON u.user_id = c.user_id JOIN team t ON t.team_id = c.team_id
      ORDER BY c.created_at, c.client_id`,
  );
  return rows.map((r) => ({
    clientId: r.client_id as string,
    name: r.name as string,
    username: r.username as string,
    roleCode: r.role_code as string,
    teamCode: r.team_code as string,
    purpose: r.purpose as string,
    scopes: r.scopes as string[],
    createdAt: (r.created_at as Date).toISOString(),
    revokedAt: r.revoked_at ? (r.revoked_at as Date).toISOString() : null,
    ingestSource: (r.ingest_source as string | null) ?? null,
  }));
}

export interface ActiveClient {
  clientId: string;
  scopes: string[];
  jwks: { keys: Record<string, unknown>[] };
}

export async function activeClient(db: Queryable, clientId: string): Promise<ActiveClient | null> {
  const [row] = await db.query(
    "SELECT client_id, scopes, jwks FROM fhir_client WHERE client_id = $1 AND revoked_at IS NULL",
    [clientId],
  );
  if (!row) return null;
  return { clientId, scopes: row.scopes as string[], jwks: row.jwks as ActiveClient["jwks"] };
}

/** Records an assertion's jti; false when the client has used it before (a replay). Expired ones are dropped. */
export async function useAssertionId(
  db: Queryable,
  clientId: string,
  jti: string,
  expiresAt: Date,
): Promise<boolean> {
  await db.query("DELETE FROM fhir_assertion_jti WHERE expires_at < now() - interval '1 hour'");
  const rows = await db.query(
    `INSERT INTO fhir_assertion_jti (client_id, jti, expires_at) VALUES ($1, $2, $3)
     ON CONFLICT DO NOTHING RETURNING jti`,
    [clientId, jti, expiresAt.toISOString()],
  );
  return rows.length > 0;
}

export async function issueAccessToken(
  db: Queryable,
  clientId: string,
  scopes: string[],
  at: Date = new Date(),
): Promise<{ token: string; expiresIn: number }> {
  const token = newSecret(ACCESS_TOKEN_PREFIX);
  await db.query(
    `INSERT INTO fhir_access_token (token_hash, client_id, scopes, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
    [
      hashSecret(token),
      clientId,
      scopes,
      at.toISOString(),
      new Date(at.getTime() + ACCESS_TOKEN_SECONDS * 1000).toISOString(),
    ],
  );
  return { token, expiresIn: ACCESS_TOKEN_SECONDS };
}

// The access tokens of the requests that arrived while the previous look-up was running, in one statement with
// the identity each acts as (store/grouped-lookup.ts): read after each request asked, so a client revoked or a
// role taken away a moment ago is refused. The expiry is compared with each request's own time.
const ACCESS_TOKEN_IDENTITIES = prepared(
  "fhir.access-token.identities",
  `SELECT k.token_hash, k.scopes, k.expires_at, c.client_id, c.purpose, c.ingest_source,
          u.user_id, u.username, u.status, ${ASSIGNMENT_COLUMNS}
     FROM fhir_access_token k
     JOIN fhir_client c ON c.client_id = k.client_id AND c.revoked_at IS NULL
     JOIN app_user u ON u.user_id = c.user_id AND u.status = 'active'
     JOIN user_role ur ON ur.user_id = c.user_id AND ur.role_code = c.role_code AND ur.team_id = c.team_id
     JOIN app_role r ON r.role_code = c.role_code
     JOIN team t ON t.team_id = c.team_id
    WHERE k.token_hash = ANY($1::text[])`,
);

const ACCESS_TOKENS = new GroupedLookup<string, Record<string, unknown>>(async (db, hashes) => {
  const rows = await db.query(ACCESS_TOKEN_IDENTITIES, [hashes]);
  return new Map(rows.map((r) => [r.token_hash as string, r]));
});

/** The identity behind a system client's access token, or null (unknown, expired, revoked, role no longer held). */
export async function resolveAccessToken(
  db: Queryable,
  token: string,
  at: Date = new Date(),
): Promise<FhirIdentity | null> {
  if (!token.startsWith(ACCESS_TOKEN_PREFIX) || token.length > 200) return null;
  const row = await ACCESS_TOKENS.get(db, hashSecret(token));
  if (!row || (row.expires_at as Date).getTime() <= at.getTime()) return null;
  return {
    user: {
      userId: row.user_id as string,
      username: row.username as string,
      status: row.status as AccessUser["status"],
    },
    roleAssignment: rowToAssignment(row),
    purpose: row.purpose as Purpose,
    via: "smart-backend",
    clientId: row.client_id as string,
    scopes: row.scopes as string[],
    ingestSource: (row.ingest_source as string | null) ?? null,
  };
}
