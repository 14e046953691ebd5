// Password hashing with scrypt, a memory-hard function built into Node. Each hash carries its own salt and
// parameters, so the parameters can be raised later and old hashes still verify (and are rehashed at the
// next sign-in).
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";
import { Worker } from "node:worker_threads";

/** OWASP's scrypt settings at equal strength to N=2^17,p=1, using a third of the memory per sign-in. */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 3 } as const;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

function derive(
  password: string,
  salt: Buffer,
  params: { N: number; r: number; p: number },
): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize("NFC"), salt, KEY_LENGTH, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** Why a new password is not acceptable, or null. Length, not composition rules (NCSC guidance). */
export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH)
    return `a password needs at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH)
    return `a password may have at most ${PASSWORD_MAX_LENGTH} characters`;
  if (new Set(password).size < 4) return "a password needs more than three different characters";
  return null;
}

/** scrypt$N$r$p$salt$key, salt and key in base64. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, SCRYPT_PARAMS);
  const { N, r, p } = SCRYPT_PARAMS;
  return `scrypt$${N}$${r}$${p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

const PREPARED = Symbol("made by preparePasswords");

/**
 * A new password whose hash is made ahead of the account it is for (preparePasswords). Only one made there is
 * taken for its hash: createUser checks the class, and only this module can make one.
 */
export class PreparedPassword {
  readonly password: string;
  readonly #hash: Promise<string>;
  constructor(token: symbol, password: string, hash: Promise<string>) {
    if (token !== PREPARED) throw new Error("A PreparedPassword is made by preparePasswords");
    this.password = password;
    this.#hash = hash;
    // A failure is thrown where the hash is awaited, not reported as unhandled meanwhile.
    this.#hash.catch(() => {});
  }
  /** The hash, once made (hashPassword's form). */
  hash(): Promise<string> {
    return this.#hash;
  }
}

/**
 * Hashes new passwords one after another on a thread of their own, from now on (the demo hashes its users'
 * passwords while the main thread builds the place). A thread, not a chain of hashes on the main thread's
 * event loop: the embedded database's statements keep that loop from turning for seconds at a time, and each
 * hash would wait for it to start the next. One at a time, so they take one core, not the thread pool's four.
 */
export function preparePasswords(passwords: readonly string[]): PreparedPassword[] {
  const settle = passwords.map(() => {
    let resolve!: (hash: string) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<string>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  });
  const worker = new Worker(new URL("./password-worker.ts", import.meta.url), {
    workerData: passwords,
  });
  let made = 0;
  worker.on("message", (m: { index: number; hash: string }) => {
    settle[m.index].resolve(m.hash);
    made++;
  });
  const fail = (error: Error) => {
    for (const s of settle.slice(made)) s.reject(error);
  };
  worker.on("error", fail);
  worker.on("exit", (code) => {
    if (made < passwords.length) fail(new Error(`The password hashing thread stopped (exit code ${code})`));
  });
  worker.unref();
  return passwords.map((p, i) => new PreparedPassword(PREPARED, p, settle[i].promise));
}

function parse(stored: string): { N: number; r: number; p: number; salt: Buffer; key: Buffer } | null {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return null;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (
    ![N, r, p].every(Number.isInteger) ||
    N < 2 ** 14 ||
    N > 2 ** 20 ||
    r < 1 ||
    r > 32 ||
    p < 1 ||
    p > 16
  ) {
    return null;
  }
  return { N, r, p, salt: Buffer.from(parts[4], "base64"), key: Buffer.from(parts[5], "base64") };
}

// Used when there is no such user, so that an unknown name takes as long as a wrong password.
const DUMMY_HASH = `scrypt$${SCRYPT_PARAMS.N}$${SCRYPT_PARAMS.r}$${SCRYPT_PARAMS.p}$${Buffer.alloc(SALT_LENGTH).toString("base64")}$${Buffer.alloc(KEY_LENGTH).toString("base64")}`;

/** Compares in constant time. A null or malformed hash still costs one derivation, then fails. */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parsed = parse(stored ?? DUMMY_HASH) ?? (parse(DUMMY_HASH) as NonNullable<ReturnType<typeof parse>>);
  if (password.length > PASSWORD_MAX_LENGTH) return false;
  const key = await derive(password, parsed.salt, parsed);
  return (
    stored !== null &&
    parse(stored) !== null &&
    key.length === parsed.key.length &&
    timingSafeEqual(key, parsed.key)
  );
}

export function needsRehash(stored: string): boolean {
  const parsed = parse(stored);
  return !parsed || parsed.N < SCRYPT_PARAMS.N || parsed.r !== SCRYPT_PARAMS.r || parsed.p < SCRYPT_PARAMS.p;
}
