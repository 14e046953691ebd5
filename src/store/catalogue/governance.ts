import { PROVENANCE, PROVENANCE_KEY, table } from "./define.ts";

// The tables src/governance/migrations creates (roles, teams, users, sessions, consent, break-glass and
// audit), in migration order. How to add one: src/store/README.md.

export const GOVERNANCE_TABLES = {
  // 0200_roles_teams_users.sql
  app_role: table(
    {
      role_code: "text",
      name: "text",
      description: "text",
      purposes: "text[]",
      access_basis: "text",
      relationship_kinds: "text[]",
      actions: "text[]",
      may_break_glass: "boolean",
      may_manage_users: "boolean",
      may_read_audit: "boolean",
    },
    { layout: "reference", primaryKey: ["role_code"] },
  ),
  team: table(
    {
      team_id: "uuid",
      team_code: "text",
      name: "text",
      kind: "text",
      org_code: "text?",
      created_at: "timestamptz",
    },
    { layout: "reference", primaryKey: ["team_id"], unique: [["team_code"]] },
  ),
  app_user: table(
    {
      user_id: "uuid",
      username: "text",
      display_name: "text",
      status: "text",
      password_hash: "text?",
      failed_logins: "integer",
      locked_until: "timestamptz?",
      oidc_issuer: "text?",
      oidc_subject: "text?",
      password_changed_at: "timestamptz?",
      created_at: "timestamptz",
    },
    { layout: "reference", primaryKey: ["user_id"], unique: [["oidc_issuer", "oidc_subject"], ["username"]] },
  ),
  user_role: table(
    {
      user_id: "uuid",
      role_code: "text",
      team_id: "uuid",
      granted_at: "timestamptz",
      granted_by: "text",
    },
    { layout: "reference", primaryKey: ["user_id", "role_code", "team_id"] },
  ),
  user_session: table(
    {
      session_id: "uuid",
      token_hash: "text",
      user_id: "uuid",
      role_code: "text",
      team_id: "uuid",
      purpose: "text",
      auth_method: "text",
      client_address: "text?",
      created_at: "timestamptz",
      last_seen_at: "timestamptz",
      expires_at: "timestamptz",
    },
    { layout: "local", primaryKey: ["session_id"], unique: [["token_hash"]] },
  ),
  api_token: table(
    {
      token_id: "uuid",
      token_hash: "text",
      name: "text",
      user_id: "uuid",
      role_code: "text",
      team_id: "uuid",
      purpose: "text",
      created_at: "timestamptz",
      expires_at: "timestamptz",
      revoked_at: "timestamptz?",
      last_used_at: "timestamptz?",
    },
    { layout: "local", primaryKey: ["token_id"], unique: [["token_hash"]] },
  ),
  oidc_login_flow: table(
    {
      state_hash: "text",
      code_verifier: "text",
      nonce: "text",
      expires_at: "timestamptz",
    },
    { layout: "local", primaryKey: ["state_hash"] },
  ),
  // 0960_citizen_session.sql, 0961_citizen_session_birth_date.sql
  citizen_session: table(
    {
      session_id: "uuid",
      token_hash: "text",
      oidc_issuer: "text",
      oidc_subject: "text",
      nhs_number: "text?",
      proofing_level: "text",
      client_address: "text?",
      created_at: "timestamptz",
      last_seen_at: "timestamptz",
      expires_at: "timestamptz",
      birth_date: "date?",
    },
    { layout: "local", primaryKey: ["session_id"], unique: [["token_hash"]] },
  ),
  // 0210_consent_and_break_glass.sql
  sharing_objection: table(
    {
      person_id: "uuid",
      objection_id: "uuid",
      holding_org_code: "text",
      recorded_on: "date",
      withdrawn_on: "date?",
      source: "text",
      ...PROVENANCE,
    },
    {
      layout: "distributed",
      primaryKey: ["person_id", "objection_id"],
      unique: [PROVENANCE_KEY],
    },
  ),
  data_opt_out: table(
    {
      person_id: "uuid",
      opt_out_id: "uuid",
      recorded_on: "date",
      withdrawn_on: "date?",
      source: "text",
      ...PROVENANCE,
    },
    { layout: "distributed", primaryKey: ["person_id", "opt_out_id"], unique: [PROVENANCE_KEY] },
  ),
  break_glass: table(
    {
      person_id: "uuid",
      break_glass_id: "uuid",
      user_id: "uuid",
      role_code: "text",
      team_id: "uuid",
      reason: "text",
      started_at: "timestamptz",
      expires_at: "timestamptz",
      reviewed_at: "timestamptz?",
      reviewed_by: "text?",
      review_note: "text?",
      // 0880_break_glass_review_outcome.sql
      review_outcome: "text?",
    },
    { layout: "distributed", primaryKey: ["person_id", "break_glass_id"] },
  ),
  // 0220_audit.sql
  audit_event: table(
    {
      seq: "bigint",
      event_id: "uuid",
      occurred_at: "timestamptz",
      actor_user_id: "uuid?",
      actor: "text",
      role_code: "text?",
      team_code: "text?",
      purpose: "text?",
      action: "text",
      person_ids: "uuid[]",
      withheld_ids: "uuid[]",
      person_set: "bytea?",
      withheld_set: "bytea?",
      person_count: "integer",
      allowed: "boolean",
      reason: "text",
      relationship: "text?",
      disclosure: "text?",
      break_glass_id: "uuid?",
      flagged: "boolean",
      channel: "text",
      client_address: "text?",
      detail: "text?",
      prev_hash: "text",
      hash: "text",
    },
    { layout: "local", primaryKey: ["seq"], unique: [["event_id"]] },
  ),
  audit_chain_head: table(
    {
      id: "smallint",
      seq: "bigint",
      hash: "text",
      prev_hash: "text",
    },
    { layout: "local", primaryKey: ["id"] },
  ),
  // 0892_audit_set_member.sql
  audit_set_member: table(
    {
      person_id: "uuid",
      seq: "bigint",
      withheld: "boolean",
    },
    { layout: "distributed", primaryKey: ["person_id", "seq", "withheld"] },
  ),
} as const;
