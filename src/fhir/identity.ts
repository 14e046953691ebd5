// Who is asking the FHIR API: a OnePlace user (session cookie or API token, their role governing what they
// read) or a SMART backend client (its access token, acting as the service account, role, team and purpose
// recorded at registration, and limited further by its scopes).
import type { AccessUser, Purpose, RoleAssignment } from "../governance/index.ts";

export interface FhirIdentity {
  user: AccessUser;
  roleAssignment: RoleAssignment;
  purpose: Purpose;
  via: "session" | "api-token" | "smart-backend";
  /** A backend client's id; null for a user. */
  clientId: string | null;
  /** A backend client's granted scopes; null for a user, whose role alone governs. */
  scopes: string[] | null;
  /** A backend client registered to write: the source system its Bundles are loaded as; else null. */
  ingestSource?: string | null;
}
