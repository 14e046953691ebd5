// Evaluation of an intervention against a matched comparison group: propensity score on age, sex,
// deprivation, eFI and prior activity; 1:1 nearest-neighbour matching within a caliper; balance before and
// after; a paired difference in differences over the months before and after the index date, with its
// 95% interval; and plain words about how far the result can be trusted.

import { addDays, addMonths } from "../../core/dates.ts";
import { invalid } from "../../core/errors.ts";
import type { Db } from "../../store/index.ts";
import { latestActivityDate, missingRequirement } from "../availability.ts";
import { costOfWindows } from "../costs.ts";
import {
  type CandidateFacts,
  candidateFacts,
  EvaluationUnavailable,
  findCandidates,
  type Intervention,
  type Outcome,
} from "./cohorts.ts";
import { fitLogistic, logitOf, matchNearest, mean, meanInterval, smd, variance } from "./stats.ts";

export interface EvaluationOptions {
  intervention: Intervention;
  outcome: Outcome;
  /** The window index dates fall in. */
  from: string;
  to: string;
  /** Follow-up, and the look-back the change is measured from: 6 or 12 months. */
  months: 6 | 12;
  minAge?: number;
  asOf?: string;
  /** Caliper in standard deviations of the propensity logit (default 0.2). */
  caliper?: number;
}

export interface Balance {
  covariate: string;
  treatedMean: number;
  poolMean: number;
  matchedMean: number;
  smdBefore: number;
  smdAfter: number;
}

export interface GroupSummary {
  people: number;
  pre: number;
  post: number;
  died: number;
}

export interface EvaluationResult {
  intervention: Intervention;
  outcome: Outcome;
  outcomeLabel: string;
  months: number;
  from: string;
  to: string;
  asOf: string;
  treatedFound: number;
  treatedEligible: number;
  poolEligible: number;
  matchedPairs: number;
  covariates: string[];
  balance: Balance[];
  treated: GroupSummary;
  comparison: GroupSummary;
  /** The paired difference in differences, per person over the follow-up. */
  did: { estimate: number; se: number; low: number; high: number } | null;
  verdict: string;
  cautions: string[];
}

const OUTCOME_LABEL: Record<Outcome, string> = {
  "emergency-admissions": "emergency admissions a person",
  "care-home-admission": "share admitted to a care home (permanent or trial)",
  cost: "public cost a person (pounds)",
};

const MIN_PAIRS = 30;

function covariateRows(
  facts: readonly CandidateFacts[],
  withEfi: boolean,
): { names: string[]; rows: number[][] } {
  const names = [
    "age",
    "female",
    "imd_decile",
    ...(withEfi ? ["efi_deficits"] : []),
    "emergency_12m",
    "ae_12m",
    "bed_days_12m",
  ];
  const rows = facts.map((f) => [
    f.age,
    f.female,
    f.imdDecile,
    ...(withEfi ? [f.efiDeficits ?? 0] : []),
    f.emergencyPrior12,
    f.aePrior12,
    f.bedDaysPrior12,
  ]);
  return { names, rows };
}

async function outcomes(
  db: Db,
  outcome: Outcome,
  people: readonly CandidateFacts[],
  months: number,
): Promise<{ pre: number[]; post: number[] }> {
  if (outcome === "emergency-admissions") {
    return { pre: people.map((p) => p.emergencyPre), post: people.map((p) => p.emergencyPost) };
  }
  if (outcome === "care-home-admission") {
    return { pre: people.map((p) => p.careHomePre), post: people.map((p) => p.careHomePost) };
  }
  const windows = people.flatMap((p) => [
    { personId: p.personId, start: addMonths(p.indexOn, -months), end: addDays(p.indexOn, -1) },
    { personId: p.personId, start: addDays(p.indexOn, 1), end: addMonths(p.indexOn, months) },
  ]);
  const costs = await costOfWindows(db, windows);
  const byKey = new Map(costs.map((c) => [`${c.personId}|${c.start}`, c.total]));
  return {
    pre: people.map((p) => byKey.get(`${p.personId}|${addMonths(p.indexOn, -months)}`) ?? 0),
    post: people.map((p) => byKey.get(`${p.personId}|${addDays(p.indexOn, 1)}`) ?? 0),
  };
}

function verdictOf(result: Omit<EvaluationResult, "verdict">): string {
  if (result.matchedPairs === 0)
    return "No matched comparison could be formed: there is nothing to estimate.";
  const d = result.did;
  if (!d || !Number.isFinite(d.se)) {
    return `Only ${result.matchedPairs} matched pair(s): too few to estimate any difference.`;
  }
  const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2));
  const interval = `${fmt(d.estimate)} (95% CI ${fmt(d.low)} to ${fmt(d.high)})`;
  const what = `${result.outcomeLabel}, change over the ${result.months} months after against the ${result.months} months before, relative to matched people`;
  if (result.matchedPairs < MIN_PAIRS) {
    return `Too few people to draw a conclusion: ${result.matchedPairs} matched pairs give ${interval} in ${what}; the interval is wide and the estimate could easily be chance.`;
  }
  if (d.low <= 0 && d.high >= 0) {
    return `No clear difference: ${interval} in ${what}. The interval includes no change, so these data cannot show an effect either way.`;
  }
  return `${d.estimate < 0 ? "A reduction" : "An increase"} associated with ${result.intervention}: ${interval} in ${what}.`;
}

