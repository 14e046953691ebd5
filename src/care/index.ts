// Care coordination: who cares for a person (caseloads, care teams, referrals: 0300) and no unknown patients
// (admission notifications to those teams: 0860). Imported only through this file.
export {
  type DeliveredNotification,
  type DeliveryPage,
  markAllDeliveriesRead,
  markDeliveryRead,
  readDeliveries,
} from "./notifications.ts";
export {
  type AdmissionNotifier,
  drainAdmissionQueue,
  LEAD_PROFESSIONAL_ROLES,
  NOTIFICATION_REASONS,
  type NoticeBatchResult,
  type NotificationReason,
  notifyAdmissions,
  startAdmissionNotifier,
} from "./notifier.ts";
