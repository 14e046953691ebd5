// Care coordination pages: a person's Care plan tab (start, edit, goals, actions, sign-off, printable plan),
// referrals from the directory and the receiving team's decisions, the user's worklist and the directory of
// services. Every read and change goes through request.reader (one decision and one audit row each); a
// refusal shows the decision's reason (and break-glass where the role may), a problem a person can fix
// re-shows the page with the reason (400), and an edit on a version someone else has moved on is a 409.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ActionStatus, PlanEdit, Referral, ReferralDecision } from "../../care/index.ts";
import { isIsoDate } from "../../core/dates.ts";
import { HTTP_STATUS_OF_KIND, invalid, type OnePlaceError } from "../../core/errors.ts";
import { AccessDenied } from "../../governance/index.ts";
import {
  carePlanEditContext,
  carePlanPrintContext,
  carePlanTabContext,
  referralContext,
  referralFormContext,
  servicesContext,
  worklistContext,
} from "../views/care.context.ts";
import { actionable, csrfOf, errorItem, londonToday, personReply } from "./person-forms.ts";
import { closedObject, csrfField, textField, UUID_PATTERN } from "./schemas.ts";

const uuid = { type: "string", pattern: UUID_PATTERN } as const;
const text = textField;
const dayPart = { type: "string", maxLength: 4 } as const;
const version = { type: "string", pattern: "^[0-9]{1,9}$" } as const;

const personParams = closedObject({ personId: uuid }, ["personId"]);
const planParams = closedObject({ personId: uuid, planId: uuid }, ["personId", "planId"]);
const actionParams = closedObject({ personId: uuid, planId: uuid, actionId: uuid }, [
  "personId",
  "planId",
  "actionId",
]);
const referralParams = closedObject({ personId: uuid, referralId: uuid }, ["personId", "referralId"]);

const startForm = closedObject({ ...csrfField });
const editForm = closedObject(
  {
    ...csrfField,
    baseVersion: version,
    whatMattersToMe: text(),
    strengths: text(),
    needs: text(),
    contingency: text(),
    crisis: text(),
    carerName: text(200),
    carerRelationship: text(200),
    carerNeeds: text(),
    carerAssessmentOffered: { type: "string", enum: ["yes", ""] },
    endOfLife: text(),
    consent: { type: "string", enum: ["given", "not-given", ""] },
    consentNote: text(500),
    lead: { type: "string", maxLength: 80, pattern: "^([0-9a-fA-F-]{36}:[0-9a-fA-F-]{36})?$" },
    leadRole: text(40),
    reviewDay: dayPart,
    reviewMonth: dayPart,
    reviewYear: dayPart,
  },
  ["baseVersion"],
);
const goalForm = closedObject({ ...csrfField, baseVersion: version, description: text(), measure: text() }, [
  "baseVersion",
]);
const actionForm = closedObject(
  {
    ...csrfField,
    baseVersion: version,
    description: text(),
    ownerUserId: { type: "string", anyOf: [{ pattern: UUID_PATTERN }, { const: "" }, { const: "external" }] },
    ownerName: text(200),
    ownerOrganisation: text(200),
    dueDay: dayPart,
    dueMonth: dayPart,
    dueYear: dayPart,
    goalId: { type: "string", anyOf: [{ pattern: UUID_PATTERN }, { const: "" }] },
  },
  ["baseVersion"],
);
const actionStatusForm = closedObject(
  { ...csrfField, baseVersion: version, status: { type: "string", enum: ["done", "cancelled", "open"] } },
  ["baseVersion", "status"],
);
const versionForm = closedObject({ ...csrfField, baseVersion: version }, ["baseVersion"]);
const endForm = closedObject({ ...csrfField, baseVersion: version, endReason: text(500) }, ["baseVersion"]);
const referralForm = closedObject({
  ...csrfField,
  serviceCode: text(64),
  reason: text(),
  urgency: text(20),
  consent: text(20),
  criteriaReason: text(2000),
});
const decisionForm = closedObject(
  {
    ...csrfField,
    baseVersion: version,
    decision: { type: "string", enum: ["accept", "decline", "complete"] },
    declineReason: text(),
    outcomeSummary: text(),
    startDay: dayPart,
    startMonth: dayPart,
    startYear: dayPart,
    endDay: dayPart,
    endMonth: dayPart,
    endYear: dayPart,
    episodeEnd: text(40),
    afterSpellId: { type: "string", anyOf: [{ pattern: UUID_PATTERN }, { const: "" }] },
  },
  ["baseVersion", "decision"],
);
const followUpForm = closedObject({ ...csrfField, baseVersion: version, outcome: text(40) }, ["baseVersion"]);

