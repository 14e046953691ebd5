// Example contexts for care-services.njk: the directory, and an empty one.
import { servicesContext } from "./care.context.ts";
import { SAMPLE_SERVICES } from "./care.fixtures-data.ts";
import type { ViewFixture } from "./fixtures.ts";

export const fixtures: ViewFixture[] = [
  { name: "the directory", context: servicesContext(SAMPLE_SERVICES) },
  { name: "an empty directory", context: servicesContext([]) },
];
