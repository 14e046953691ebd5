// ONEPLACE_DB_POOL: how many connections a process opens to a PostgreSQL server at most; a bad value is refused
// with words that say what is allowed, before anything connects.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DatabaseError, storeConfigFromEnv } from "../../src/store/index.ts";

test("the pool defaults to 8 connections and takes a whole number from 1 to 100", () => {
  assert.equal(storeConfigFromEnv({}).poolSize, 8);
  assert.equal(storeConfigFromEnv({ ONEPLACE_DB_POOL: " 16 " }).poolSize, 16);
  assert.equal(storeConfigFromEnv({ ONEPLACE_DB_POOL: "" }).poolSize, 8);
});

test("a pool size that is not a whole number from 1 to 100 is refused, saying so", () => {
  for (const bad of ["0", "101", "2.5", "eight", "-4"]) {
    assert.throws(
      () => storeConfigFromEnv({ ONEPLACE_DB_POOL: bad }),
      (e: unknown) =>
        e instanceof DatabaseError &&
        /ONEPLACE_DB_POOL must be a whole number of connections from 1 to 100/.test(e.message),
      bad,
    );
  }
});
