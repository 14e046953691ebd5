import { addDays, addMonths } from "../../core/index.ts";
import { createOperatorReader } from "../../governance/index.ts";
import type { Db } from "../../platform/index.ts";
import {
  efiByPractice,
  hiuActivityByQuarter,
  latestFullRun,
  nationalCondition,
  peopleChangedSince,
  type RunSummary,
  rescorePeople,
  stratify as stratifyPlace,
  tiersByLocality,
  writeSettings,
} from "../../risk/index.ts";
import { date, defineCommand, flag, path, text } from "../command.ts";
import { cliOperator, engineDescription, out, outJson, print, readJsonFile } from "../context.ts";
import { unavailable, usageError } from "../errors.ts";
import { json, quiet } from "../options.ts";

const num = (n: number) => n.toLocaleString("en-GB");
const pct = (part: number, whole: number) => (whole ? `${((100 * part) / whole).toFixed(1)}%` : "-");

export const noStratification = (what: string) =>
  unavailable("cli.no-stratification", what, { hint: "Run 'oneplace stratify' first." });

export function formatRunSummary(s: RunSummary, db: Db): string {
  const lines = [
    `Stratified ${num(s.people)} registered people as at ${s.asOf}${s.modelVersion ? ` with risk model version ${s.modelVersion}` : " (eFI only, no risk scores)"} in ${s.seconds.toFixed(1)} s (${engineDescription(db)}).`,
    `eFI of the ${num(s.aged65)} people aged 65 and over: fit ${num(s.efi.fit)} (${pct(s.efi.fit, s.aged65)}), mild ${num(s.efi.mild)} (${pct(s.efi.mild, s.aged65)}), moderate ${num(s.efi.moderate)} (${pct(s.efi.moderate, s.aged65)}), severe ${num(s.efi.severe)} (${pct(s.efi.severe, s.aged65)}).`,
  ];
  if (s.modelVersion) {
    lines.push(
      `Risk tiers: very high ${num(s.tiers["very-high"])}, high ${num(s.tiers.high)}, rising ${num(s.tiers.rising)}, low ${num(s.tiers.low)}.`,
    );
  }
  lines.push(`High Intensity Users: ${num(s.hiu)}.`);
  return lines.join("\n");
}

export const stratify = defineCommand({
  name: "stratify",
  summary:
    "Rescore the whole population: eFI, what is known about each person and their emergency admission risk, with tiers and High Intensity Users.",
  options: {
    "as-of": date("The date the picture is as at (default: the latest activity in the data)"),
    "efi-only": flag("Compute the eFI and activity only, without risk scores"),
    settings: path(
      "JSON with tier shares, HIU thresholds or the national condition's tiers, stored before the run",
    ),
    changed: flag("Only rescore people with records received since the last full run"),
    person: text("Only rescore this person (internal id; repeat for more)", {
      valueName: "id",
      multiple: true,
    }),
    json,
    quiet,
  },
  db: "migrated",
  async run({ options, db }) {
    const asOf = options["as-of"];
    const people = options.person;
    if ((options.changed || people.length) && (asOf || options["efi-only"])) {
      throw usageError(
        "--changed and --person rescore at the last full run's date and model; drop --as-of and --efi-only.",
      );
    }
    if (options.settings !== undefined) await writeSettings(db, readJsonFile(options.settings));
    if (options.changed || people.length) {
      const run = await latestFullRun(db);
      if (!run) throw noStratification("There is no full stratification to update yet.");
      const ids = options.changed ? await peopleChangedSince(db, run.startedAt) : people;
      const started = performance.now();
      const result = await rescorePeople(db, ids);
      const seconds = (performance.now() - started) / 1000;
      if (options.json) outJson({ ...result, seconds });
      else
        out(
          `Rescored ${num(result.rescored)} people as at ${result.asOf} in ${seconds.toFixed(2)} s; ${num(result.removed)} no longer registered or alive.`,
        );
      return 0;
    }
    const quietly = options.quiet || options.json;
    // With no validated model, the error's hint (src/cli/errors.ts) says to train one or use --efi-only.
    const summary = await stratifyPlace(db, {
      asOf,
      efiOnly: options["efi-only"],
      onStep: (step) => {
        if (!quietly) process.stderr.write(`${step}...\n`);
      },
    });
    return print(options.json, summary, formatRunSummary(summary, db));
  },
});

