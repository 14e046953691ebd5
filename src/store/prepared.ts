// Named prepared statements for the SQL every request runs (the session look-up, the access decision, the
// audit append, a person's page). A statement made with prepared(name, text) is parsed once per connection
// and then run by name: PostgreSQL skips parsing and, after a few runs, planning (a generic plan); PGlite also
// skips the five extra trips into WebAssembly its `query` makes for each statement. Pass it to
// Queryable.query in place of the text. Only for text that never changes: text built per call stays a string.
import { createHash } from "node:crypto";
import { DatabaseError, deferWrite, type PreparedStatement, type Queryable } from "./db.ts";
import { isCitus } from "./layout.ts";

export type { PreparedStatement };

/** Every name given out in this process, with its text: one name can never mean two statements. */
const NAMES = new Map<string, string>();

/** PostgreSQL keeps a statement name to 63 bytes; a longer one would be cut and could collide. */
const MAX_NAME = 63;

/** A statement run by name (see above). The name is unique in the process; the text must be constant. */
export function prepared(name: string, text: string): PreparedStatement {
  if (!/^[a-z][a-z0-9_.:-]*$/.test(name) || name.length > MAX_NAME) {
    throw new DatabaseError(`Not a usable prepared statement name: "${name}"`, undefined, {
      kind: "invalid",
      code: "store.prepared-name",
    });
  }
  const known = NAMES.get(name);
  if (known !== undefined && known !== text) {
    throw new DatabaseError(`Two different statements are both named "${name}"`, undefined, {
      kind: "invalid",
      code: "store.prepared-name",
    });
  }
  NAMES.set(name, text);
  return Object.freeze({ name, text });
}

const BY_TEXT = new Map<string, PreparedStatement>();

/**
 * A prepared statement for text built from a few fixed shapes (a role's facts query, a model's scoring
 * statement): named by its family and a digest of the text, so each shape is prepared once. Only for text
 * drawn from a small set: every distinct text stays prepared on every connection.
 */
export function preparedText(family: string, text: string): PreparedStatement {
  const key = `${family}\u0000${text}`;
  let statement = BY_TEXT.get(key);
  if (!statement) {
    const digest = createHash("sha256").update(text).digest("hex").slice(0, 16);
    statement = prepared(`${family}.${digest}`, text);
    BY_TEXT.set(key, statement);
  }
  return statement;
}

export function isPrepared(sql: string | PreparedStatement): sql is PreparedStatement {
  return typeof sql !== "string";
}

/**
 * For the rest of the caller's transaction, prepared statements run their generic plan (planned once per
 * connection) instead of being planned again for their parameters. PostgreSQL's own choice replans a statement
 * every time when a plan for the actual values looks cheaper than the generic one, as it always does for a
 * statement over unnest() of arrays shorter than its default guess: its planning then costs more than running it.
 * Only for statements whose plan does not depend on their values (look-ups by key). Such a generic plan guesses
 * ten keys, and with the default random_page_cost (4, a disk's) it hashed them and scanned a table of a few
 * thousand rows whole rather than probe its index ten times (an ADT batch's read: the MPI's links and people,
 * 1.5 ms a batch against 0.4); with 1.1 (pages in memory, as a place's working set is) it probes at any size.
 * Deferred: it goes with the transaction's next statement. Not on Citus, which plans its own prepared statements.
 */
export async function genericPlans(q: Queryable): Promise<void> {
  if (isCitus(q)) return;
  await deferWrite(q, "SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL random_page_cost = 1.1");
}
