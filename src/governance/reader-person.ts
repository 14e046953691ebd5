// The governed reads behind a person's single view: one decision and one audit row per page, then the
// banner and that page's facts. What a decision discloses is honoured here, not in the face: with
// "demographics" (an integration engineer) the banner keeps only identity and death, and the clinical
// record is never read.
import { notFound } from "../core/errors.ts";
import {
  type CareTeamEntry,
  type PersonBannerFacts,
  type PersonSummaryFacts,
  readBanner,
  readCareTeam,
  readSourceRecords,
  readSummaryFacts,
  readTimelinePage,
  type SourceRecord,
  type TimelinePage,
  type TimelineQuery,
} from "./person-view.ts";
import type { ReaderBase } from "./reader-base.ts";
import { londonDate } from "./relationship-facts.ts";
import type { AccessDecision, Disclosure, Relationship } from "./types.ts";

/** What every person page carries: the banner, and the decision that let the user see it. */
export interface PersonPageBase {
  banner: PersonBannerFacts;
  disclosure: Disclosure | null;
  relationship: Relationship | null;
  /** The break-glass grant this page was opened under, if any (flagged to the IG officer). */
  breakGlassId: string | null;
  /** The day (in England) the page describes the person on. */
  today: string;
}

export interface PersonReads {
  /** The banner alone ("view"), for any page about one person (sharing, notes...): identity, practice, alerts. */
  personBanner(personId: string): Promise<PersonPageBase>;
  /** The Summary tab ("view"): the banner and, for the identifiable record, risk, eFI, medicines, care. */
  personSummary(personId: string): Promise<PersonPageBase & { summary: PersonSummaryFacts | null }>;
  /** A filtered page of the Timeline tab, newest first; needs the identifiable record ("view"). */
  personTimelinePage(
    personId: string,
    query: TimelineQuery,
  ): Promise<PersonPageBase & { timeline: TimelinePage }>;
  /** The Care team tab: who has a relationship and why; needs the identifiable record ("view"). */
  personCareTeam(personId: string): Promise<PersonPageBase & { careTeam: CareTeamEntry[] }>;
  /** The Records tab: each source system's record as it holds the person's demographics ("view"). */
  personSourceRecords(personId: string): Promise<PersonPageBase & { records: SourceRecord[] }>;
}

export function personReads(base: ReaderBase): PersonReads {
  const { db, ctx, allowed } = base;
  const today = () => londonDate(ctx.now?.() ?? new Date());

  /**
   * One decision (and its audit row), then the banner and the page's own facts read side by side. `read` is
   * given the person id and the day, and whether the decision disclosed the identifiable record.
   */
  async function open<T>(
    personId: string,
    requires: "identifiable" | undefined,
    read: (id: string, day: string, identifiable: boolean) => Promise<T>,
  ): Promise<PersonPageBase & { facts: T }> {
    const decision: AccessDecision = await allowed(personId, requires);
    const day = today();
    const id = personId.toLowerCase();
    const identifiable = decision.disclosure === "identifiable";
    const [banner, facts] = await Promise.all([readBanner(db, id, day), read(id, day, identifiable)]);
    if (!banner) throw notFound("governance.no-such-person", "There is no such person.");
    return {
      banner: identifiable ? banner : demographicsOnly(banner),
      disclosure: decision.disclosure,
      relationship: decision.relationship,
      breakGlassId: decision.breakGlassId,
      today: day,
      facts,
    };
  }

  return {
    async personBanner(personId) {
      const { facts: _, ...page } = await open(personId, undefined, async () => null);
      return page;
    },
    async personSummary(personId) {
      const { facts: summary, ...page } = await open(personId, undefined, (id, day, identifiable) =>
        identifiable ? readSummaryFacts(db, id, day) : Promise.resolve(null),
      );
      return { ...page, summary };
    },
    async personTimelinePage(personId, query) {
      const { facts: timeline, ...page } = await open(personId, "identifiable", (id) =>
        readTimelinePage(db, id, query),
      );
      return { ...page, timeline };
    },
    async personCareTeam(personId) {
      const { facts: careTeam, ...page } = await open(personId, "identifiable", (id, day) =>
        readCareTeam(db, id, day),
      );
      return { ...page, careTeam };
    },
    async personSourceRecords(personId) {
      const { facts: records, ...page } = await open(personId, undefined, (id) => readSourceRecords(db, id));
      return { ...page, records };
    },
  };
}

/** Identity and death only: registers, admissions, care plans and objections are the clinical record's. */
function demographicsOnly(banner: PersonBannerFacts): PersonBannerFacts {
  return { ...banner, objectionHolders: [], registers: [], inHospital: null, leadProfessionals: [] };
}
