import type { FeedLine } from "./feed-files.ts";
import { type PersonRows, rowsOf } from "./person-rows.ts";

// The death register's extract: one CSV row a death, by NHS Number.

export function deathRegistrationLines(p: PersonRows): FeedLine[] {
  return rowsOf(p, "death").map((d) => [
    "deaths",
    {
      death_id: d.source_record_id,
      nhs_number: p.nhsNumber,
      died_on: d.died_on,
      place_of_death: d.place_of_death,
      underlying_cause: d.underlying_cause,
      extracted_at: d.received_at,
    },
  ]);
}
