// A user's admission notifications: what was delivered to them, unread first, and marking them read. Only the
// delivery rows of the user asking are ever read here; which of the people named the user may see is the
// governed reader's decision (src/governance/reader-notifications.ts), made before any of this is shown.
import { prepared, type Queryable } from "../store/index.ts";
import type { NotificationReason } from "./notifier.ts";

export interface DeliveredNotification {
  notificationId: string;
  personId: string;
  spellId: string;
  admittedAt: Date;
  /** The admitting hospital: its code, and its name when the organisation is known. */
  providerCode: string;
  providerName: string | null;
  /** Still in hospital, as the spell stands now. */
  dischargedAt: Date | null;
  teamCode: string;
  teamName: string;
  reasons: NotificationReason[];
  deliveredAt: Date;
  readAt: Date | null;
}

export interface DeliveryPage {
  total: number;
  unread: number;
  items: DeliveredNotification[];
}

type DeliveryRow = {
  notification_id: string;
  person_id: string;
  spell_id: string;
  admitted_at: Date;
  provider_code: string;
  provider_name: string | null;
  discharged_at: Date | null;
  team_code: string;
  team_name: string;
  reasons: NotificationReason[];
  delivered_at: Date;
  read_at: Date | null;
};

// Every practice and caseload home page reads them: prepared (planned once per connection, not per page). The
// counts and the page in one statement, so one snapshot: read apart, a notification delivered between the two
// was listed on a page whose title counted it not (or counted and not listed).
const deliveriesSql = (unreadOnly: boolean) =>
  prepared(
    unreadOnly ? "care.notifications.unread" : "care.notifications.page",
    `WITH counts AS (
       SELECT count(*)::int AS total, count(*) FILTER (WHERE read_at IS NULL)::int AS unread
         FROM admission_notification_delivery WHERE user_id = $1
     ), page AS (
       SELECT d.notification_id, d.person_id, d.spell_id, n.admitted_at, n.provider_code, o.name AS provider_name,
         h.discharged_at, t.team_code, t.name AS team_name, n.reasons, d.delivered_at, d.read_at
       FROM admission_notification_delivery d
       JOIN admission_notification n ON n.person_id = d.person_id AND n.notification_id = d.notification_id
       JOIN team t ON t.team_id = n.team_id
       LEFT JOIN organisation o ON o.org_code = n.provider_code
       LEFT JOIN hospital_spell h ON h.person_id = d.person_id AND h.spell_id = d.spell_id
       WHERE d.user_id = $1 ${unreadOnly ? "AND d.read_at IS NULL" : ""}
       ORDER BY (d.read_at IS NULL) DESC, d.delivered_at DESC, n.admitted_at DESC, d.notification_id
       LIMIT $2 OFFSET $3
     )
     SELECT counts.total, counts.unread, page.*
       FROM counts LEFT JOIN page ON true
      ORDER BY (page.read_at IS NULL) DESC, page.delivered_at DESC, page.admitted_at DESC, page.notification_id`,
  );
const DELIVERIES_SQL = { unread: deliveriesSql(true), all: deliveriesSql(false) };

/** One page of a user's deliveries, unread first, newest first within each; with the user's totals. */
export async function readDeliveries(
  q: Queryable,
  userId: string,
  page: { limit: number; offset: number; unreadOnly?: boolean },
): Promise<DeliveryPage> {
  const rows = await q.query<DeliveryRow & { total: number; unread: number }>(
    page.unreadOnly ? DELIVERIES_SQL.unread : DELIVERIES_SQL.all,
    [userId, page.limit, page.offset],
  );
  return {
    total: rows[0].total,
    unread: rows[0].unread,
    // No delivery on the page: the one row carries the counts alone.
    items: rows
      .filter((r) => r.notification_id !== null)
      .map((r) => ({
        notificationId: r.notification_id,
        personId: r.person_id,
        spellId: r.spell_id,
        admittedAt: r.admitted_at,
        providerCode: r.provider_code,
        providerName: r.provider_name,
        dischargedAt: r.discharged_at,
        teamCode: r.team_code,
        teamName: r.team_name,
        reasons: r.reasons,
        deliveredAt: r.delivered_at,
        readAt: r.read_at,
      })),
  };
}

/**
 * Marks one of the user's notifications read (already read: unchanged). Returns the person it was about, or
 * null when the user was never sent it.
 */
export async function markDeliveryRead(
  q: Queryable,
  userId: string,
  notificationId: string,
  at: Date = new Date(),
): Promise<{ personId: string } | null> {
  const rows = await q.query<{ person_id: string }>(
    `UPDATE admission_notification_delivery SET read_at = coalesce(read_at, $3::timestamptz)
     WHERE notification_id = $1 AND user_id = $2 RETURNING person_id`,
    [notificationId, userId, at.toISOString()],
  );
  return rows[0] ? { personId: rows[0].person_id } : null;
}

/** Marks every unread notification of the user read; returns how many. */
export async function markAllDeliveriesRead(
  q: Queryable,
  userId: string,
  at: Date = new Date(),
): Promise<number> {
  const rows = await q.query<{ n: number }>(
    `WITH u AS (UPDATE admission_notification_delivery SET read_at = $2::timestamptz
       WHERE user_id = $1 AND read_at IS NULL RETURNING 1)
     SELECT count(*)::int AS n FROM u`,
    [userId, at.toISOString()],
  );
  return rows[0].n;
}