type P<T> = { Params: T };
type PersonP = P<{ personId: string }>;
type PlanP = P<{ personId: string; planId: string }>;
type ReferralP = P<{ personId: string; referralId: string }>;

/** 27, 3, 2016 as 2016-03-27; all empty: null; anything else: "invalid". */
export function dateFromParts(day?: string, month?: string, year?: string): string | null | "invalid" {
  const parts = [day ?? "", month ?? "", year ?? ""].map((s) => s.trim());
  if (parts.every((p) => p === "")) return null;
  if (!parts.every((p) => /^\d{1,4}$/.test(p)) || parts[2].length !== 4) return "invalid";
  const iso = `${parts[2]}-${parts[1].padStart(2, "0")}-${parts[0].padStart(2, "0")}`;
  return isIsoDate(iso) ? iso : "invalid";
}

const problem = (message: string, hint?: string) => ({ message, hint });
const invalidError = (message: string, hint: string) => invalid("care.form-date", message, { hint });

/** The Care plan tab, with an error from a change that was refused (and its status). */
const tab = async (request: FastifyRequest<PersonP>, error: OnePlaceError | null = null) => {
  const page = await request.reader.personCarePlans(request.params.personId);
  const staff = await request.reader.careOwners(request.params.personId);
  return {
    view: "person-care-plan.njk",
    context: carePlanTabContext(page, {
      csrf: csrfOf(request),
      staff,
      errors: error ? [problem(error.message, error.hint)].map(errorItem) : [],
    }),
    status: error ? HTTP_STATUS_OF_KIND[error.kind] : 200,
  };
};

/** Runs a change, then sees the page (303), or re-shows the tab with the reason a person can act on (also care-contributions.ts). */
export const changeAndRedirect = async (
  request: FastifyRequest<PersonP>,
  reply: FastifyReply,
  run: () => Promise<unknown>,
  next?: () => string,
) => {
  try {
    await run();
  } catch (error) {
    const fix = actionable(error);
    if (!fix) {
      if (error instanceof AccessDenied) return personReply(request, reply, () => Promise.reject(error));
      throw error;
    }
    return personReply(request, reply, () => tab(request, fix));
  }
  return reply.redirect(next?.() ?? `/people/${request.params.personId.toLowerCase()}/care-plan`, 303);
};

const editPage = async (
  request: FastifyRequest<PlanP>,
  error: OnePlaceError | null,
  form?: Record<string, string>,
) => {
  const [page, staff] = await Promise.all([
    request.reader.personCarePlans(request.params.personId),
    request.reader.careStaff(),
  ]);
  if (!page.plans.some((p) => p.planId === request.params.planId.toLowerCase())) {
    return {
      view: "person-care-plan.njk",
      context: carePlanTabContext(page, {
        csrf: csrfOf(request),
        staff,
        errors: [{ text: "There is no such care plan for this person." }],
      }),
      status: 404,
    };
  }
  return {
    view: "person-care-plan-edit.njk",
    context: carePlanEditContext(page, request.params.planId.toLowerCase(), {
      csrf: csrfOf(request),
      staff,
      errors: error ? [errorItem(problem(error.message, error.hint))] : [],
      form,
    }),
    status: error ? HTTP_STATUS_OF_KIND[error.kind] : 200,
  };
};

const referralFormPage = async (
  request: FastifyRequest<PersonP>,
  error: OnePlaceError | null,
  form?: Record<string, string>,
) => {
  const [page, services] = await Promise.all([
    request.reader.personBanner(request.params.personId),
    request.reader.careServices(),
  ]);
  return {
    view: "person-referral-new.njk",
    context: referralFormContext(page, services, {
      csrf: csrfOf(request),
      errors: error ? [errorItem(problem(error.message, error.hint))] : [],
      form,
      criteriaWarning: error?.code === "care.referral-criteria-not-met" ? error.message : null,
    }),
    status: error ? HTTP_STATUS_OF_KIND[error.kind] : 200,
  };
};

