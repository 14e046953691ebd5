// What a person added to their plan from the citizen's view, dealt with by staff on the Care plan tab: taken
// into the plan's next version (both saved, or neither), or closed with a reason the person reads. Each is a
// "change" decision on the person's identifiable record through request.reader, as every other plan edit;
// a refusal or a problem re-shows the tab (care.ts), an edit on a moved-on version is a 409.
import type { FastifyInstance } from "fastify";
import { changeAndRedirect } from "./care.ts";
import { closedObject, csrfField, textField, UUID_PATTERN } from "./schemas.ts";

const uuid = { type: "string", pattern: UUID_PATTERN } as const;
const params = closedObject({ personId: uuid, contributionId: uuid }, ["personId", "contributionId"]);
const decisionForm = closedObject(
  {
    ...csrfField,
    decision: { type: "string", enum: ["take", "close"] },
    planId: { type: "string", anyOf: [{ pattern: UUID_PATTERN }, { const: "" }] },
    baseVersion: { type: "string", pattern: "^[0-9]{0,9}$" },
    reason: textField(),
  },
  ["decision"],
);

type Decision = {
  Params: { personId: string; contributionId: string };
  Body: { decision: "take" | "close"; planId?: string; baseVersion?: string; reason?: string };
};

export async function careContributionRoutes(app: FastifyInstance): Promise<void> {
  app.post<Decision>(
    "/people/:personId/care-plan/contributions/:contributionId",
    { schema: { params, body: decisionForm } },
    (request, reply) => {
      const { personId, contributionId } = request.params;
      const b = request.body;
      return changeAndRedirect(request, reply, () =>
        b.decision === "take"
          ? request.reader.takeCitizenContribution(
              personId,
              (b.planId ?? "").toLowerCase(),
              Number(b.baseVersion ?? ""),
              contributionId.toLowerCase(),
            )
          : request.reader.closeCitizenContribution(personId, contributionId.toLowerCase(), b.reason ?? ""),
      );
    },
  );
}
