// The integration engineer's back office: the MPI review queue and its decisions, a person's MPI history with
// merge and unmerge, rejected messages (payload, replay, dismiss) and feed health. Every read and every
// change goes through request.reader (reader-backoffice.ts), which refuses other roles and audits. Forms post
// with the CSRF field and answer with a redirect (post/redirect/get), or the page again with its errors.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { isOnePlaceError } from "../../core/errors.ts";
import { csrfTokenFor } from "../../governance/index.ts";
import { PER_PAGE } from "../views/backoffice-format.ts";
import { feedsContext } from "../views/feeds.context.ts";
import { mpiHistoryContext } from "../views/mpi-history.context.ts";
import { mpiReviewContext } from "../views/mpi-review.context.ts";
import { mpiReviewItemContext } from "../views/mpi-review-item.context.ts";
import { rejectContext } from "../views/reject.context.ts";
import { type RejectQuery, rejectsContext } from "../views/rejects.context.ts";
import { closedObject, csrfField, UUID_PATTERN } from "./schemas.ts";

const uuid = { type: "string", pattern: UUID_PATTERN } as const;
const page = { type: "integer", minimum: 1, maximum: 100_000 } as const;
const reasonField = { type: "string", maxLength: 2_000 } as const;

const itemParams = closedObject({ itemId: uuid }, ["itemId"]);
const personParams = closedObject({ personId: uuid }, ["personId"]);
const rejectParams = closedObject({ rejectId: uuid }, ["rejectId"]);

type Item = { Params: { itemId: string } };
type Person = { Params: { personId: string } };
type Reject = { Params: { rejectId: string } };

/** The CSRF token a page's forms carry: only a session has one (a bearer token needs none). */
function csrfOf(request: FastifyRequest): string {
  return request.sessionToken ? csrfTokenFor(request.sessionToken) : "";
}

/** A notice as a sentence: a capital first letter and a full stop. */
function sentence(text: string): string {
  const t = text.charAt(0).toUpperCase() + text.slice(1);
  return t.endsWith(".") ? t : `${t}.`;
}

/** A OnePlaceError a person can correct on the form (bad input, or already decided), else null. */
function formError(error: unknown): { message: string; status: number; code: string } | null {
  if (!isOnePlaceError(error) || (error.kind !== "invalid" && error.kind !== "conflict")) return null;
  return { message: error.message, status: error.kind === "invalid" ? 400 : 409, code: error.code };
}

export async function backofficeRoutes(app: FastifyInstance): Promise<void> {
  await app.register(mpiRoutes);
  await app.register(rejectRoutes);
  app.get("/feeds", { schema: { querystring: closedObject({}) } }, async (request, reply) => {
    const { asOf, feeds } = await request.reader.feedHealth();
    return reply.view("feeds.njk", feedsContext(feeds, new Date(asOf)));
  });
}

