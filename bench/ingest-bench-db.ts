// A scratch database for a benchmark: a temporary PGlite directory, or (with DATABASE_URL) a fresh database on
// that server, dropped afterwards. The tests' scratch-database helper, under the benchmarks' names.
import { openTestDb, type TestDb } from "../test/helpers/test-db.ts";

export type BenchDb = Pick<TestDb, "db" | "env" | "dispose">;

export function openBenchDb(): Promise<BenchDb> {
  return openTestDb({ prefix: "oneplace-bench" });
}

export function rate(n: number, seconds: number): string {
  return `${Math.round(n / seconds).toLocaleString("en-GB")}/s`;
}
