// Finding a person: by NHS Number, or by name and date of birth (and postcode) with the master person
// index's tolerance of slips. The candidates are found first (no personal data leaves this file yet), then
// filtered person by person for "search" (one audit row naming who was shown and who was withheld), and
// only the people disclosed are read and returned; the rest are a count. Where exactly one person holds the
// NHS Number typed and the user may not see them, a role that may break glass is told whom to break glass
// for (the user already knows exactly whom they want): never for a search by name.

import { isIsoDate } from "../core/dates.ts";
import { invalid } from "../core/errors.ts";
import { nhsNumberProblem, normaliseNhsNumber } from "../core/nhs-number.ts";
import {
  type DemographicMatch,
  type DemographicQuery,
  type FoundPersonRow,
  peopleByDemographics,
  peopleByNhsNumber,
  peopleNearNhsNumber,
  readFoundPeople,
} from "../mpi/index.ts";
import type { ReaderBase } from "./reader-base.ts";
import type { Disclosure } from "./types.ts";

export interface FoundPerson extends FoundPersonRow {
  disclosure: Disclosure | null;
  /** How the details typed matched (a search by name); null for a search by NHS Number. */
  match: Omit<DemographicMatch, "personId" | "score"> | null;
}

export interface FindResult {
  /** The people this user may see, best match first. */
  people: FoundPerson[];
  /** How many more matched whom this user may not see: never who. */
  withheld: number;
  /** Whether this user's role may break glass (so the page can say how). */
  mayBreakGlass: boolean;
  /** The one person holding the NHS Number typed, withheld from a user who may break glass for them. */
  breakGlassPersonId: string | null;
}

export interface FindReads {
  /** Everyone holding a valid NHS Number (spaces and dashes allowed), filtered for "search". */
  findByNhsNumber(nhsNumber: string): Promise<FindResult>;
  /**
   * For ten digits that fail the check digit: the people one keying slip away whom this user may see, to
   * ask "did you mean"; those withheld are only counted.
   */
  findNearNhsNumber(typed: string): Promise<FindResult>;
  /** People matching a name and date of birth (and postcode), best first, filtered for "search". */
  findByDemographics(query: DemographicQuery): Promise<FindResult>;
}

export function findReads(base: ReaderBase): FindReads {
  const { db, identity, decided, refuse } = base;
  const { role } = identity.roleAssignment;
  const mayBreakGlass =
    role.mayBreakGlass && role.accessBasis === "relationship" && identity.purpose === "direct-care";

  /** Roles that never search for a named person are refused (and audited) before anything is looked up. */
  async function mayFind(): Promise<void> {
    if (role.accessBasis === "pseudonymised") {
      await refuse("search", `the ${role.name} role reads people only as a pseudonymised cohort`);
    }
    if (!role.actions.includes("search") || role.accessBasis === "none" || role.accessBasis === "aggregate") {
      await refuse("search", `the ${role.name} role may not search for people`);
    }
  }

  async function disclose(
    candidates: readonly string[],
    matches: Map<string, DemographicMatch> | null,
  ): Promise<FindResult & { withheldIds: string[] }> {
    const list = await decided(candidates, "search");
    const { disclosures } = list;
    // Best match first for a search by name; by NHS Number there is (almost always) one person.
    const rank = new Map(matches ? candidates.map((id, i) => [id, i]) : []);
    const rows = await readFoundPeople(db, list.allowed);
    const people = rows
      .map((row): FoundPerson => {
        const m = matches?.get(row.personId);
        return {
          ...row,
          disclosure: disclosures.get(row.personId) ?? null,
          match: m ? { exact: m.exact, differences: m.differences, matchedSource: m.matchedSource } : null,
        };
      })
      .sort((a, b) => (rank.get(a.personId) ?? 0) - (rank.get(b.personId) ?? 0));
    const withheldIds = candidates.filter((id) => !disclosures.has(id));
    return { people, withheld: list.withheld, mayBreakGlass, breakGlassPersonId: null, withheldIds };
  }

  return {
    async findByNhsNumber(nhsNumber) {
      const problem = nhsNumberProblem(nhsNumber);
      const digits = normaliseNhsNumber(nhsNumber);
      if (problem || !digits) {
        throw invalid("find.nhs-number", problem?.message ?? "Enter a valid NHS Number.", {
          hint: "Type the 10 digits of the NHS Number; spaces and dashes are fine.",
        });
      }
      await mayFind();
      const { withheldIds, ...result } = await disclose(await peopleByNhsNumber(db, digits), null);
      const breakGlassPersonId =
        mayBreakGlass && result.people.length === 0 && withheldIds.length === 1 ? withheldIds[0] : null;
      return { ...result, breakGlassPersonId };
    },

    async findNearNhsNumber(typed) {
      const digits = typed.replace(/[\s-]/g, "");
      if (nhsNumberProblem(typed)?.problem !== "check-digit") {
        throw invalid(
          "find.nhs-number-near",
          "Only a number that fails its check digit has near neighbours.",
          {
            hint: "Search by NHS Number for a valid number.",
          },
        );
      }
      await mayFind();
      const { withheldIds: _ids, ...result } = await disclose(await peopleNearNhsNumber(db, digits), null);
      return result;
    },

    async findByDemographics(query) {
      const family = query.family?.trim() || null;
      const given = query.given?.trim() || null;
      if (!family && !given) {
        throw invalid("find.name", "Enter the person's name.", {
          hint: "Type their given name and family name, for example Jane Smith.",
        });
      }
      if (!isIsoDate(query.birthDate)) {
        throw invalid("find.birth-date", "Enter the person's date of birth as a real date.", {
          hint: "Give the day, month and year, for example 27 3 1948.",
        });
      }
      await mayFind();
      const matches = await peopleByDemographics(db, {
        family,
        given,
        birthDate: query.birthDate,
        postcode: query.postcode?.trim() || null,
      });
      const { withheldIds: _ids, ...result } = await disclose(
        matches.map((m) => m.personId),
        new Map(matches.map((m) => [m.personId, m])),
      );
      return result;
    },
  };
}
