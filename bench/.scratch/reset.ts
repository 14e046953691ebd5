import { readFileSync } from "node:fs";
import { openDb } from "../../src/store/open.ts";
const db = await openDb({ home: process.argv[2] });
await db.exec(readFileSync("/tmp/reset.sql", "utf8"));
await db.close();
