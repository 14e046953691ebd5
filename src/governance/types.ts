import type { Queryable } from "../store/index.ts";

export const PURPOSES = ["direct-care", "commissioning", "administration"] as const;
export type Purpose = (typeof PURPOSES)[number];

/** The kinds of access to personal data. */
export const ACTIONS = ["view", "search", "list", "export", "change"] as const;
export type Action = (typeof ACTIONS)[number];

/** Legitimate relationships between a user (in a role in a team) and a person, established from data. */
export const RELATIONSHIP_KINDS = ["registered", "caseload", "care-team", "referral", "admission"] as const;
export type RelationshipKind = (typeof RELATIONSHIP_KINDS)[number];
export type Relationship = RelationshipKind | "break-glass";

export type AccessBasis = "relationship" | "pseudonymised" | "aggregate" | "identity-admin" | "none";

/** What a decision lets the face show: the full record, demographics only, or pseudonymised fields. */
export type Disclosure = "identifiable" | "demographics" | "pseudonymised";

export const TEAM_KINDS = [
  "practice",
  "locality-mdt",
  "provider-service",
  "commissioning",
  "corporate",
] as const;
export type TeamKind = (typeof TEAM_KINDS)[number];

/** A row of app_role: what a role may do, as data. */
export interface RolePolicy {
  roleCode: string;
  name: string;
  description: string;
  purposes: Purpose[];
  accessBasis: AccessBasis;
  relationshipKinds: RelationshipKind[];
  actions: Action[];
  mayBreakGlass: boolean;
  mayManageUsers: boolean;
  mayReadAudit: boolean;
}

export interface Team {
  teamId: string;
  teamCode: string;
  name: string;
  kind: TeamKind;
  orgCode: string | null;
}

/** A role held in a team, with the role's policy. */
export interface RoleAssignment {
  role: RolePolicy;
  team: Team;
}

export interface AccessUser {
  userId: string;
  username: string;
  status: "active" | "locked" | "disabled";
}

/** Where a request came from, for the audit trail. Never personal data. */
export interface AccessOrigin {
  channel: string; // web, api, fhir, cli ...
  clientAddress?: string | null;
  detail?: string | null; // route pattern or a description of the query
}

/** Receives governance events worth logging (internal ids only). A pino logger fits. */
export interface GovernanceLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Everything a face knows about who is asking, as what, and why. */
export interface AccessContext {
  db: Queryable;
  user: AccessUser;
  roleAssignment: RoleAssignment;
  purpose: Purpose;
  origin: AccessOrigin;
  /** The clock; tests and synthetic-place demos may set it. */
  now?: () => Date;
  log?: GovernanceLog;
  /** Break-glass accesses one user may start in an hour (ONEPLACE_BREAK_GLASS_PER_HOUR; default 5). */
  breakGlassPerHour?: number;
}

/**
 * Why a refusal was made, where a caller acts on the kind rather than showing the words: the person is not
 * known here, or the user has no legitimate relationship with them (the FHIR API answers both as "not found",
 * so that a caller cannot learn whether someone is known).
 */
export type RefusalKind = "no-such-person" | "no-relationship";

export interface AccessDecision {
  allow: boolean;
  reason: string;
  /** Set on the refusals a caller tells apart by kind (RefusalKind); absent on the others and on allows. */
  refusal?: RefusalKind;
  relationship: Relationship | null;
  disclosure: Disclosure | null;
  /** Flagged to the IG officer (break-glass). */
  flagged: boolean;
  breakGlassId: string | null;
}

/** What the database says about one person relative to one user in one role in one team. */
export interface PersonFacts {
  personId: string;
  known: boolean;
  registered: boolean;
  caseload: boolean;
  careTeam: boolean;
  referral: boolean;
  admission: boolean;
  breakGlassId: string | null;
  /** Organisations holding an active objection to sharing; empty when there is none. */
  objectionHolders: string[];
  optedOut: boolean;
}
