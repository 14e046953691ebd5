// Example contexts for notifications.njk: none yet, a full page with unread and read ones and some withheld,
// only withheld people, and a later page.
import type { ViewFixture } from "./fixtures.ts";
import { type NotificationsPage, notificationsContext } from "./notifications.context.ts";

const person = (n: number, given: string, family: string) => ({
  personId: `00000000-0000-4000-8000-00000000000${n}`,
  nhsNumber: ["9990000018", "9990000026", "9990000034"][n - 1],
  name: { given, family },
  birthDate: "1938-02-14",
  disclosure: "identifiable" as const,
});

function item(n: number, given: string, family: string, read: boolean, discharged = false) {
  return {
    notificationId: `10000000-0000-4000-8000-00000000000${n}`,
    personId: `00000000-0000-4000-8000-00000000000${n}`,
    spellId: `20000000-0000-4000-8000-00000000000${n}`,
    admittedAt: new Date(`2026-12-0${n}T09:15:00Z`),
    providerCode: "ZZA01",
    providerName: n === 3 ? null : "Synthetic acute trust",
    dischargedAt: discharged ? new Date(`2026-12-0${n + 1}T16:00:00Z`) : null,
    teamCode: "riverside-practice",
    teamName: "Riverside practice",
    reasons: (n === 1
      ? ["lead-professional", "registered-practice"]
      : ["care-team"]) as NotificationsPage["items"][number]["reasons"],
    deliveredAt: new Date(`2026-12-0${n}T09:16:00Z`),
    readAt: read ? new Date(`2026-12-0${n}T12:00:00Z`) : null,
    person: person(n, given, family),
  };
}

const empty: NotificationsPage = { total: 0, unread: 0, items: [], withheld: 0 };
const full: NotificationsPage = {
  total: 4,
  unread: 2,
  items: [
    item(1, "Ada", "Lovelace", false),
    item(2, "Grace", "O'Hopper <b>", false),
    item(3, "Mary", "Seacole", true, true),
  ],
  withheld: 1,
};
const onlyWithheld: NotificationsPage = { total: 2, unread: 1, items: [], withheld: 2 };

export const fixtures: ViewFixture[] = [
  { name: "no notifications", context: notificationsContext(empty, { pageNumber: 1, csrf: "fixture-csrf" }) },
  {
    name: "unread first, read after, one withheld",
    context: notificationsContext(full, { pageNumber: 1, csrf: "fixture-csrf" }),
  },
  {
    name: "only people the user may not see now",
    context: notificationsContext(onlyWithheld, { pageNumber: 1, csrf: "fixture-csrf" }),
  },
  {
    name: "the second of three pages",
    context: notificationsContext({ ...full, total: 60 }, { pageNumber: 2, csrf: "fixture-csrf" }),
  },
];
