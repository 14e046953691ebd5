// The notifications page and the home page's panel, from the reader's page of notifications. Shared by the
// route, the fixtures and (through the integrator's wiring) the home page.
import { londonDateTime } from "../../core/dates.ts";
import { formatNhsNumber } from "../../core/nhs-number.ts";
import type { GovernedReader } from "../../governance/index.ts";
import { previousNext } from "./pagination.ts";

export type NotificationsPage = Awaited<ReturnType<GovernedReader["notifications"]>>;
type Notification = NotificationsPage["items"][number];

/** How many notifications a page of /notifications shows. */
export const NOTIFICATIONS_PAGE_SIZE = 25;

const WHY: Record<string, string> = {
  "registered-practice": "registered with your practice",
  "lead-professional": "you lead their joint care plan",
  "care-team": "your team is in their care team",
  caseload: "on your caseload",
};

function nameOf(n: Notification): string {
  const { given, family } = n.person.name;
  const name = [given, family].filter(Boolean).join(" ");
  return name || "Name not recorded";
}

function admissionText(n: Notification): string {
  const where = n.providerName ?? n.providerCode;
  const stay = n.dischargedAt ? `discharged ${londonDateTime(n.dischargedAt)}` : "still in hospital";
  return `Emergency admission to ${where}, ${londonDateTime(n.admittedAt)} (${stay})`;
}

function whyText(n: Notification): string {
  const words = n.reasons.map((r) => WHY[r] ?? r);
  const text = words.join("; ");
  return `${text.charAt(0).toUpperCase()}${text.slice(1)} (${n.teamName})`;
}

export interface NotificationRow {
  notificationId: string;
  href: string;
  name: string;
  nhsNumber: string;
  admission: string;
  why: string;
  delivered: string;
  unread: boolean;
  readAction: string;
}

/** 3-3-4 when the number is valid; as stored otherwise (a page never fails on a bad number). */
function nhsNumberText(nhsNumber: string | null): string {
  if (!nhsNumber) return "not known";
  try {
    return formatNhsNumber(nhsNumber);
  } catch {
    return nhsNumber;
  }
}

function rowOf(n: Notification): NotificationRow {
  return {
    notificationId: n.notificationId,
    href: `/people/${n.personId}`,
    name: nameOf(n),
    nhsNumber: nhsNumberText(n.person.nhsNumber),
    admission: admissionText(n),
    why: whyText(n),
    delivered: londonDateTime(n.deliveredAt),
    unread: n.readAt === null,
    readAction: `/notifications/${n.notificationId}/read`,
  };
}

/** The /notifications page: this page's rows, the totals, and previous/next links. */
export function notificationsContext(
  page: NotificationsPage,
  options: { pageNumber: number; csrf: string | null; pageSize?: number },
) {
  const pageSize = options.pageSize ?? NOTIFICATIONS_PAGE_SIZE;
  const pages = Math.max(1, Math.ceil(page.total / pageSize));
  const n = Math.min(Math.max(options.pageNumber, 1), pages);
  const link = (p: number) => (p === 1 ? "/notifications" : `/notifications?page=${p}`);
  return {
    title: page.unread > 0 ? `Notifications (${page.unread} unread)` : "Notifications",
    breadcrumbs: [{ href: "/", text: "Home" }],
    total: page.total,
    unread: page.unread,
    withheld: page.withheld,
    rows: page.items.map(rowOf),
    pageNumber: n,
    pages,
    pagination:
      pages > 1 ? previousNext(n, pages, link, (p) => (p < n ? "Previous page" : "Next page")) : null,
    markAllAction: "/notifications/read-all",
    pageField: n > 1 ? String(n) : null,
    csrf: options.csrf,
  };
}

/** The home page's panel (`notifications` in the home context): the newest unread, and the counts. */
export function notificationsPanelContext(page: NotificationsPage) {
  return {
    unread: page.unread,
    total: page.total,
    withheld: page.withheld,
    href: "/notifications",
    items: page.items.map((n) => {
      const row = rowOf(n);
      return { href: row.href, name: row.name, nhsNumber: row.nhsNumber, admission: row.admission };
    }),
  };
}