/** The review queue, an item side by side and its decision; a person's history, merge and unmerge. */
async function mpiRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { page?: number; decided?: string } }>(
    "/mpi/review",
    {
      schema: {
        querystring: closedObject({ page, decided: { type: "string", enum: ["link", "separate"] } }),
      },
    },
    async (request, reply) => {
      const p = request.query.page ?? 1;
      const queue = await request.reader.reviewQueue({ limit: PER_PAGE, offset: (p - 1) * PER_PAGE });
      return reply.view("mpi-review.njk", mpiReviewContext(queue, p, new Date(), request.query.decided));
    },
  );

  app.get<Item>("/mpi/review/:itemId", { schema: { params: itemParams } }, async (request, reply) => {
    const comparison = await request.reader.reviewItem(request.params.itemId);
    return reply.view("mpi-review-item.njk", mpiReviewItemContext(comparison, csrfOf(request)));
  });

  app.post<Item & { Body: { verdict?: string; reason?: string; candidate?: string } }>(
    "/mpi/review/:itemId",
    {
      schema: {
        params: itemParams,
        body: closedObject({
          verdict: { type: "string", maxLength: 20 },
          reason: reasonField,
          candidate: uuid,
          ...csrfField,
        }),
      },
    },
    async (request, reply) => {
      const { itemId } = request.params;
      const { verdict = "", reason = "", candidate } = request.body;
      const again = async (status: number, errors: { verdict?: string; reason?: string; other?: string }) => {
        const comparison = await request.reader.reviewItem(itemId);
        return reply
          .status(status)
          .view(
            "mpi-review-item.njk",
            mpiReviewItemContext(comparison, csrfOf(request), { verdict, reason, errors }),
          );
      };
      const errors: { verdict?: string; reason?: string } = {};
      if (verdict !== "link" && verdict !== "separate") {
        errors.verdict = "Select whether they are the same person";
      }
      if (reason.trim().length < 5)
        errors.reason = "Enter the reason for the decision (at least 5 characters)";
      if (errors.verdict || errors.reason) return again(400, errors);
      let event: { outcome: string; notice?: string } | undefined;
      try {
        ({ event } = await request.reader.decideReview(
          itemId,
          verdict as "link" | "separate",
          reason,
          candidate,
        ));
      } catch (error) {
        const problem = formError(error);
        if (!problem) throw error;
        return again(
          problem.status,
          problem.code.endsWith("reason") ? { reason: problem.message } : { other: problem.message },
        );
      }
      // What the feed asked changed since the item was queued: the candidate is another person now (the item
      // stays open, to compare again), or it no longer applies (the item closed, its page says why).
      if (event?.outcome === "kept") return again(409, { other: sentence(event.notice ?? "") });
      if (event?.outcome === "closed") return reply.redirect(`/mpi/review/${itemId}`, 303);
      return reply.redirect(`/mpi/review?decided=${verdict}`, 303);
    },
  );

  app.get<Person & { Querystring: { done?: string } }>(
    "/mpi/people/:personId/history",
    {
      schema: {
        params: personParams,
        querystring: closedObject({ done: { type: "string", enum: ["merged", "unmerged"] } }),
      },
    },
    async (request, reply) => {
      const history = await request.reader.mpiHistory(request.params.personId);
      return reply.view(
        "mpi-history.njk",
        mpiHistoryContext(history, csrfOf(request), { done: request.query.done }),
      );
    },
  );

  app.post<Person & { Body: { retired?: string; reason?: string } }>(
    "/mpi/people/:personId/merge",
    {
      schema: {
        params: personParams,
        body: closedObject({
          retired: { type: "string", maxLength: 100 },
          reason: reasonField,
          ...csrfField,
        }),
      },
    },
    async (request, reply) => {
      const { personId } = request.params;
      const retired = (request.body.retired ?? "").trim();
      const reason = request.body.reason ?? "";
      const again = async (status: number, errors: { retired?: string; reason?: string }) =>
        reply.status(status).view(
          "mpi-history.njk",
          mpiHistoryContext(await request.reader.mpiHistory(personId), csrfOf(request), {
            merge: { retired, reason, errors },
          }),
        );
      const errors: { retired?: string; reason?: string } = {};
      if (!new RegExp(UUID_PATTERN).test(retired)) {
        errors.retired = "Enter the other person's id, like 3f2c9a4e-1b7d-4c8e-9a01-5d6e7f809a1b";
      }
      if (reason.trim().length < 5) errors.reason = "Enter the reason for the merge (at least 5 characters)";
      if (errors.retired || errors.reason) return again(400, errors);
      try {
        await request.reader.mergePeople(personId, retired, reason);
      } catch (error) {
        const problem = formError(error);
        if (!problem && !(isOnePlaceError(error) && error.kind === "not-found")) throw error;
        const message = problem?.message ?? (error as Error).message;
        return again(
          problem?.status ?? 404,
          message.includes("reason") ? { reason: message } : { retired: message },
        );
      }
      return reply.redirect(`/mpi/people/${personId}/history?done=merged`, 303);
    },
  );

  app.post<Person & { Body: { mergeId: string; reason?: string } }>(
    "/mpi/people/:personId/unmerge",
    {
      schema: {
        params: personParams,
        body: closedObject({ mergeId: uuid, reason: reasonField, ...csrfField }, ["mergeId"]),
      },
    },
    async (request, reply) => {
      const { personId } = request.params;
      const { mergeId } = request.body;
      const reason = request.body.reason ?? "";
      const again = async (status: number, error: string) =>
        reply.status(status).view(
          "mpi-history.njk",
          mpiHistoryContext(await request.reader.mpiHistory(personId), csrfOf(request), {
            unmerge: { mergeId, reason, error },
          }),
        );
      if (reason.trim().length < 5)
        return again(400, "Enter why you are undoing the merge (at least 5 characters)");
      try {
        await request.reader.unmergePeople(personId, mergeId, reason);
      } catch (error) {
        const problem = formError(error);
        if (!problem) throw error;
        return again(problem.status, problem.message);
      }
      return reply.redirect(`/mpi/people/${personId}/history?done=unmerged`, 303);
    },
  );
}