const referralPage = async (request: FastifyRequest<ReferralP>, error: OnePlaceError | null) => {
  const page = await request.reader.personReferral(
    request.params.personId,
    request.params.referralId.toLowerCase(),
  );
  const receivingTeam = request.identity?.roleAssignment.team.teamId === page.referral.toTeam.teamId;
  const spells = page.discharges.map((d) => ({
    value: d.spellId,
    text: `${d.providerCode}: admitted ${d.admittedOn}, discharged ${d.dischargedOn}`,
  }));
  return {
    view: "person-referral.njk",
    context: referralContext(page, {
      csrf: csrfOf(request),
      errors: error ? [errorItem(problem(error.message, error.hint))] : [],
      receivingTeam,
      spells,
    }),
    status: error ? HTTP_STATUS_OF_KIND[error.kind] : 200,
  };
};

/**
 * Runs a step of a referral, then shows the referral; or, when the step closed it (declined, completed, followed
 * up), the receiving team's worklist: a closed referral is no longer their relationship with the person.
 */
const referralChange = async (
  request: FastifyRequest<ReferralP>,
  reply: FastifyReply,
  run: () => Promise<Referral>,
) => {
  let referral: Referral;
  try {
    referral = await run();
  } catch (error) {
    const fix = actionable(error);
    if (!fix) {
      if (error instanceof AccessDenied) return personReply(request, reply, () => Promise.reject(error));
      throw error;
    }
    return personReply(request, reply, () => referralPage(request, fix));
  }
  const receiving = request.identity?.roleAssignment.team.teamId === referral.toTeam.teamId;
  if (receiving && referral.closedOn) return reply.redirect("/care/worklist", 303);
  return reply.redirect(
    `/people/${request.params.personId.toLowerCase()}/referrals/${request.params.referralId.toLowerCase()}`,
    303,
  );
};

