import { table } from "./define.ts";

// The tables src/fhir/migrations creates (the FHIR API's SMART backend clients), in migration order.
// How to add one: src/store/README.md.

export const FHIR_TABLES = {
  // 0970_fhir_clients.sql
  fhir_client: table(
    {
      client_id: "text",
      name: "text",
      user_id: "uuid",
      role_code: "text",
      team_id: "uuid",
      purpose: "text",
      scopes: "text[]",
      jwks: "jsonb",
      created_at: "timestamptz",
      revoked_at: "timestamptz?",
      ingest_source: "text?", // 1001_fhir_client_ingest.sql
    },
    { layout: "local", primaryKey: ["client_id"] },
  ),
  fhir_access_token: table(
    {
      token_hash: "text",
      client_id: "text",
      scopes: "text[]",
      issued_at: "timestamptz",
      expires_at: "timestamptz",
    },
    { layout: "local", primaryKey: ["token_hash"] },
  ),
  fhir_assertion_jti: table(
    { client_id: "text", jti: "text", expires_at: "timestamptz" },
    { layout: "local", primaryKey: ["client_id", "jti"] },
  ),
  // 0971_fhir_bulk_export.sql
  fhir_export_job: table(
    {
      job_id: "uuid",
      state: "text",
      level: "text",
      group_id: "text?",
      types: "text[]",
      since: "timestamptz?",
      pseudonymised: "boolean",
      user_id: "uuid",
      client_id: "text?",
      role_code: "text",
      purpose: "text",
      request: "text",
      transaction_time: "timestamptz",
      progress: "text",
      output: "jsonb?",
      withheld: "integer",
      error: "text?",
      created_at: "timestamptz",
      finished_at: "timestamptz?",
      expires_at: "timestamptz?",
      team_code: "text?",
    },
    { layout: "local", primaryKey: ["job_id"] },
  ),
} as const;
