// The risk model's validation report for commissioners: plain words, the calibration chart as an SVG with
// its data table, capture of the people later admitted, and what drives risk. Aggregate only.
import type { ModelReportView } from "../../governance/index.ts";
import { longdate, num } from "../../platform/index.ts";
import { strongestFactors, verdictOnAuc } from "../../risk/index.ts";

const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits)}%`;

/** Chart geometry: a 640 × 360 drawing, the plot inside these margins. */
const W = 640;
const H = 360;
const M = { left: 64, right: 24, top: 24, bottom: 56 };

function calibrationChart(deciles: ModelReportView["deciles"]) {
  const maxRate = Math.max(0.01, ...deciles.flatMap((d) => [d.meanPredicted, d.observedRate]));
  // A round top for the y axis: the next 5% (or 1% below 10%) above the largest rate.
  const step = maxRate > 0.1 ? 0.05 : 0.01;
  const top = Math.ceil(maxRate / step) * step;
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const x = (group: number) => M.left + ((group - 0.5) / deciles.length) * plotW;
  const y = (rate: number) => M.top + plotH - (rate / top) * plotH;
  const ticks: { y: number; label: string }[] = [];
  for (let t = 0; t <= top + 1e-9; t += step) ticks.push({ y: y(t), label: pct(t, 0) });
  const points = (key: "meanPredicted" | "observedRate") =>
    deciles.map((d) => `${x(d.group).toFixed(1)},${y(d[key]).toFixed(1)}`).join(" ");
  return {
    width: W,
    height: H,
    plot: { left: M.left, right: W - M.right, top: M.top, bottom: H - M.bottom },
    ticks,
    xLabels: deciles.map((d) => ({ x: x(d.group), label: String(d.group) })),
    predicted: {
      points: points("meanPredicted"),
      dots: deciles.map((d) => ({ x: x(d.group), y: y(d.meanPredicted) })),
    },
    observed: {
      points: points("observedRate"),
      dots: deciles.map((d) => ({ x: x(d.group), y: y(d.observedRate) })),
    },
  };
}

export function modelReportContext(r: ModelReportView) {
  const base = {
    title: "Risk model report",
    breadcrumbs: [{ href: "/", text: "Home" }],
    versions: r.versions.map((v) => ({
      href: `/analytics/model?version=${v.version}`,
      text: `Version ${v.version}, trained ${longdate(v.trainedAt.slice(0, 10))}`,
      current: r.model?.version === v.version,
    })),
  };
  if (!r.model) return { ...base, model: null };
  const m = r.model;
  const v = m.validation;
  const t = m.spec.train;
  return {
    ...base,
    title: `Risk model version ${m.version} – Risk model report`,
    model: { version: m.version, kind: m.kind, trainedOn: longdate(m.trainedAt.slice(0, 10)) },
    summaryRows: [
      {
        key: { text: "What it predicts" },
        value: {
          text: "The chance that a registered person has at least one emergency hospital admission in the next 12 months, from what the GP, hospital, community, mental health and social care records held the day before.",
        },
      },
      {
        key: { text: "Trained on" },
        value: {
          text: `${num(t.people)} people as at ${longdate(t.featuresAsOf)}; ${num(t.admittedPeople)} (${pct(t.admittedShare)}) were admitted from ${longdate(t.outcomeFrom)} to ${longdate(t.outcomeTo)}.`,
        },
      },
      {
        key: { text: "Checked on a later year" },
        value: {
          text: `${num(v.people)} people as at ${longdate(v.featuresAsOf)}; ${num(v.admittedPeople)} (${pct(v.admittedShare)}) were admitted from ${longdate(v.outcomeFrom)} to ${longdate(v.outcomeTo)}.`,
        },
      },
      {
        key: { text: "Discrimination" },
        value: {
          html: `Area under the ROC curve <strong>${v.auc.toFixed(3)}</strong> (95% confidence interval ${v.aucInterval[0].toFixed(3)} to ${v.aucInterval[1].toFixed(3)}): <strong>${verdictOnAuc(v.auc)}</strong>. Picking one person who was admitted and one who was not, the model ranks the admitted one higher ${pct(v.auc, 0)} of the time.`,
        },
      },
      {
        key: { text: "Calibration" },
        value: {
          text: `Slope ${v.calibrationSlope.toFixed(2)} (1 is ideal; below 1 predictions are too extreme, above 1 too timid). Admissions observed for each one expected: ${v.observedToExpected.toFixed(2)} (1 is ideal). Brier score ${v.brier.toFixed(4)}.`,
        },
      },
    ],
    chart: calibrationChart(r.deciles),
    chartDescription: `Predicted and observed shares admitted in each tenth of predicted risk, from the lowest (1) to the highest (10). In the highest tenth the model predicted ${pct(r.deciles.at(-1)?.meanPredicted ?? 0)} and ${pct(r.deciles.at(-1)?.observedRate ?? 0)} were admitted.`,
    decileRows: r.deciles.map((d) => [
      { text: String(d.group) },
      { text: num(d.people), format: "numeric" },
      { text: pct(d.meanPredicted), format: "numeric" },
      { text: pct(d.observedRate), format: "numeric" },
      { text: d.expected.toFixed(0), format: "numeric" },
      { text: d.observedShown.suppressed ? "fewer than 5" : num(d.observedShown.count), format: "numeric" },
    ]),
    captureRows: r.capture.map((c) => [
      { text: `Top ${c.topPercent}%` },
      { text: num(c.people), format: "numeric" },
      { text: c.admittedShown.suppressed ? "fewer than 5" : num(c.admittedShown.count), format: "numeric" },
      { text: pct(c.shareOfAdmittedPeople), format: "numeric" },
      { text: pct(c.shareOfAdmissions), format: "numeric" },
    ]),
    factorRows: strongestFactors(m).map((f) => [
      { text: f.label },
      { text: `× ${f.ratio.toFixed(2)}`, format: "numeric" },
      { text: f.what },
    ]),
    lambda: m.spec.lambda,
    factorCount: m.spec.features.length,
  };
}
