// A bearer token's identity, read first (the long way) or guessed and checked in the statement that reads the
// rows. A read's statement depends on who asks (the role's facts, the user, team and practice), so it cannot run
// before the identity is known; reading the token first costs a statement that every request waits for. Instead
// a read may choose its statement by the identity this process last read for the token (the guess) and re-read
// the token's identity inside that statement, in the same snapshot as the rows: the request is decided only if
// what was re-read equals the guess; otherwise nothing was decided or audited, and the route runs again on the
// token read first (401 if it is gone). The guess never answers anything by itself: it only chooses a statement,
// so a revoked token, a locked account or a role taken away is refused by the first statement that starts after
// the change commits, as when the token is read first. Any way out of a route that did not re-read the token
// (no row found, a refusal before reading, a bad request) reads it the long way before it answers.
import {
  apiTokenDigestSql,
  hashSecret,
  type Identity,
  readApiToken,
  touchApiToken,
} from "../governance/index.ts";
import type { Queryable } from "../store/index.ts";
import { ACCESS_TOKEN_PREFIX, accessTokenDigestSql, readAccessToken } from "./clients.ts";
import type { FhirIdentity } from "./identity.ts";

/** The token's identity is no longer the one guessed (or the token is gone): the route must run again. */
export class TokenChanged extends Error {
  override readonly name = "TokenChanged";
}

interface TokenRead {
  identity: FhirIdentity;
  /** Every fact of the identity as one value, as the digest subqueries re-read it. */
  digest: string;
  expiresAt: Date;
  /** An API token's id (touched once a minute when used); null for a backend client's access token. */
  tokenId: string | null;
}

/** The identity last read for each token hash in this process: used only to choose a statement, never to answer. */
const GUESSES = new Map<string, TokenRead>();
const MAX_GUESSES = 10_000;

/** Guesses made, confirmed by a statement's re-read or the long way, and found wrong (for tests and benches). */
export const TOKEN_GUESSES = { made: 0, confirmed: 0, wrong: 0 };

export function userIdentity(identity: Identity): FhirIdentity {
  return { ...identity, clientId: null, scopes: null };
}

async function readToken(db: Queryable, token: string, at: Date): Promise<TokenRead | null> {
  if (token.startsWith(ACCESS_TOKEN_PREFIX)) {
    const read = await readAccessToken(db, token, at);
    return read && { ...read, tokenId: null };
  }
  const read = await readApiToken(db, token, at);
  return read && { ...read, identity: userIdentity(read.identity) };
}

/** The identity behind a bearer token, read now (the long way), and remembered as its next request's guess. */
export async function readBearer(
  db: Queryable,
  token: string,
  at: Date = new Date(),
): Promise<TokenRead | null> {
  const hash = hashSecret(token);
  const read = await readToken(db, token, at);
  if (!read) GUESSES.delete(hash);
  else {
    if (GUESSES.size >= MAX_GUESSES) GUESSES.clear();
    GUESSES.set(hash, read);
  }
  return read;
}

/** A request running on the identity guessed for its token, until a statement's re-read confirms it. */
export class TokenCheck {
  readonly #db: Queryable;
  readonly #hash: string;
  readonly #guess: TokenRead;
  readonly #at: Date;
  #confirmed = false;
  /** The bearer token, to read it the long way when the guess fails. */
  readonly token: string;

  private constructor(db: Queryable, token: string, hash: string, guess: TokenRead, at: Date) {
    this.#db = db;
    this.token = token;
    this.#hash = hash;
    this.#guess = guess;
    this.#at = at;
  }

  /** A check of the identity last read for `token`, or null when there is none or it had expired by `at`. */
  static guess(db: Queryable, token: string, at: Date = new Date()): TokenCheck | null {
    const hash = hashSecret(token);
    const guess = GUESSES.get(hash);
    if (!guess || guess.expiresAt.getTime() <= at.getTime()) return null;
    TOKEN_GUESSES.made++;
    return new TokenCheck(db, token, hash, guess, at);
  }

  get identity(): FhirIdentity {
    return this.#guess.identity;
  }

  /**
   * A column for the statement that reads the rows: the digest of the token's identity in that statement's
   * snapshot (`add` adds the token's hash as a parameter). Null once confirmed.
   */
  column(add: (value: unknown, cast: string) => string): string | null {
    if (this.#confirmed) return null;
    const hash = add(this.#hash, "text");
    return this.token.startsWith(ACCESS_TOKEN_PREFIX) ? accessTokenDigestSql(hash) : apiTokenDigestSql(hash);
  }

  /** Confirms the guess from the column's value, or throws TokenChanged. Its expiry is part of the digest. */
  async confirm(digest: unknown): Promise<void> {
    if (this.#confirmed) return;
    if (digest !== this.#guess.digest) {
      TOKEN_GUESSES.wrong++;
      throw new TokenChanged();
    }
    this.#confirmed = true;
    TOKEN_GUESSES.confirmed++;
    if (this.#guess.tokenId) await touchApiToken(this.#db, this.#hash, this.#guess.tokenId, this.#at);
  }

  /** Reads the token the long way unless already confirmed: throws TokenChanged unless it is as guessed. */
  async ensure(): Promise<void> {
    if (this.#confirmed) return;
    const read = await readBearer(this.#db, this.token, this.#at);
    if (!read || read.digest !== this.#guess.digest) {
      TOKEN_GUESSES.wrong++;
      throw new TokenChanged();
    }
    this.#confirmed = true;
    TOKEN_GUESSES.confirmed++;
  }
}