export const stratifyReport = defineCommand({
  name: "stratify report",
  summary:
    "Report the latest stratification: eFI by practice, risk tiers and High Intensity Users by locality, their activity per quarter, and the national condition.",
  options: {
    "hiu-identified": date(
      "Identify High Intensity Users as at this date (default: a year before the stratification)",
    ),
    person: text(
      "Explain one person instead: eFI deficits with their records, and the factors behind their score",
      { valueName: "id" },
    ),
    json,
  },
  db: "migrated",
  async run({ options, db }) {
    const identified = options["hiu-identified"];
    const run = await latestFullRun(db);
    if (!run) throw noStratification("There is no stratification yet.");
    if (options.person !== undefined)
      return explainPerson(db, options.person, run.asOf, run.modelId, options.json);
    const identifiedOn = identified ?? addMonths(run.asOf, -12);
    const [efi, tiers, condition, hiu] = [
      await efiByPractice(db),
      await tiersByLocality(db),
      await nationalCondition(db),
      await hiuActivityByQuarter(db, {
        identifiedOn,
        from: addDays(addMonths(identifiedOn, -12), 1),
        to: run.asOf > identifiedOn ? run.asOf : addMonths(identifiedOn, 12),
      }),
    ];
    if (options.json) {
      outJson({
        asOf: run.asOf,
        efiByPractice: efi,
        tiersByLocality: tiers,
        nationalCondition: condition,
        hiu,
      });
      return 0;
    }
    out(`Stratification as at ${run.asOf} (${num(run.people)} people).`);
    out("");
    out("eFI of people aged 65 and over, by practice");
    out(
      `  ${"practice".padEnd(34)} ${"65+".padStart(7)}  ${"fit".padStart(13)}  ${"mild".padStart(13)}  ${"moderate".padStart(13)}  ${"severe".padStart(13)}`,
    );
    const cell = (n: number, of: number) => `${num(n)} (${pct(n, of)})`.padStart(13);
    for (const r of efi) {
      out(
        `  ${`${r.code} ${r.name}`.slice(0, 34).padEnd(34)} ${num(r.aged65).padStart(7)}  ${cell(r.fit, r.aged65)}  ${cell(r.mild, r.aged65)}  ${cell(r.moderate, r.aged65)}  ${cell(r.severe, r.aged65)}`,
      );
    }
    out("");
    out("Risk tiers and High Intensity Users, by locality");
    for (const r of tiers) {
      out(
        `  ${`${r.code} ${r.name}`.slice(0, 40).padEnd(40)} ${num(r.people).padStart(8)} people: very high ${num(r.veryHigh)}, high ${num(r.high)}, rising ${num(r.rising)}, HIU ${num(r.hiu)}`,
      );
    }
    out("");
    const p = condition.place;
    out(
      `National condition (adults aged ${condition.adultAge}+, high risk = ${condition.highRiskTiers.join(" or ")})`,
    );
    out(
      `  adults at high risk of emergency admission: ${num(p.highRisk)} of ${num(p.adults)} (${pct(p.highRisk, p.adults)})`,
    );
    out(
      `  of them, with a joint care plan: ${num(p.withJointCarePlan)} (${pct(p.withJointCarePlan, p.highRisk)})`,
    );
    out(
      `  of them, with an accountable lead professional: ${num(p.withLeadProfessional)} (${pct(p.withLeadProfessional, p.highRisk)})`,
    );
    out("");
    out(
      `High Intensity Users identified as at ${hiu.identifiedOn}: ${num(hiu.identified)}, of whom ${num(hiu.diedInPeriod)} died by ${hiu.to} and are left out.`,
    );
    out(
      "  Non-elective activity per quarter (emergency admissions + A&E + unplanned community and mental health contacts):",
    );
    const localities = [...new Set(hiu.quarters.map((q) => q.locality))];
    for (const l of localities) {
      const qs = hiu.quarters.filter((q) => q.locality === l);
      out(
        `  ${l.padEnd(8)} ${qs
          .map(
            (q) =>
              `${q.label}: ${num(q.total)}${q.changeFromFirst === null ? "" : ` (${q.changeFromFirst > 0 ? "+" : ""}${(100 * q.changeFromFirst).toFixed(0)}%)`}`,
          )
          .join(", ")}`,
      );
    }
    out(
      "  Changes are against the first quarter shown. People chosen for high activity tend to have less later",
    );
    out(
      "  even without help (regression to the mean): compare with a matched group before crediting a scheme.",
    );
    return 0;
  },
});

/** One person's eFI and score explanation: personal data, read through the governance operator reader. */
async function explainPerson(
  db: Db,
  personId: string,
  asOf: string,
  modelId: string | null,
  json: boolean,
): Promise<number> {
  const { efi, score, factors } = await createOperatorReader(db, cliOperator()).riskExplanation(
    personId,
    asOf,
    modelId,
  );
  if (json) {
    outJson({ efi, score: score ?? null, factors });
    return 0;
  }
  out(`Person ${personId} as at ${asOf}, aged ${efi.age}`);
  out(
    `eFI: ${efi.deficitCount}/36 = ${efi.score.value.toFixed(3)}${efi.category ? `, ${efi.category}` : " (the eFI is given a category from age 65)"}`,
  );
  for (const d of efi.deficits) {
    const from =
      d.basis === "prescriptions"
        ? `${d.value} different medicines in the 12 months`
        : `${d.codeSystem} ${d.code}${d.value === null ? "" : ` = ${d.value}`} recorded ${d.firstOn} (${d.sourceTable} ${d.sourceIds[0]})`;
    out(`  ${d.name.padEnd(34)} ${from}`);
  }
  if (score?.probability != null) {
    out(
      `Risk of an emergency admission in the next 12 months: ${(100 * score.probability).toFixed(1)}% (${score.riskTier}, ${score.riskPercentile?.toFixed(1)}th percentile)`,
    );
    out("Factors raising it most (log-odds against an average person):");
    for (const f of (factors ?? []).filter((x) => x.logOdds > 0).slice(0, 6)) {
      out(`  +${f.logOdds.toFixed(2)}  ${f.label}: ${f.value}`);
    }
  }
  return 0;
}