/** The Care plan tab and the plan's forms. */
async function carePlanRoutes(app: FastifyInstance): Promise<void> {
  app.get<PersonP>("/people/:personId/care-plan", { schema: { params: personParams } }, (request, reply) =>
    personReply(request, reply, () => tab(request)),
  );

  app.post<PersonP>(
    "/people/:personId/care-plan",
    { schema: { params: personParams, body: startForm } },
    (request, reply) =>
      changeAndRedirect(request, reply, () => request.reader.startCarePlan(request.params.personId)),
  );

  app.get<PlanP>(
    "/people/:personId/care-plan/:planId/edit",
    { schema: { params: planParams } },
    (request, reply) => personReply(request, reply, () => editPage(request, null)),
  );

  app.post<PlanP & { Body: Record<string, string> }>(
    "/people/:personId/care-plan/:planId",
    { schema: { params: planParams, body: editForm } },
    async (request, reply) => {
      const b = request.body;
      const { personId, planId } = request.params;
      const review = dateFromParts(b.reviewDay, b.reviewMonth, b.reviewYear);
      const [leadUser, leadTeam] = (b.lead ?? "").split(":");
      const run = async (reviewDueOn: string | null) => {
        const edit: PlanEdit = {
          whatMattersToMe: b.whatMattersToMe ?? "",
          strengths: b.strengths ?? "",
          needs: b.needs ?? "",
          contingency: b.contingency ?? "",
          crisis: b.crisis ?? "",
          carer:
            (b.carerName ?? "").trim() || (b.carerNeeds ?? "").trim()
              ? {
                  name: b.carerName ?? "",
                  relationship: b.carerRelationship ?? "",
                  needs: b.carerNeeds ?? "",
                  assessmentOffered: b.carerAssessmentOffered === "yes",
                }
              : null,
          endOfLife: b.endOfLife ?? "",
          consentToShare: {
            given: b.consent === "given",
            recordedOn: b.consent === "given" ? londonToday() : null,
            note: b.consentNote ?? "",
          },
          lead: leadUser && leadTeam ? { userId: leadUser, teamId: leadTeam, role: b.leadRole ?? "" } : null,
          reviewDueOn,
        };
        return request.reader.editCarePlan(personId, planId.toLowerCase(), Number(b.baseVersion), edit);
      };
      try {
        if (review === "invalid") {
          return personReply(request, reply, () =>
            editPage(
              request,
              invalidError("The review date must be a real date.", "Enter it like 27 9 2016."),
              b,
            ),
          );
        }
        await run(review);
      } catch (error) {
        const fix = actionable(error);
        if (!fix) {
          if (error instanceof AccessDenied) return personReply(request, reply, () => Promise.reject(error));
          throw error;
        }
        return personReply(request, reply, () => editPage(request, fix, b));
      }
      return reply.redirect(`/people/${personId.toLowerCase()}/care-plan`, 303);
    },
  );

  app.post<PlanP & { Body: { baseVersion: string; description?: string; measure?: string } }>(
    "/people/:personId/care-plan/:planId/goals",
    { schema: { params: planParams, body: goalForm } },
    (request, reply) =>
      changeAndRedirect(request, reply, () =>
        request.reader.addCarePlanGoal(
          request.params.personId,
          request.params.planId.toLowerCase(),
          Number(request.body.baseVersion),
          {
            description: request.body.description ?? "",
            measure: request.body.measure ?? "",
          },
        ),
      ),
  );

  app.post<PlanP & { Body: Record<string, string> }>(
    "/people/:personId/care-plan/:planId/actions",
    { schema: { params: planParams, body: actionForm } },
    (request, reply) => {
      const b = request.body;
      const due = dateFromParts(b.dueDay, b.dueMonth, b.dueYear);
      return changeAndRedirect(request, reply, async () => {
        if (due === "invalid")
          throw invalidError("The action's due date must be a real date.", "Enter it like 27 3 2016.");
        return request.reader.addCarePlanAction(
          request.params.personId,
          request.params.planId.toLowerCase(),
          Number(b.baseVersion),
          {
            description: b.description ?? "",
            ownerUserId: b.ownerUserId && b.ownerUserId !== "external" ? b.ownerUserId : null,
            ownerExternal: b.ownerUserId === "external",
            ownerName: b.ownerName ?? "",
            ownerOrgCode: b.ownerOrganisation ?? "",
            dueOn: due,
            goalId: b.goalId || null,
          },
        );
      });
    },
  );

  app.post<
    P<{ personId: string; planId: string; actionId: string }> & {
      Body: { baseVersion: string; status: string };
    }
  >(
    "/people/:personId/care-plan/:planId/actions/:actionId",
    { schema: { params: actionParams, body: actionStatusForm } },
    (request, reply) =>
      changeAndRedirect(request, reply, () =>
        request.reader.setCarePlanActionStatus(
          request.params.personId,
          request.params.planId.toLowerCase(),
          Number(request.body.baseVersion),
          request.params.actionId.toLowerCase(),
          request.body.status as ActionStatus,
        ),
      ),
  );

  app.post<PlanP & { Body: { baseVersion: string } }>(
    "/people/:personId/care-plan/:planId/sign-off",
    { schema: { params: planParams, body: versionForm } },
    (request, reply) =>
      changeAndRedirect(request, reply, () =>
        request.reader.signOffCarePlan(
          request.params.personId,
          request.params.planId.toLowerCase(),
          Number(request.body.baseVersion),
        ),
      ),
  );

  // Ending a plan (goals met, moved away, died, started by mistake): a version saying why; its history is kept.
  app.post<PlanP & { Body: { baseVersion: string; endReason?: string } }>(
    "/people/:personId/care-plan/:planId/end",
    { schema: { params: planParams, body: endForm } },
    (request, reply) =>
      changeAndRedirect(request, reply, () =>
        request.reader.endCarePlan(
          request.params.personId,
          request.params.planId.toLowerCase(),
          Number(request.body.baseVersion),
          request.body.endReason ?? "",
        ),
      ),
  );

  app.get<PlanP>(
    "/people/:personId/care-plan/:planId/print",
    { schema: { params: planParams } },
    (request, reply) =>
      personReply(request, reply, async () => {
        const page = await request.reader.personCarePlans(request.params.personId);
        const planId = request.params.planId.toLowerCase();
        return {
          view: "person-care-plan-print.njk",
          context: carePlanPrintContext(page, planId),
          status: page.plans.some((p) => p.planId === planId) ? 200 : 404,
        };
      }),
  );
}

