// No unknown patients: the signed-in user's admission notifications, as a page (unread first, mark read, with
// JavaScript off) and as JSON for a session or a bearer token. Everything comes through request.reader, which
// names only the people the user may see now and audits the list.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { csrfTokenFor } from "../../governance/index.ts";
import {
  NOTIFICATIONS_PAGE_SIZE,
  type NotificationsPage,
  notificationsContext,
} from "../views/notifications.context.ts";
import { closedObject, csrfField, UUID_PATTERN } from "./schemas.ts";

const pageQuery = closedObject({ page: { type: "integer", minimum: 1, maximum: 100_000 } });
const apiQuery = closedObject({
  unread: { type: "boolean" },
  limit: { type: "integer", minimum: 1, maximum: 100 },
  offset: { type: "integer", minimum: 0, maximum: 10_000_000 },
});
const idParams = closedObject({ notificationId: { type: "string", pattern: UUID_PATTERN } }, [
  "notificationId",
]);
const readBody = closedObject({ ...csrfField, page: { type: "string", pattern: "^[0-9]{1,6}$" } });

type ReadBody = { _csrf?: string; page?: string };

/** A form in a browser is sent back to the page it came from; a script gets JSON. */
function answer(request: FastifyRequest<{ Body?: ReadBody }>, reply: FastifyReply, json: object) {
  if (/text\/html/.test(String(request.headers.accept ?? ""))) {
    const page = request.body?.page;
    return reply.redirect(page && page !== "1" ? `/notifications?page=${page}` : "/notifications", 303);
  }
  return reply.send(json);
}

function apiJson(page: NotificationsPage, limit: number, offset: number) {
  return {
    total: page.total,
    unread: page.unread,
    withheld: page.withheld,
    limit,
    offset,
    notifications: page.items.map((n) => ({
      notificationId: n.notificationId,
      person: {
        personId: n.personId,
        nhsNumber: n.person.nhsNumber,
        name: n.person.name,
        birthDate: n.person.birthDate,
        disclosure: n.person.disclosure,
      },
      admission: {
        spellId: n.spellId,
        admittedAt: n.admittedAt.toISOString(),
        providerCode: n.providerCode,
        providerName: n.providerName,
        dischargedAt: n.dischargedAt?.toISOString() ?? null,
      },
      team: { teamCode: n.teamCode, name: n.teamName },
      reasons: n.reasons,
      deliveredAt: n.deliveredAt.toISOString(),
      readAt: n.readAt?.toISOString() ?? null,
    })),
  };
}

export async function notificationsRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { page?: number } }>(
    "/notifications",
    { schema: { querystring: pageQuery } },
    async (request, reply) => {
      const pageNumber = request.query.page ?? 1;
      const page = await request.reader.notifications({
        limit: NOTIFICATIONS_PAGE_SIZE,
        offset: (pageNumber - 1) * NOTIFICATIONS_PAGE_SIZE,
      });
      const last = Math.max(1, Math.ceil(page.total / NOTIFICATIONS_PAGE_SIZE));
      if (pageNumber > last) {
        // Past the end (read and paged on, or a stale link): the last page there is.
        return reply.redirect(last === 1 ? "/notifications" : `/notifications?page=${last}`, 303);
      }
      const csrf = request.sessionToken ? csrfTokenFor(request.sessionToken) : null;
      return reply.view("notifications.njk", notificationsContext(page, { pageNumber, csrf }));
    },
  );

  app.post<{ Params: { notificationId: string }; Body?: ReadBody }>(
    "/notifications/:notificationId/read",
    { schema: { params: idParams, body: readBody } },
    async (request, reply) => {
      await request.reader.markNotificationRead(request.params.notificationId.toLowerCase());
      return answer(request, reply, { notificationId: request.params.notificationId, read: true });
    },
  );

  app.post<{ Body?: ReadBody }>(
    "/notifications/read-all",
    { schema: { body: readBody } },
    async (request, reply) => {
      const marked = await request.reader.markAllNotificationsRead();
      return answer(request, reply, { marked });
    },
  );

  app.get<{ Querystring: { unread?: boolean; limit?: number; offset?: number } }>(
    "/api/me/notifications",
    { schema: { querystring: apiQuery } },
    async (request) => {
      const limit = request.query.limit ?? 25;
      const offset = request.query.offset ?? 0;
      const page = await request.reader.notifications({ limit, offset, unreadOnly: request.query.unread });
      return apiJson(page, limit, offset);
    },
  );
}
