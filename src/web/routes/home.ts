// The home page by role: what this user needs now, through the reader's home() (reader-home.ts), which
// decides and audits. Signed out, `/` sends a browser to sign in; what is loaded stays public at /status.
import type { FastifyInstance } from "fastify";
import { homeContext, worklistPanel } from "../views/home.context.ts";
import { notificationsPanelContext } from "../views/notifications.context.ts";

/** The homes of people told of admissions (practice and caseload roles) show their unread notifications. */
const NOTIFIED_HOMES = new Set(["practice", "caseload"]);

export async function homeRoutes(app: FastifyInstance): Promise<void> {
  app.get("/", async (request, reply) => {
    const identity = request.identity;
    if (!identity) throw new Error("route reached without an identity");
    const data = await request.reader.home();
    const notifications = NOTIFIED_HOMES.has(data.kind)
      ? notificationsPanelContext(await request.reader.notifications({ limit: 5, unreadOnly: true }))
      : undefined;
    const { role, team } = identity.roleAssignment;
    // Direct-care roles see their worklist's overdue items (plan actions, reviews, referral steps).
    const worklist =
      role.accessBasis === "relationship" && identity.purpose === "direct-care"
        ? worklistPanel(await request.reader.careWorklist())
        : undefined;
    return reply
      .header("cache-control", "no-store")
      .view(
        "home.njk",
        homeContext(
          { displayName: identity.user.displayName, roleName: role.name, teamName: team.name },
          data,
          notifications,
          worklist,
        ),
      );
  });
}
