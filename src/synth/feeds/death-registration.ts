import type { FeedLine } from "./feed-files.ts";
import { extractRow, type PersonRows, rowsOf } from "./person-rows.ts";

// The death register's extract: one CSV row a death, by NHS Number.

export function deathRegistrationLines(p: PersonRows): FeedLine[] {
  return rowsOf(p, "death").map((d) => [
    "deaths",
    extractRow(d, { death_id: d.source_record_id, nhs_number: p.nhsNumber }),
  ]);
}
