import type { Queryable } from "./db.ts";
import { isCitus } from "./layout.ts";

// Planner and memory settings for the rest of a transaction (SET LOCAL), where the work runs. On a Citus
// cluster most of a batch statement's work runs in the workers' backends, over connections the coordinator
// opens for the transaction, and a SET LOCAL stays on the coordinator unless citus.propagate_set_commands is
// 'local' (then Citus sends each SET LOCAL to the connections open in the transaction, and puts it after the
// BEGIN of each one it opens later). Citus sends the whole query string a SET LOCAL came in, so there each goes
// as a statement of its own: one string of several would reach the workers once for each SET in it, and
// anything else in it with them.

/** `name = value` pairs, values as SQL spells them ("'512MB'", "off", "0"). */
export type LocalSettings = Readonly<Record<string, string>>;

/** SET LOCAL each setting, on the Citus workers' connections of the transaction too. */
export async function setLocal(tx: Queryable, settings: LocalSettings): Promise<void> {
  const sets = Object.entries(settings).map(([name, value]) => `SET LOCAL ${name} = ${value}`);
  if (sets.length === 0) return;
  if (!isCitus(tx)) {
    await tx.exec(sets.join("; "));
    return;
  }
  await tx.exec("SET LOCAL citus.propagate_set_commands = 'local'");
  for (const set of sets) await tx.exec(set);
}