/** Rejected messages: the list, one with its payload, replay and dismiss. */
async function rejectRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: RejectQuery }>(
    "/rejects",
    {
      schema: {
        querystring: closedObject({
          source: { type: "string", maxLength: 100 },
          status: { type: "string", enum: ["open", "replayed", "dismissed", "all"] },
          reason: { type: "string", maxLength: 200 },
          page,
          accepted: { type: "integer", minimum: 0 },
          of: { type: "integer", minimum: 0 },
        }),
      },
    },
    async (request, reply) => {
      const q = request.query;
      const p = q.page ?? 1;
      const list = await request.reader.rejects({
        sourceSystem: q.source || undefined,
        status: q.status ?? "open",
        reason: q.reason || undefined,
        limit: PER_PAGE,
        offset: (p - 1) * PER_PAGE,
      });
      return reply.view("rejects.njk", rejectsContext(list, q, new Date(), csrfOf(request)));
    },
  );

  // Every open reject the list's filters match, after a fix (the missing records loaded, a code mapped): a late
  // patient file leaves tens of thousands, one replay rather than one a page.
  app.post<{ Body: { source?: string; reason?: string } }>(
    "/rejects/replay",
    {
      schema: {
        body: closedObject({
          source: { type: "string", maxLength: 100 },
          reason: { type: "string", maxLength: 200 },
          ...csrfField,
        }),
      },
    },
    async (request, reply) => {
      const source = request.body.source || undefined;
      const reason = request.body.reason?.trim() || undefined;
      const done = await request.reader.replayOpenRejects({ sourceSystem: source, reason });
      const query = new URLSearchParams();
      if (source) query.set("source", source);
      if (reason) query.set("reason", reason);
      query.set("accepted", String(done.accepted));
      query.set("of", String(done.offered));
      return reply.redirect(`/rejects?${query}`, 303);
    },
  );

  app.get<Reject & { Querystring: { replayed?: "accepted" | "rejected"; dismissed?: string } }>(
    "/rejects/:rejectId",
    {
      schema: {
        params: rejectParams,
        querystring: closedObject({
          replayed: { type: "string", enum: ["accepted", "rejected"] },
          dismissed: { type: "string", enum: ["1"] },
        }),
      },
    },
    async (request, reply) => {
      const reject = await request.reader.reject(request.params.rejectId);
      return reply.view(
        "reject.njk",
        rejectContext(reject, csrfOf(request), {
          replayed: request.query.replayed,
          dismissed: request.query.dismissed === "1",
        }),
      );
    },
  );

  app.post<Reject>(
    "/rejects/:rejectId/replay",
    { schema: { params: rejectParams, body: closedObject({ ...csrfField }) } },
    async (request, reply) => {
      const { rejectId } = request.params;
      const result = await request.reader.replayReject(rejectId);
      return reply.redirect(
        `/rejects/${rejectId}?replayed=${result.accepted ? "accepted" : "rejected"}`,
        303,
      );
    },
  );

  app.post<Reject & { Body: { reason?: string } }>(
    "/rejects/:rejectId/dismiss",
    { schema: { params: rejectParams, body: closedObject({ reason: reasonField, ...csrfField }) } },
    async (request, reply) => {
      const { rejectId } = request.params;
      const reason = request.body.reason ?? "";
      const again = async (status: number, error: string) =>
        reply.status(status).view(
          "reject.njk",
          rejectContext(await request.reader.reject(rejectId), csrfOf(request), {
            dismiss: { reason, error },
          }),
        );
      if (reason.trim().length < 5)
        return again(400, "Enter why you are dismissing it (at least 5 characters)");
      try {
        await request.reader.dismissReject(rejectId, reason);
      } catch (error) {
        const problem = formError(error);
        if (!problem) throw error;
        return again(problem.status, problem.message);
      }
      return reply.redirect(`/rejects/${rejectId}?dismissed=1`, 303);
    },
  );
}
