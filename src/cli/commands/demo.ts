import { isPlaceEmpty, placeSummary } from "../../platform/index.ts";
import {
  DEFAULT_SYNTH_CONFIG,
  type DemoIdentities,
  demoCitizens,
  loadCareHistory,
  loadCareRelationships,
  prepareDemoPasswords,
  seedDemoIdentities,
} from "../../synth/index.ts";
import { defineCommand, flag, int, text } from "../command.ts";
import { engineDescription, out } from "../context.ts";
import { serveUntilStopped } from "../serve-web.ts";
import { webOptions } from "./serve.ts";
import {
  formatCareHistory,
  formatLoadResult,
  formatRelationships,
  generateInto,
  synthConfigOf,
  synthOptions,
  threadsOption,
} from "./synth.ts";

/** The demo users, with each password created by this run (shown now and never again). */
export function formatDemoIdentities(demo: DemoIdentities): string {
  const lines = [
    `Demo users (the GP and MDT coordinator are in practice ${demo.practiceCode}'s team; caseloads include people on its register):`,
    `  ${"username".padEnd(18)} ${"password".padEnd(22)} ${"role".padEnd(26)} team`,
  ];
  for (const u of demo.users) {
    const password = u.password ?? "(set earlier)";
    const caseload = u.caseload > 0 ? `, caseload ${u.caseload}` : "";
    lines.push(
      `  ${u.username.padEnd(18)} ${password.padEnd(22)} ${u.roleCode.padEnd(26)} ${u.teamCode}${caseload}`,
    );
  }
  lines.push(
    demo.users.some((u) => u.password)
      ? "These passwords are shown once: OnePlace keeps only their hashes. Run 'oneplace demo --new-passwords' for new ones."
      : "Their passwords were printed when they were created. Run 'oneplace demo --new-passwords' for new ones.",
  );
  return lines.join("\n");
}

export const demo = defineCommand({
  name: "demo",
  summary:
    "Run OnePlace on the embedded database: create it if needed, generate and load the synthetic Thurrock if it is empty, print a summary and serve the status page.",
  options: {
    ...webOptions,
    ...synthOptions,
    ...threadsOption,
    people: int("Size of the place to generate if the database is empty (default 165,996)", {
      min: 100,
      max: 2_000_000,
      default: DEFAULT_SYNTH_CONFIG.people,
    }),
    seed: text('Seed for the generated place (default "thurrock")', { default: DEFAULT_SYNTH_CONFIG.seed }),
    "no-serve": flag("Load and print the summary, then exit without starting the server"),
    "new-passwords": flag("Give every demo user a new random password (printed once)"),
  },
  db: "migrated",
  serving: true,
  async run({ options, db }) {
    const config = synthConfigOf(options);
    out(`Database: ${engineDescription(db)}`);
    let passwords: ReturnType<typeof prepareDemoPasswords> | undefined;
    if (await isPlaceEmpty(db)) {
      out(
        `The database is empty: generating the synthetic place (${config.people.toLocaleString("en-GB")} people, seed "${config.seed}").`,
      );
      const result = await generateInto(db, config, true, options.threads, {
        // The users' password hashes from here on, on a core the generating threads no longer use.
        onGenerated: () => {
          passwords = prepareDemoPasswords();
        },
      });
      out(formatLoadResult(result));
      out(formatRelationships(result.relationships));
      out(formatCareHistory(result.careHistory));
    } else {
      out("Using the place already loaded.");
      const added = await loadCareRelationships(db);
      if (added.teams > 0) out(formatRelationships(added));
      const history = await loadCareHistory(db);
      if (history.meetings > 0) out(formatCareHistory(history));
    }
    const s = await placeSummary(db);
    out(
      `\n${s.people.toLocaleString("en-GB")} people, ${s.practices} practices in ${s.localities} localities, hospital activity ${s.historyFrom ?? "–"} to ${s.historyTo ?? "–"}.`,
    );
    for (const e of s.eventsByKind)
      out(`  ${e.kind.padEnd(40)} ${e.rows.toLocaleString("en-GB").padStart(11)}`);
    out(
      `\n${formatDemoIdentities(await seedDemoIdentities(db, { newPasswords: options["new-passwords"], passwords }))}`,
    );
    if (options["no-serve"]) return 0;
    await serveUntilStopped({
      db,
      host: options.host,
      port: options.port,
      placeName: "Thurrock (synthetic)",
      demoCitizens: await demoCitizens(db),
    });
    return 0;
  },
});
