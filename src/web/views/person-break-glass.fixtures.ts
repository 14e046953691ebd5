// Example contexts for person-break-glass.njk: refused with the break-glass form, refused for a role that
// may not break glass, the form on its own, and the form with its error.
import type { RolePolicy, Team } from "../../governance/index.ts";
import type { ViewFixture } from "./fixtures.ts";
import { breakGlassContext } from "./person-break-glass.context.ts";

const team: Team = {
  teamId: "t",
  teamCode: "asc",
  name: "Adult Social Care",
  kind: "provider-service",
  orgCode: "ZZS01",
};
const role = (name: string, mayBreakGlass: boolean) =>
  ({ roleCode: name, name, mayBreakGlass }) as unknown as RolePolicy;
const socialWorker = { roleAssignment: { role: role("Social worker", true), team } };
const reablement = { roleAssignment: { role: role("Reablement worker", false), team } };
const personId = "3f2b8c1e-5d4a-4b6c-9e7f-0a1b2c3d4e5f";

export const fixtures: ViewFixture[] = [
  {
    name: "refused, with the break-glass form",
    context: breakGlassContext({
      personId,
      refusal: "no legitimate relationship",
      identity: socialWorker,
      csrf: "x",
    }),
  },
  {
    name: "refused, and the role may not break glass",
    context: breakGlassContext({
      personId,
      refusal: "no legitimate relationship",
      identity: reablement,
      csrf: "x",
    }),
  },
  {
    name: "the form on its own",
    context: breakGlassContext({ personId, refusal: null, identity: socialWorker, csrf: null }),
  },
  {
    name: "a reason that is too short",
    context: breakGlassContext({
      personId,
      refusal: null,
      identity: socialWorker,
      csrf: "x",
      error: "A break-glass reason must say why, in at least 10 characters",
      reasonValue: "urgent",
    }),
  },
];
