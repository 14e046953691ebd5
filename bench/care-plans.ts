// Joint care plans at scale: the time to save a plan version through the governed reader (decision, audit row,
// version check, insert; target ≤ 50 ms p95), to sign off (with the projection into care_plan), to read a
// user's worklist, and the BCF national condition over the place once the plans are in, on a synthetic place.
//
//   node bench/care-plans.ts [people=5000] [plans=200]      (DATABASE_URL=postgres://... for PostgreSQL)
//
// The national condition reads risk_person: it is timed as it is (zeros until 'oneplace stratify' has run on
// the bench database).
import { assignRole, createReader, createTeam, createUser, loadUserInRole } from "../src/governance/index.ts";
import { nationalCondition } from "../src/risk/index.ts";
import { DEFAULT_SYNTH_CONFIG, loadSyntheticPlace } from "../src/synth/index.ts";
import { TEST_OPERATOR } from "../test/governance/fixtures.ts";
import { openBenchDb } from "./ingest-bench-db.ts";

const people = Number(process.argv[2] ?? 5_000);
const plans = Number(process.argv[3] ?? 200);
const bench = await openBenchDb();
const { db } = bench;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const summary = (label: string, times: number[]) => {
  const s = [...times].sort((a, b) => a - b);
  console.log(
    `${label.padEnd(34)} n=${s.length}  p50 ${percentile(s, 50).toFixed(1)} ms  p95 ${percentile(s, 95).toFixed(1)} ms  max ${s.at(-1)?.toFixed(1)} ms`,
  );
};
async function timed<T>(times: number[], fn: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const result = await fn();
  times.push(performance.now() - t);
  return result;
}

try {
  const t0 = performance.now();
  await loadSyntheticPlace(db, { ...DEFAULT_SYNTH_CONFIG, seed: "care-plans-bench", people });
  console.log(
    `Loaded ${people.toLocaleString("en-GB")} people in ${((performance.now() - t0) / 1000).toFixed(0)} s (${db.engine}).`,
  );
  const [{ practice_code: practice }] = await db.query<{ practice_code: string }>(
    `SELECT practice_code FROM registration WHERE deregistered_on IS NULL
     GROUP BY practice_code ORDER BY count(*) DESC LIMIT 1`,
  );
  const team = await createTeam(db, TEST_OPERATOR, {
    teamCode: "bench-care",
    name: "Bench practice",
    kind: "practice",
    orgCode: practice,
  });
  const { userId } = await createUser(db, TEST_OPERATOR, {
    username: "bench.lead",
    displayName: "Bench Lead",
    password: null,
  });
  await assignRole(db, TEST_OPERATOR, "bench.lead", "gp", "bench-care");
  const found = await loadUserInRole(db, "bench.lead", "gp", "bench-care");
  if (!found) throw new Error("the bench GP has no role");
  const reader = createReader(db, { ...found, purpose: "direct-care", origin: { channel: "bench" } });
  const ids = (
    await db.query<{ person_id: string }>(
      `SELECT person_id FROM registration WHERE practice_code = $1 AND deregistered_on IS NULL
       ORDER BY person_id LIMIT $2::int`,
      [practice, plans],
    )
  ).map((r) => r.person_id);

  const start: number[] = [];
  const save: number[] = [];
  const action: number[] = [];
  const signOff: number[] = [];
  const edit = (version: number) => ({
    whatMattersToMe: `Staying at home (version ${version})`,
    strengths: "Walks daily",
    needs: "Help with shopping",
    contingency: "Call the practice",
    crisis: "Call rapid response",
    carer: null,
    endOfLife: "",
    consentToShare: { given: true, recordedOn: "2016-01-01", note: "" },
    lead: { userId, role: "gp", teamId: team.teamId },
    reviewDueOn: "2031-01-01",
  });
  for (const id of ids) {
    let plan = await timed(start, () => reader.startCarePlan(id));
    plan = await timed(save, () => reader.editCarePlan(id, plan.planId, plan.latest.version, edit(1)));
    plan = await timed(action, () =>
      reader.addCarePlanAction(id, plan.planId, plan.latest.version, {
        description: "Falls assessment",
        ownerUserId: userId,
        dueOn: "2030-06-01",
      }),
    );
    plan = await timed(save, () => reader.editCarePlan(id, plan.planId, plan.latest.version, edit(2)));
    await timed(signOff, () => reader.signOffCarePlan(id, plan.planId, plan.latest.version));
  }
  summary("start a plan", start);
  summary("save a plan version (edit)", save);
  summary("add an action", action);
  summary("sign off (projects care_plan)", signOff);
  const worklist: number[] = [];
  for (let i = 0; i < 10; i++) await timed(worklist, () => reader.careWorklist());
  summary(`worklist (${plans * 2} items)`, worklist);
  const condition: number[] = [];
  for (let i = 0; i < 5; i++) await timed(condition, () => nationalCondition(db));
  summary("national condition (place + localities)", condition);
} finally {
  await bench.dispose();
}
