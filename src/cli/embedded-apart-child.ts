// The child process of makeEmbeddedDatabaseApart (embedded-apart.ts): makes and migrates an embedded database in
// the home it is given, with the store's other settings from the environment, and says why if it cannot.
import { migrate, openDb, readSettings } from "../platform/index.ts";

try {
  const db = await openDb({
    ...readSettings().store,
    databaseUrl: undefined,
    home: process.argv[2] as string,
  });
  try {
    await migrate(db);
  } finally {
    await db.close();
  }
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
}
