// The home page by role: what this user needs now, through the reader's homePage() (reader-home.ts), which
// decides every person on the page at once and writes one audit row naming those it shows. Signed out, `/`
// sends a browser to sign in; what is loaded stays public at /status.
import type { FastifyInstance } from "fastify";
import { homeContext, worklistPanel } from "../views/home.context.ts";
import { notificationsPanelContext } from "../views/notifications.context.ts";

export async function homeRoutes(app: FastifyInstance): Promise<void> {
  app.get("/", async (request, reply) => {
    const identity = request.identity;
    if (!identity) throw new Error("route reached without an identity");
    const { role, team } = identity.roleAssignment;
    // Direct-care roles see their worklist's counts (plan actions, reviews, referral steps); the practice and
    // caseload homes, of people told of admissions, their unread notifications.
    const page = await request.reader.homePage({
      notifications: true,
      worklist: role.accessBasis === "relationship" && identity.purpose === "direct-care",
    });
    return reply
      .header("cache-control", "no-store")
      .view(
        "home.njk",
        homeContext(
          { displayName: identity.user.displayName, roleName: role.name, teamName: team.name },
          page.home,
          page.notifications ? notificationsPanelContext(page.notifications) : undefined,
          page.worklist ? worklistPanel(page.worklist) : undefined,
        ),
      );
  });
}
