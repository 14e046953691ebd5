// The reader's admission notifications: a user's own inbox of "this person was admitted" messages. The
// deliveries are the user's own; the people they name are personal data, so every page of them goes through
// the base's person-by-person filter ("list"), which writes the audit row before anything about a person is
// shown. People the user may not see (a sharing objection, a relationship that has ended) are counted, never
// named. Marking read touches only the user's own delivery rows.
import {
  type DeliveredNotification,
  type DeliveryPage,
  markAllDeliveriesRead,
  markDeliveryRead,
  readDeliveries,
} from "../care/index.ts";
import { notFound } from "../core/errors.ts";
import type { PersonSummary } from "./person-reads.ts";
import type { ReaderBase } from "./reader-base.ts";
import type { Disclosure } from "./types.ts";

/** One notification as shown: the delivery with the person it is about, as the access filter disclosed them. */
export interface NotificationView extends DeliveredNotification {
  person: PersonSummary & { disclosure: Disclosure | null };
}

export interface NotificationsPage {
  /** All the user's notifications, and those not yet read (people withheld included). */
  total: number;
  unread: number;
  /** This page's notifications about people the user may see. */
  items: NotificationView[];
  /** This page's notifications about people the user may not see now: counted, not named. */
  withheld: number;
}

export interface NotificationsReads {
  /** The signed-in user's admission notifications, unread first, a page at a time ("list", audited). */
  notifications(page?: { limit?: number; offset?: number; unreadOnly?: boolean }): Promise<NotificationsPage>;
  /** Marks one of the user's own notifications read; not found if it was never sent to them. */
  markNotificationRead(notificationId: string): Promise<void>;
  /** Marks all the user's notifications read; returns how many were unread. */
  markAllNotificationsRead(): Promise<number>;
}

/** A page of deliveries with the people the access filter disclosed; the others counted, not named. */
export function notificationsPage(
  delivered: DeliveryPage,
  disclosed: readonly (PersonSummary & { disclosure: Disclosure | null })[],
): NotificationsPage {
  const byId = new Map(disclosed.map((p) => [p.personId, p]));
  const items: NotificationView[] = [];
  let withheld = 0;
  for (const n of delivered.items) {
    const person = byId.get(n.personId);
    if (person) items.push({ ...n, person });
    else withheld++;
  }
  return { total: delivered.total, unread: delivered.unread, items, withheld };
}

export function notificationsReads(base: ReaderBase): NotificationsReads {
  const { db, identity, filtered } = base;
  const userId = identity.user.userId;
  return {
    async notifications(page = {}) {
      const limit = Math.min(Math.max(page.limit ?? 25, 1), 100);
      const offset = Math.max(page.offset ?? 0, 0);
      const delivered = await readDeliveries(db, userId, { limit, offset, unreadOnly: page.unreadOnly });
      if (delivered.items.length === 0) {
        return { total: delivered.total, unread: delivered.unread, items: [], withheld: 0 };
      }
      const ids = [...new Set(delivered.items.map((n) => n.personId))];
      const seen = await filtered(ids, "list");
      return notificationsPage(delivered, seen.people);
    },
    async markNotificationRead(notificationId) {
      const marked = await markDeliveryRead(db, userId, notificationId);
      if (!marked) {
        throw notFound("care.no-such-notification", "There is no such notification for you.", {
          hint: "Open your notifications to see the ones sent to you.",
        });
      }
    },
    markAllNotificationsRead: () => markAllDeliveriesRead(db, userId),
  };
}