export async function evaluateIntervention(db: Db, options: EvaluationOptions): Promise<EvaluationResult> {
  const months = options.months;
  if (months !== 6 && months !== 12)
    throw invalid("outcomes.evaluation-window", "Follow-up is 6 or 12 months");
  if (options.to < options.from)
    throw invalid("outcomes.evaluation-window", "The window ends before it starts");
  const asOf = options.asOf ?? (await latestActivityDate(db));
  if (!asOf) throw new EvaluationUnavailable("There is no activity data to evaluate with.");
  const withEfi = (await missingRequirement(db, ["efi_deficit"])) === null;
  const { treated, pool } = await findCandidates(db, options.intervention, {
    from: options.from,
    to: options.to,
    months,
  });
  const facts = await candidateFacts(db, [...treated, ...pool], {
    months,
    minAge: options.minAge ?? 65,
    asOf,
    withEfi,
  });
  const t = facts.filter((f) => f.treated);
  const c = facts.filter((f) => !f.treated);
  const cautions: string[] = [
    "Observational: matching balances what is recorded (age, sex, deprivation, frailty, prior activity), not what is not (how people were chosen for the intervention, their wishes, their carers).",
  ];
  if (!withEfi)
    cautions.push(
      "No eFI was available (run 'oneplace stratify'): frailty is not among the matching variables.",
    );
  const laterFollowUp = treated.length - t.length;
  if (laterFollowUp > 0) {
    cautions.push(
      `${laterFollowUp} of ${treated.length} people who received it are left out: under ${options.minAge ?? 65}, not registered or living in a care home on the day, or not yet followed for ${months} months by ${asOf}.`,
    );
  }
  const { names, rows } = covariateRows(facts, withEfi);
  const tRows = rows.filter((_, i) => facts[i].treated);
  const cRows = rows.filter((_, i) => !facts[i].treated);
  let pairs: [number, number][] = [];
  if (t.length > 0 && c.length > 0) {
    const fit = fitLogistic(
      rows,
      facts.map((f) => (f.treated ? 1 : 0)),
    );
    const tScores = tRows.map((r) => logitOf(fit, r));
    const cScores = cRows.map((r) => logitOf(fit, r));
    const caliper = (options.caliper ?? 0.2) * Math.sqrt(variance([...tScores, ...cScores]) || 1);
    pairs = matchNearest(tScores, cScores, caliper);
  }
  const mt = pairs.map(([i]) => t[i]);
  const mc = pairs.map(([, j]) => c[j]);
  const balance: Balance[] = names.map((name, k) => {
    const col = (rs: number[][]) => rs.map((r) => r[k]);
    const matched = pairs.map(([, j]) => cRows[j][k]);
    const treatedMatched = pairs.map(([i]) => tRows[i][k]);
    return {
      covariate: name,
      treatedMean: mean(col(tRows)),
      poolMean: mean(col(cRows)),
      matchedMean: mean(matched),
      smdBefore: smd(col(tRows), col(cRows)),
      smdAfter: smd(treatedMatched, matched),
    };
  });
  const [ot, oc] = [
    await outcomes(db, options.outcome, mt, months),
    await outcomes(db, options.outcome, mc, months),
  ];
  const diffs = pairs.map((_, i) => ot.post[i] - ot.pre[i] - (oc.post[i] - oc.pre[i]));
  const interval = diffs.length > 0 ? meanInterval(diffs) : null;
  const unmatched = t.length - pairs.length;
  if (t.length > 0 && unmatched / t.length > 0.2) {
    cautions.push(
      `${unmatched} of ${t.length} eligible people could not be matched within the caliper: the estimate describes the ${pairs.length} who could, who may differ from the rest.`,
    );
  }
  const unbalanced = balance.filter((b) => Math.abs(b.smdAfter) > 0.1).map((b) => b.covariate);
  if (pairs.length > 0 && unbalanced.length > 0) {
    cautions.push(
      `After matching the groups still differ on ${unbalanced.join(", ")} (standardised difference above 0.1).`,
    );
  }
  if (pairs.length > 0 && pairs.length < MIN_PAIRS) {
    cautions.push(
      `Only ${pairs.length} matched pairs: small groups give wide intervals and unstable estimates.`,
    );
  }
  const summary = (people: CandidateFacts[], o: { pre: number[]; post: number[] }): GroupSummary => ({
    people: people.length,
    pre: people.length ? mean(o.pre) : 0,
    post: people.length ? mean(o.post) : 0,
    died: people.filter((p) => p.diedInFollowUp).length,
  });
  const partial: Omit<EvaluationResult, "verdict"> = {
    intervention: options.intervention,
    outcome: options.outcome,
    outcomeLabel: OUTCOME_LABEL[options.outcome],
    months,
    from: options.from,
    to: options.to,
    asOf,
    treatedFound: treated.length,
    treatedEligible: t.length,
    poolEligible: c.length,
    matchedPairs: pairs.length,
    covariates: names,
    balance,
    treated: summary(mt, ot),
    comparison: summary(mc, oc),
    did: interval
      ? { estimate: interval.estimate, se: interval.se, low: interval.low, high: interval.high }
      : null,
    cautions,
  };
  return { ...partial, verdict: verdictOf(partial) };
}
