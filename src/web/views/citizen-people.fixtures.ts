// Example contexts for citizen-people.njk: a carer choosing whose record, and a choice refused.
import { peopleContext } from "./citizen.context.ts";
import { SIGNED_IN } from "./citizen.fixtures-data.ts";
import type { ViewFixture } from "./fixtures.ts";

const people = [
  {
    proxyId: "00000000-0000-4000-8000-0000000000d1",
    name: "Arthur Example",
    relationship: "son",
    basis: "Lasting power of attorney for health and welfare",
  },
];
const shell = SIGNED_IN("/citizen/people");
export const fixtures: ViewFixture[] = [
  {
    name: "my own record or my father's",
    context: { ...shell, caresFor: true, ...peopleContext(people, null) },
  },
  {
    name: "acting for my father; a choice refused",
    context: {
      ...shell,
      actingFor: { name: "Arthur Example", basis: "Lasting power of attorney for health and welfare" },
      ...peopleContext(people, people[0].proxyId),
      error: "You cannot look at that person's record. Choose one of the people listed.",
    },
  },
];
