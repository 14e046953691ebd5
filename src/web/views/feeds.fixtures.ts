// Example contexts for feeds.njk: no feed yet, and three sources (receiving, quiet, silent).
import { FEEDS, NOW } from "./backoffice.fixtures-data.ts";
import { feedsContext } from "./feeds.context.ts";
import type { ViewFixture } from "./fixtures.ts";

export const fixtures: ViewFixture[] = [
  { name: "no feed yet", context: feedsContext([], NOW) },
  { name: "three sources, one silent", context: feedsContext(FEEDS, NOW) },
];
