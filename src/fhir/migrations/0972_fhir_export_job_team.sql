-- A Bulk Data job belongs to its caller as they were when they kicked it off: the user or client, and the role,
-- team and purpose they acted in (src/fhir/bulk-export.ts). The people in an export were decided for that
-- team's relationships, so the same user acting in another team may not fetch its files. Jobs from before this
-- migration have no team and are reachable by no one (they expire within the hour).
ALTER TABLE fhir_export_job ADD COLUMN team_code text;
