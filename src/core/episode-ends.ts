// How a care episode ended, as a practitioner closes it (care/referrals.ts) and as a council's extract sends it
// (ingest/csv/layouts.ts, with "moved" besides): the values social_care_service.end_reason allows (migration
// 0004). Here, not in care, so that the CSV loader's parsing thread does not load the care capability to read it.
export const EPISODE_ENDS = [
  "completed",
  "long-term-support",
  "hospital",
  "care-home",
  "died",
  "declined",
  "other",
] as const;
export type EpisodeEnd = (typeof EPISODE_ENDS)[number];
