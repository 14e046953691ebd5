// Field comparisons for matching: normalised names, Jaro-Winkler similarity, Soundex, nicknames, dates of
// birth with swapped day and month, postcodes by unit, sector and district, and NHS Numbers one keying slip
// apart.

// Names repeat (a search compares one typed name with hundreds of records; a load meets the same surnames
// again and again), and Unicode normalisation is the dearest step of a comparison: remember recent ones.
const NORMALISED = new Map<string, string>();
const NORMALISED_MAX = 50_000;

/** Upper case letters only: "O'Brien-Smith " -> "OBRIENSMITH". */
export function normaliseName(s: string | null | undefined): string {
  if (!s) return "";
  let out = NORMALISED.get(s);
  if (out === undefined) {
    out = s
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toUpperCase()
      .replace(/[^A-Z]/g, "");
    if (NORMALISED.size >= NORMALISED_MAX) NORMALISED.clear();
    NORMALISED.set(s, out);
  }
  return out;
}

export function normalisePostcode(s: string | null | undefined): string {
  if (!s) return "";
  const compact = s.toUpperCase().replace(/[^A-Z0-9]/g, "");
  if (compact.length < 5 || compact.length > 7) return compact;
  return `${compact.slice(0, -3)} ${compact.slice(-3)}`;
}

