import { isPlaceEmpty, placeSummary } from "../../platform/index.ts";
import { DEFAULT_SYNTH_CONFIG } from "../../synth/index.ts";
import { defineCommand, flag, int, text } from "../command.ts";
import { engineDescription, out } from "../context.ts";
import { serveUntilStopped } from "../serve-web.ts";
import { webOptions } from "./serve.ts";
import { formatLoadResult, generateInto, synthConfigOf, synthOptions } from "./synth.ts";

export const demo = defineCommand({
  name: "demo",
  summary:
    "Run OnePlace on the embedded database: create it if needed, generate and load the synthetic Thurrock if it is empty, print a summary and serve the status page.",
  options: {
    ...webOptions,
    ...synthOptions,
    people: int("Size of the place to generate if the database is empty (default 165,996)", {
      min: 100,
      max: 2_000_000,
      default: DEFAULT_SYNTH_CONFIG.people,
    }),
    seed: text('Seed for the generated place (default "thurrock")', { default: DEFAULT_SYNTH_CONFIG.seed }),
    "no-serve": flag("Load and print the summary, then exit without starting the server"),
  },
  db: "migrated",
  async run({ options, db }) {
    const config = synthConfigOf(options);
    out(`Database: ${engineDescription(db)}`);
    if (await isPlaceEmpty(db)) {
      out(
        `The database is empty: generating the synthetic place (${config.people.toLocaleString("en-GB")} people, seed "${config.seed}").`,
      );
      out(formatLoadResult(await generateInto(db, config, true)));
    } else {
      out("Using the place already loaded.");
    }
    const s = await placeSummary(db);
    out(
      `\n${s.people.toLocaleString("en-GB")} people, ${s.practices} practices in ${s.localities} localities, hospital activity ${s.historyFrom ?? "–"} to ${s.historyTo ?? "–"}.`,
    );
    for (const e of s.eventsByKind)
      out(`  ${e.kind.padEnd(40)} ${e.rows.toLocaleString("en-GB").padStart(11)}`);
    if (options["no-serve"]) return 0;
    await serveUntilStopped({
      db,
      host: options.host,
      port: options.port,
      placeName: "Thurrock (synthetic)",
    });
    return 0;
  },
});
