// Example contexts for citizen-identity.njk: signed in at P5, and at P0.
import { SIGNED_IN } from "./citizen.fixtures-data.ts";
import type { ViewFixture } from "./fixtures.ts";

const page = { ...SIGNED_IN("/citizen"), title: "Prove who you are to see your care record" };
export const fixtures: ViewFixture[] = [
  { name: "medium level (P5)", context: { ...page, level: "P5" } },
  { name: "low level (P0)", context: { ...page, level: "P0" } },
];