export function jaroWinkler(a: string, b: string): number {
  if (a === b) return a.length === 0 ? 0 : 1;
  const la = a.length;
  const lb = b.length;
  if (la === 0 || lb === 0) return 0;
  const window = Math.max(0, Math.floor(Math.max(la, lb) / 2) - 1);
  const aMatched = new Uint8Array(la);
  const bMatched = new Uint8Array(lb);
  let matches = 0;
  for (let i = 0; i < la; i++) {
    const from = Math.max(0, i - window);
    const to = Math.min(lb - 1, i + window);
    for (let j = from; j <= to; j++) {
      if (bMatched[j] || a[i] !== b[j]) continue;
      aMatched[i] = 1;
      bMatched[j] = 1;
      matches++;
      break;
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  let k = 0;
  for (let i = 0; i < la; i++) {
    if (!aMatched[i]) continue;
    while (!bMatched[k]) k++;
    if (a[i] !== b[k]) transpositions++;
    k++;
  }
  const m = matches;
  const jaro = (m / la + m / lb + (m - transpositions / 2) / m) / 3;
  let prefix = 0;
  while (prefix < 4 && prefix < la && prefix < lb && a[prefix] === b[prefix]) prefix++;
  return jaro + prefix * 0.1 * (1 - jaro);
}

const SOUNDEX_CODES: Record<string, string> = {
  B: "1",
  F: "1",
  P: "1",
  V: "1",
  C: "2",
  G: "2",
  J: "2",
  K: "2",
  Q: "2",
  S: "2",
  X: "2",
  Z: "2",
  D: "3",
  T: "3",
  L: "4",
  M: "5",
  N: "5",
  R: "6",
};

/** American Soundex of a normalised name ("" for none). */
export function soundex(name: string): string {
  const s = normaliseName(name);
  if (!s) return "";
  let out = s[0];
  let last = SOUNDEX_CODES[s[0]] ?? "";
  for (let i = 1; i < s.length && out.length < 4; i++) {
    const c = s[i];
    const code = SOUNDEX_CODES[c] ?? "";
    if (code && code !== last) out += code;
    // H and W do not separate letters with the same code; vowels do.
    if (c !== "H" && c !== "W") last = code;
  }
  return out.padEnd(4, "0");
}

// Given names and the short forms and spellings people are recorded under. Each group is one name.
const NAME_GROUPS: readonly string[] = [
  "WILLIAM BILL BILLY WILL WILLIE LIAM",
  "ROBERT BOB ROB BOBBY ROBBIE BERT",
  "MARGARET PEGGY MAGGIE MAGGY MEG MARGIE",
  "ELIZABETH LIZ LIZZIE BETH BETTY ELIZA LIBBY BESS",
  "SUSAN SUE SUSIE SUZANNE",
  "PATRICIA PAT PATSY TRISH TRICIA",
  "CHRISTOPHER CHRIS KIT",
  "CHRISTINE CHRIS CHRISSIE CHRISTINA",
  "MICHAEL MIKE MICK MICKY",
  "ANTHONY TONY ANTONY",
  "STEPHEN STEVEN STEVE STEVIE",
  "RICHARD RICH DICK RICKY RICHIE",
  "JAMES JIM JIMMY JAMIE",
  "THOMAS TOM TOMMY",
  "EDWARD TED EDDIE ED NED",
  "KENNETH KEN KENNY",
  "RONALD RON RONNIE",
  "FREDERICK FRED FREDDIE",
  "ALFRED ALF ALFIE",
  "ALBERT BERT BERTIE AL",
  "DOROTHY DOT DOTTIE DOLLY",
  "JACQUELINE JACKIE JACKY",
  "KATHLEEN KATH KATHY KATHERINE CATHERINE KATE KATIE CATH",
  "DEBORAH DEBBIE DEBS DEBRA",
  "SAMANTHA SAM SAMMY",
  "SAMUEL SAM SAMMY",
  "DANIEL DAN DANNY",
  "JOSEPH JOE JOEY",
  "REBECCA BECKY BECCA",
  "NICOLA NICKY NIKKI NICOLE",
  "ANDREW ANDY DREW",
  "DAVID DAVE DAVY",
  "PETER PETE",
  "CHARLES CHARLIE CHAS CHUCK",
  "HENRY HARRY HAL HANK",
  "HAROLD HARRY HAL",
  "RAYMOND RAY",
  "LEONARD LEN LENNY LEO",
  "STANLEY STAN",
  "SIDNEY SID SYDNEY",
  "BARBARA BARBIE BABS",
  "JENNIFER JENNY JEN",
  "VICTORIA VICKY TORI",
  "GEMMA GEM",
  "MOHAMMED MOHAMED MUHAMMAD MOHAMMAD MOHAMAD",
  "OLUWASEUN SEUN",
  "CHUKWUEMEKA EMEKA",
  "KATARZYNA KASIA",
  "ALEKSANDRA OLA ALEXANDRA",
  "ALEXANDER ALEX SANDY",
  "JONATHAN JON JONNY",
  "JOHN JACK JOHNNY",
  "MATTHEW MATT",
  "NICHOLAS NICK NICKY",
  "PHILIP PHIL PHILLIP",
  "TIMOTHY TIM",
  "GERALD GERRY",
  "DOUGLAS DOUG",
  "GEOFFREY GEOFF JEFFREY JEFF",
  "TERENCE TERRY",
  "LAWRENCE LARRY LAURENCE",
  "VALERIE VAL",
  "PAMELA PAM",
  "JUDITH JUDY",
  "ELEANOR ELLIE NELL",
  "ABIGAIL ABBY ABBIE",
  "ISABELLA BELLA IZZY ISABEL",
];

const NICKNAMES = new Map<string, Set<number>>();
NAME_GROUPS.forEach((group, index) => {
  for (const name of group.split(" ")) {
    let set = NICKNAMES.get(name);
    if (!set) {
      set = new Set();
      NICKNAMES.set(name, set);
    }
    set.add(index);
  }
});

/** True when two normalised given names are forms of the same name (William and Bill). */
export function sameNameGroup(a: string, b: string): boolean {
  const x = NICKNAMES.get(a);
  const y = NICKNAMES.get(b);
  if (!x || !y) return false;
  for (const g of x) if (y.has(g)) return true;
  return false;
}

export type NameOutcome = "exact" | "variant" | "similar" | "initial" | "different" | "missing";

/** Compares two given names: exact, a known variant (nickname), similar (a slip), same initial, or different. */
export function compareGiven(a: string | null, b: string | null): NameOutcome {
  const x = normaliseName(a);
  const y = normaliseName(b);
  if (!x || !y) return "missing";
  if (x === y) return "exact";
  if (sameNameGroup(x, y)) return "variant";
  if (jaroWinkler(x, y) >= 0.88 || (soundex(x) === soundex(y) && jaroWinkler(x, y) >= 0.8)) return "similar";
  if ((x.length === 1 || y.length === 1) && x[0] === y[0]) return "initial";
  return "different";
}

export function compareFamily(a: string | null, b: string | null): NameOutcome {
  const x = normaliseName(a);
  const y = normaliseName(b);
  if (!x || !y) return "missing";
  if (x === y) return "exact";
  if (jaroWinkler(x, y) >= 0.9 || (soundex(x) === soundex(y) && jaroWinkler(x, y) >= 0.82)) return "similar";
  // A double-barrelled name recorded by one part.
  if ((x.length >= 4 && y.includes(x)) || (y.length >= 4 && x.includes(y))) return "similar";
  return "different";
}

export type DobOutcome = "exact" | "swapped" | "one-part" | "different" | "missing";

/** Dates YYYY-MM-DD: equal, day and month swapped, one of day, month or year different (a slip), or different. */
export function compareBirthDate(a: string | null, b: string | null): DobOutcome {
  if (!a || !b) return "missing";
  if (a === b) return "exact";
  const [ya, ma, da] = a.split("-");
  const [yb, mb, db] = b.split("-");
  if (ya === yb && ma === db && da === mb) return "swapped";
  const same = (ya === yb ? 1 : 0) + (ma === mb ? 1 : 0) + (da === db ? 1 : 0);
  if (same === 2) {
    if (ya !== yb) {
      // A year a year out is a slip; decades apart on the same day is more often a parent and child.
      return Math.abs(Number(ya) - Number(yb)) === 1 ? "one-part" : "different";
    }
    return "one-part";
  }
  return "different";
}

export type SexOutcome = "agree" | "disagree" | "missing";

export function compareSex(a: string | null, b: string | null): SexOutcome {
  const known = (s: string | null) => s === "female" || s === "male";
  if (!known(a) || !known(b)) return "missing";
  return a === b ? "agree" : "disagree";
}

export type PostcodeOutcome = "exact" | "sector" | "district" | "different" | "missing";

export function comparePostcode(a: string | null, b: string | null): PostcodeOutcome {
  const x = normalisePostcode(a);
  const y = normalisePostcode(b);
  if (!x || !y) return "missing";
  if (x === y) return "exact";
  const [ox, ix = ""] = x.split(" ");
  const [oy, iy = ""] = y.split(" ");
  if (ox !== oy) return "different";
  return ix[0] === iy[0] ? "sector" : "district";
}

export type NhsOutcome = "exact" | "one-slip" | "different" | "missing";

/**
 * NHS Numbers as recorded (either may be mistyped): equal, one keying slip apart (one digit changed, or two
 * adjacent digits swapped), or different.
 */
export function compareNhsNumber(a: string | null, b: string | null): NhsOutcome {
  const x = a?.replace(/[\s-]/g, "") ?? "";
  const y = b?.replace(/[\s-]/g, "") ?? "";
  if (!/^\d{10}$/.test(x) || !/^\d{10}$/.test(y)) return "missing";
  if (x === y) return "exact";
  const diffs: number[] = [];
  for (let i = 0; i < 10; i++) if (x[i] !== y[i]) diffs.push(i);
  if (diffs.length === 1) return "one-slip";
  if (
    diffs.length === 2 &&
    diffs[1] === diffs[0] + 1 &&
    x[diffs[0]] === y[diffs[1]] &&
    x[diffs[1]] === y[diffs[0]]
  ) {
    return "one-slip";
  }
  return "different";
}

/** Every ten-digit string one keying slip away from a number (for finding the person a mistyped number meant). */
export function oneSlipNeighbours(nhs: string): string[] {
  const x = nhs.replace(/[\s-]/g, "");
  if (!/^\d{10}$/.test(x)) return [];
  const out = new Set<string>();
  for (let i = 0; i < 10; i++) {
    for (let d = 0; d <= 9; d++) {
      const c = String(d);
      if (c !== x[i]) out.add(x.slice(0, i) + c + x.slice(i + 1));
    }
    if (i < 9 && x[i] !== x[i + 1]) out.add(x.slice(0, i) + x[i + 1] + x[i] + x.slice(i + 2));
  }
  return [...out];
}
