import { isPlaceEmpty, placeSummary } from "../../store/place-summary.ts";
import { type Command, intOption } from "../command.ts";
import { engineDescription, out, withDb } from "../context.ts";
import { serveUntilStopped } from "../serve-web.ts";
import { webOptions } from "./serve.ts";
import { formatLoadResult, generateInto, synthConfigFromArgs, synthOptions } from "./synth.ts";

export const demo: Command = {
  name: "demo",
  summary:
    "Run OnePlace on the embedded database: create it if needed, generate and load the synthetic Thurrock if it is empty, print a summary and serve the status page.",
  usage: "oneplace demo [--port 3000] [--people N] [--seed S] [--from DATE] [--to DATE] [--no-serve]",
  options: {
    ...webOptions,
    people: {
      type: "string",
      valueName: "N",
      description: "Size of the place to generate if the database is empty (default 165,996)",
    },
    seed: {
      type: "string",
      valueName: "text",
      description: 'Seed for the generated place (default "thurrock")',
    },
    from: synthOptions.from,
    to: synthOptions.to,
    "no-serve": {
      type: "boolean",
      description: "Load and print the summary, then exit without starting the server",
    },
  },
  async run({ values }) {
    const port = intOption(values.port, "port", 1, 65_535) ?? 3000;
    const host = typeof values.host === "string" ? values.host : "127.0.0.1";
    const config = synthConfigFromArgs(values);
    return withDb(
      async (db) => {
        out(`Database: ${engineDescription(db)}`);
        if (await isPlaceEmpty(db)) {
          out(
            `The database is empty: generating the synthetic place (${config.people.toLocaleString("en-GB")} people, seed "${config.seed}").`,
          );
          const result = await generateInto(db, config, true);
          out(formatLoadResult(result));
        } else {
          out("Using the place already loaded.");
        }
        const s = await placeSummary(db);
        out(
          `\n${s.people.toLocaleString("en-GB")} people, ${s.practices} practices in ${s.localities} localities, hospital activity ${s.historyFrom ?? "–"} to ${s.historyTo ?? "–"}.`,
        );
        for (const e of s.eventsByKind)
          out(`  ${e.kind.padEnd(40)} ${e.rows.toLocaleString("en-GB").padStart(11)}`);
        if (values["no-serve"]) return 0;
        await serveUntilStopped({ db, host, port, placeName: "Thurrock (synthetic)" });
        return 0;
      },
      { migrate: true },
    );
  },
};
