// What a person added to their plan from the citizen's view, dealt with by staff on the Care plan tab: taken
// into the plan's next version (both saved, or neither), or closed with a reason the person reads. Each is a
// "change" decision on the person's identifiable record through request.reader, as every other plan edit;
// a refusal or a problem re-shows the tab (care.ts), an edit on a moved-on version is a 409.
import type { FastifyInstance } from "fastify";
import { changeAndRedirect, dateFromParts } from "./care.ts";
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

const dayPart = { type: "string", maxLength: 4 } as const;
const personParams = closedObject({ personId: uuid }, ["personId"]);
const proxyParams = closedObject({ personId: uuid, proxyId: uuid }, ["personId", "proxyId"]);
const proxyForm = closedObject({
  ...csrfField,
  proxyNhsNumber: textField(20),
  proxyName: textField(200),
  birthDay: dayPart,
  birthMonth: dayPart,
  birthYear: dayPart,
  relationship: textField(100),
  basis: textField(40),
  startDay: dayPart,
  startMonth: dayPart,
  startYear: dayPart,
  reviewDay: dayPart,
  reviewMonth: dayPart,
  reviewYear: dayPart,
});
const revokeForm = closedObject({ ...csrfField, reason: textField(1_000) });
const day = (d?: string, m?: string, y?: string) => {
  const iso = dateFromParts(d, m, y);
  return iso === null || iso === "invalid" ? "" : iso;
};

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

/** Proxy access, recorded and revoked from the person's Care plan tab by staff who care for them. */
export async function careProxyRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Params: { personId: string }; Body: Record<string, string> }>(
    "/people/:personId/care-plan/proxies",
    { schema: { params: personParams, body: proxyForm } },
    (request, reply) => {
      const b = request.body;
      return changeAndRedirect(request, reply, () =>
        request.reader.recordCitizenProxy(request.params.personId, {
          proxyNhsNumber: b.proxyNhsNumber ?? "",
          proxyBirthDate: day(b.birthDay, b.birthMonth, b.birthYear),
          proxyName: b.proxyName ?? "",
          relationship: b.relationship ?? "",
          basis: b.basis ?? "",
          startsOn: day(b.startDay, b.startMonth, b.startYear),
          reviewOn: day(b.reviewDay, b.reviewMonth, b.reviewYear),
        }),
      );
    },
  );

  app.post<{ Params: { personId: string; proxyId: string }; Body: { reason?: string } }>(
    "/people/:personId/care-plan/proxies/:proxyId/revoke",
    { schema: { params: proxyParams, body: revokeForm } },
    (request, reply) =>
      changeAndRedirect(request, reply, () =>
        request.reader.revokeCitizenProxy(
          request.params.personId,
          request.params.proxyId.toLowerCase(),
          request.body.reason ?? "",
        ),
      ),
  );
}