/** Referrals: the form, a referral's page, and the receiving team's steps. */
async function referralRoutes(app: FastifyInstance): Promise<void> {
  app.get<PersonP>(
    "/people/:personId/referrals/new",
    { schema: { params: personParams } },
    (request, reply) => personReply(request, reply, () => referralFormPage(request, null)),
  );

  app.post<PersonP & { Body: Record<string, string> }>(
    "/people/:personId/referrals",
    { schema: { params: personParams, body: referralForm } },
    async (request, reply) => {
      const b = request.body;
      let referralId: string;
      try {
        referralId = (
          await request.reader.referPerson(request.params.personId, {
            serviceCode: b.serviceCode ?? "",
            reason: b.reason ?? "",
            urgency: b.urgency ?? "",
            consent: b.consent ?? "",
            criteriaReason: b.criteriaReason ?? "",
          })
        ).referralId;
      } catch (error) {
        const fix = actionable(error);
        if (!fix) {
          if (error instanceof AccessDenied) return personReply(request, reply, () => Promise.reject(error));
          throw error;
        }
        return personReply(request, reply, () => referralFormPage(request, fix, b));
      }
      return reply.redirect(`/people/${request.params.personId.toLowerCase()}/referrals/${referralId}`, 303);
    },
  );

  app.get<ReferralP>(
    "/people/:personId/referrals/:referralId",
    { schema: { params: referralParams } },
    (request, reply) => personReply(request, reply, () => referralPage(request, null)),
  );

  app.post<ReferralP & { Body: Record<string, string> }>(
    "/people/:personId/referrals/:referralId/decision",
    { schema: { params: referralParams, body: decisionForm } },
    (request, reply) =>
      referralChange(request, reply, async () => {
        const b = request.body;
        let decision: ReferralDecision;
        if (b.decision === "accept") decision = { kind: "accept" };
        else if (b.decision === "decline") decision = { kind: "decline", reason: b.declineReason ?? "" };
        else {
          const start = dateFromParts(b.startDay, b.startMonth, b.startYear);
          const end = dateFromParts(b.endDay, b.endMonth, b.endYear);
          if (start === "invalid" || end === "invalid") {
            throw invalidError("The episode's dates must be real dates.", "Enter them like 12 1 2016.");
          }
          decision = {
            kind: "complete",
            outcomeSummary: b.outcomeSummary ?? "",
            ...(start || end || b.episodeEnd
              ? {
                  episode: {
                    startedOn: start ?? "",
                    endedOn: end ?? "",
                    end: b.episodeEnd ?? "",
                    afterSpellId: b.afterSpellId || null,
                  },
                }
              : {}),
          };
        }
        return request.reader.decideReferral(
          request.params.personId,
          request.params.referralId.toLowerCase(),
          Number(b.baseVersion),
          decision,
        );
      }),
  );

  app.post<ReferralP & { Body: { baseVersion: string; outcome?: string } }>(
    "/people/:personId/referrals/:referralId/follow-up",
    { schema: { params: referralParams, body: followUpForm } },
    (request, reply) =>
      referralChange(request, reply, () =>
        request.reader.recordReferralFollowUp(
          request.params.personId,
          request.params.referralId.toLowerCase(),
          Number(request.body.baseVersion),
          request.body.outcome ?? "",
        ),
      ),
  );
}

export async function careRoutes(app: FastifyInstance): Promise<void> {
  await carePlanRoutes(app);
  await referralRoutes(app);
  app.get("/care/worklist", async (request, reply) =>
    reply
      .header("cache-control", "no-store")
      .view("care-worklist.njk", worklistContext(await request.reader.careWorklist())),
  );

  app.get("/care/services", async (request, reply) =>
    reply.view("care-services.njk", servicesContext(await request.reader.careServices())),
  );
}
