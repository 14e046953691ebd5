// Gives a loaded place one of each item the web-page bench opens but a synthetic place does not have (bench/
// web-placeholders.ts skips a route with nothing to open): a saved cohort, an MPI review item, a rejected CSV row
// and a break-glass access, each made the way the product makes it. Run on a copy of a place (it writes).
//   node bench/page-fixtures.ts        (DATABASE_URL or ONEPLACE_HOME: the place)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { careIdentity } from "../src/cli/index.ts";
import { createReader } from "../src/governance/index.ts";
import { openDb, storeConfigFromEnv } from "../src/store/index.ts";
import { runCli } from "../test/helpers/cli.ts";

const env: Record<string, string> = {};
if (process.env.DATABASE_URL) env.DATABASE_URL = process.env.DATABASE_URL;
if (process.env.ONEPLACE_HOME) env.ONEPLACE_HOME = process.env.ONEPLACE_HOME;
const dir = mkdtempSync(join(tmpdir(), "oneplace-page-fixtures-"));
const cli = async (args: string[]) => {
  const r = await runCli(args, env, 600_000);
  if (r.code !== 0 && r.code !== 2)
    throw new Error(`oneplace ${args.join(" ")}: exit ${r.code}\n${r.stderr}`);
  console.log(`oneplace ${args[0]} ${args[1]}: exit ${r.code}`);
};

// A saved cohort: the frail over-65s without a joint plan.
writeFileSync(
  join(dir, "cohort.json"),
  JSON.stringify({ age: { min: 65 }, efiCategories: ["moderate", "severe"], carePlan: false }),
);
await cli(["cohort", "save", "bench-frail-no-plan", join(dir, "cohort.json")]);

// A rejected row: a GP coded-record extract with a date that is not one.
writeFileSync(
  join(dir, "gp-bad.csv"),
  "entry_id,patient_id,practice_code,recorded_on,entry_kind,code_system,code,value,unit,extracted_at\n" +
    "bench-bad-1,gp-0,Z90001,2015-02-31,observation,http://snomed.info/sct,271649006,150,mm[Hg],2016-04-01T02:00:00Z\n",
);
await cli(["ingest", "csv", "--source", "gp", join(dir, "gp-bad.csv")]);

// An MPI review item: social care clients without an NHS Number, each a near copy of one of the place's first
// people (a name spelt another way, another postcode or none): some link, some are new people, and some score
// between the thresholds and wait for a person to decide.
const near = await openDb(storeConfigFromEnv(process.env));
const people = await near.query<{ family_name: string; given_name: string; birth_date: string; sex: string }>(
  "SELECT family_name, given_name, birth_date::text AS birth_date, sex FROM person ORDER BY person_id LIMIT 10",
);
await near.close();
const variants = (p: (typeof people)[number]) => [
  [p.family_name, `${p.given_name}a`, "RM17 6CX"],
  [p.family_name.slice(0, -1), p.given_name, ""],
  [p.family_name, p.given_name.slice(0, 3), "SS17 1CA"],
  [`${p.family_name}e`, p.given_name.slice(0, -1), ""],
];
writeFileSync(
  join(dir, "sc-near.csv"),
  "client_id,nhs_number,family_name,given_name,birth_date,sex,postcode,extracted_at\n" +
    people
      .flatMap((p, i) =>
        variants(p).map(
          ([family, given, postcode], v) =>
            `BENCHNEAR${i}-${v},,${family},${given},${p.birth_date},${p.sex},${postcode},2016-04-01T02:00:00Z\n`,
        ),
      )
      .join(""),
);
await cli(["ingest", "csv", "--source", "bench-sc", "--org", "ZZX01", join(dir, "sc-near.csv")]);

const db = await openDb(storeConfigFromEnv(process.env));
try {
  // A break-glass access: the demo social worker, for a person they have no relationship with.
  const reader = createReader(db, await careIdentity(db, "demo.social", undefined));
  const [stranger] = await db.query<{ person_id: string }>(
    `SELECT p.person_id::text FROM person p WHERE NOT EXISTS (SELECT 1 FROM caseload_entry c WHERE c.person_id = p.person_id)
     ORDER BY p.person_id DESC LIMIT 1`,
  );
  const [{ open }] = await db.query<{ open: number }>(
    "SELECT count(*)::int AS open FROM mpi_review WHERE status = 'open'",
  );
  console.log(`MPI review items open: ${open}`);
  const decision = await reader.breakGlass(
    stranger.person_id,
    "Bench: urgent safeguarding concern (synthetic)",
  );
  console.log(`break-glass: ${decision.allow ? "granted" : decision.reason}`);
} finally {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}
