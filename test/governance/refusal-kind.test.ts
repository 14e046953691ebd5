// The refusals a caller acts on by kind carry it as a typed field (AccessDecision.refusal), so the FHIR API's
// "answer as not found" rule and the back office's "no such person" never depend on a refusal's wording.
import assert from "node:assert/strict";
import { test } from "node:test";
import { evaluateAccess, type PolicyInput } from "../../src/governance/policy.ts";
import type { PersonFacts } from "../../src/governance/types.ts";

const facts: PersonFacts = {
  personId: "0b6b5f3e-1111-4b6e-9c1a-000000000001",
  known: true,
  registered: false,
  caseload: false,
  careTeam: false,
  referral: false,
  admission: false,
  breakGlassId: null,
  objectionHolders: [],
  optedOut: false,
};
const gp: PolicyInput = {
  roleAssignment: {
    role: {
      roleCode: "gp",
      name: "GP",
      description: "GP",
      purposes: ["direct-care"],
      accessBasis: "relationship",
      relationshipKinds: ["registered", "caseload", "care-team"],
      actions: ["view", "search", "list", "export"],
      mayBreakGlass: true,
      mayManageUsers: false,
      mayReadAudit: false,
    },
    team: { teamId: "t", teamCode: "practice", name: "Practice", kind: "practice", orgCode: "Z90001" },
  },
  userActive: true,
  purpose: "direct-care",
  action: "view",
  facts,
};

test("a refusal says by kind when the person is unknown or there is no relationship, and only then", () => {
  const unknown = evaluateAccess({ ...gp, facts: { ...facts, known: false } });
  assert.deepEqual([unknown.allow, unknown.refusal], [false, "no-such-person"]);
  const stranger = evaluateAccess(gp);
  assert.deepEqual([stranger.allow, stranger.refusal], [false, "no-relationship"]);
  // Refusals that tell the caller something true about their role or the person carry no kind.
  const objection = evaluateAccess({
    ...gp,
    facts: { ...facts, registered: true, objectionHolders: ["ZZS01"] },
  });
  assert.equal(objection.allow, false);
  assert.equal(objection.refusal, undefined);
  const wrongPurpose = evaluateAccess({ ...gp, purpose: "commissioning" });
  assert.equal(wrongPurpose.refusal, undefined);
  const allowed = evaluateAccess({ ...gp, facts: { ...facts, registered: true } });
  assert.deepEqual([allowed.allow, allowed.refusal], [true, undefined]);
});
