import { table } from "./define.ts";

// The tables src/ingest/migrations creates (ingest: messages, loads, rejects and the maps feeds need),
// in migration order. How to add one: src/store/README.md.

export const INGEST_TABLES = {
  // 0500_ingest.sql
  ingest_message: table(
    {
      source_system: "text",
      control_id: "text",
      message_type: "text",
      message_time: "timestamptz?",
      received_at: "timestamptz",
      status: "text",
      ack_code: "text",
      payload: "text",
      payload_sha256: "text",
      load_id: "uuid?",
    },
    { layout: "local", primaryKey: ["source_system", "control_id"] },
  ),
  ingest_load: table(
    {
      load_id: "uuid",
      source_system: "text",
      format: "text",
      layout: "text?",
      origin: "text",
      file_sha256: "text?",
      started_at: "timestamptz",
      finished_at: "timestamptz?",
      status: "text",
      records_read: "integer",
      loaded: "integer",
      duplicates: "integer",
      rejected: "integer",
      held: "integer",
      failure: "text?",
      // 0920_ingest_load_runner.sql
      runner: "text?",
      heartbeat_at: "timestamptz?",
      // 0940_fhir_unsupported_and_held.sql
      unsupported_by_type: "jsonb",
    },
    { layout: "local", primaryKey: ["load_id"] },
  ),
  ingest_reject: table(
    {
      reject_id: "uuid",
      source_system: "text",
      format: "text",
      layout: "text?",
      origin: "text",
      origin_key: "text",
      location: "text?",
      reason: "text",
      payload: "text",
      context: "text?",
      received_at: "timestamptz",
      load_id: "uuid?",
      status: "text",
      attempts: "integer",
      resolved_at: "timestamptz?",
      resolved_by: "text?",
      resolution_note: "text?",
      batch_id: "uuid?",
    },
    { layout: "local", primaryKey: ["reject_id"], unique: [["source_system", "format", "origin_key"]] },
  ),
  adt_visit_event: table(
    {
      source_system: "text",
      visit_number: "text",
      control_id: "text",
      trigger_event: "text",
      message_time: "timestamptz",
      record_id: "text",
      detail: "jsonb",
      received_at: "timestamptz",
    },
    { layout: "local", primaryKey: ["source_system", "visit_number", "control_id"] },
  ),
  ingest_row_subject: table(
    {
      source_system: "text",
      table_name: "text",
      source_record_id: "text",
      subject_system: "text",
      subject_record_id: "text",
    },
    { layout: "local", primaryKey: ["source_system", "table_name", "source_record_id"] },
  ),
  ingest_code_map: table(
    {
      source_system: "text",
      map_name: "text",
      source_code: "text",
      target_code: "text",
    },
    { layout: "reference", primaryKey: ["source_system", "map_name", "source_code"] },
  ),
  postcode_area: table(
    {
      postcode: "text",
      area_code: "text",
    },
    { layout: "reference", primaryKey: ["postcode"] },
  ),
  ingest_practitioner: table(
    {
      source_system: "text",
      source_record_id: "text",
      identifier_system: "text?",
      identifier_value: "text?",
      family_name: "text?",
      given_name: "text?",
      received_at: "timestamptz",
    },
    { layout: "local", primaryKey: ["source_system", "source_record_id"] },
  ),
  ingest_source: table(
    {
      source_system: "text",
      org_code: "text?",
      first_seen_at: "timestamptz",
      // 1007_ingest_source_pid2.sql
      pid2_bare_digits: "text",
    },
    { layout: "local", primaryKey: ["source_system"] },
  ),
  // 0930_ingest_unmapped_code.sql
  ingest_unmapped_code: table(
    {
      source_system: "text",
      map_name: "text",
      source_code: "text",
      occurrences: "integer",
      first_seen: "timestamptz",
      last_seen: "timestamptz",
    },
    { layout: "local", primaryKey: ["source_system", "map_name", "source_code"] },
  ),
  // 0931_ingest_instance.sql
  ingest_instance: table(
    {
      only_row: "boolean",
      test_instance: "boolean",
      changed_at: "timestamptz",
      changed_by: "text",
    },
    { layout: "local", primaryKey: ["only_row"] },
  ),
  // 0940_fhir_unsupported_and_held.sql
  ingest_fhir_held: table(
    {
      source_system: "text",
      origin_key: "text",
      resource_type: "text",
      waiting_kind: "text",
      waiting_for: "text",
      reason: "text",
      payload: "text",
      origin: "text",
      location: "text?",
      load_id: "uuid?",
      held_at: "timestamptz",
    },
    { layout: "local", primaryKey: ["source_system", "origin_key"] },
  ),
  // 0943_fhir_references.sql
  ingest_fhir_organization: table(
    { source_system: "text", resource_id: "text", org_code: "text" },
    { layout: "local", primaryKey: ["source_system", "resource_id"] },
  ),
  ingest_fhir_medication: table(
    {
      source_system: "text",
      resource_id: "text",
      code_system: "text",
      code: "text",
      display: "text",
      received_at: "timestamptz",
    },
    { layout: "local", primaryKey: ["source_system", "resource_id"] },
  ),
  // 1035_adt_record_deletion.sql
  adt_record_deletion: table(
    { source_system: "text", record_id: "text", deleted_at: "timestamptz", control_id: "text" },
    { layout: "local", primaryKey: ["source_system", "record_id"] },
  ),
  // 1058_adt_held_message.sql
  adt_held_message: table(
    {
      source_system: "text",
      control_id: "text",
      message_type: "text",
      message_time: "timestamptz?",
      reason: "text",
      held_at: "timestamptz",
    },
    { layout: "local", primaryKey: ["source_system", "control_id"] },
  ),
  // 1057_ingest_local_code.sql
  ingest_local_code: table(
    {
      source_system: "text",
      table_name: "text",
      source_record_id: "text",
      map_name: "text",
      source_code: "text",
    },
    { layout: "local", primaryKey: ["source_system", "table_name", "source_record_id", "map_name"] },
  ),
  // 1062_ingest_reject_batch.sql: a CSV chunk's refused rows together, replayed as a file.
  ingest_reject_batch: table(
    {
      batch_id: "uuid",
      source_system: "text",
      layout: "text",
      origin: "text",
      context: "text",
      load_id: "uuid?",
      received_at: "timestamptz",
      member_ids: "uuid[]",
      lines: "integer[]",
      rows_text: "text",
      row_ends: "integer[]",
      whole: "boolean",
      replayed_at: "timestamptz?",
      replayed_by: "text?",
      // 1063_ingest_reject_batch_encoded.sql: the rows as their load encoded them.
      encoded_as: "text?",
      encoded_at: "text?",
      encoded: "bytea?",
      encoded_ends: "integer[]?",
      subjects: "text?",
      subject_ends: "integer[]?",
    },
    { layout: "local", primaryKey: ["batch_id"] },
  ),
  // 1061_ingest_reject_open_source.sql
  ingest_reject_open_source: table(
    { source_system: "text", format: "text" },
    { layout: "local", primaryKey: ["source_system", "format"] },
  ),
} as const;
