// SMART on FHIR scopes for system clients: system/<Type>.<cruds> (v2) or system/<Type>.read (v1), with * for
// every type. c (create) and u (update) are granted only to clients registered to write (POSTed transaction
// and batch Bundles); d is accepted in a registration but nothing deletes.

export type Interaction = "read" | "search" | "create" | "update" | "delete";

const LETTER: Record<Interaction, string> = { read: "r", search: "s", create: "c", update: "u", delete: "d" };

const SCOPE = /^system\/(\*|[A-Z][A-Za-z]+)\.(read|\*|[cruds]+)$/;

export function isScope(scope: string): boolean {
  return SCOPE.test(scope);
}

/** Whether the scopes let a client take this interaction on this type. */
export function scopesAllow(scopes: readonly string[], type: string, interaction: Interaction): boolean {
  const letter = LETTER[interaction];
  return scopes.some((scope) => {
    const m = SCOPE.exec(scope);
    if (!m || (m[1] !== "*" && m[1] !== type)) return false;
    if (m[2] === "read") return letter === "r" || letter === "s";
    return m[2] === "*" || m[2].includes(letter);
  });
}

/** The scopes granted for a request: those asked for that the client was registered with. */
export function grantScopes(requested: string, registered: readonly string[]): string[] {
  const asked = requested.split(/\s+/).filter(Boolean);
  return asked.filter((s) => registered.includes(s) || (isScope(s) && registered.some((r) => covers(r, s))));
}

/** Whether a scope lets its holder change data (c, u, d or *). */
export function isWriteScope(scope: string): boolean {
  const m = SCOPE.exec(scope);
  return m !== null && (m[2] === "*" || /[cud]/.test(m[2]));
}

const BY_LETTER = Object.fromEntries(Object.entries(LETTER).map(([k, v]) => [v, k])) as Record<
  string,
  Interaction
>;

/** A registered scope covers an asked one when it allows every interaction the asked one does, on its type. */
function covers(registered: string, asked: string): boolean {
  const m = SCOPE.exec(asked);
  if (!m) return false;
  const letters = m[2] === "read" ? ["r", "s"] : m[2] === "*" ? ["r", "s", "c", "u", "d"] : [...m[2]];
  if (m[1] === "*" && SCOPE.exec(registered)?.[1] !== "*") return false;
  const type = m[1] === "*" ? "Patient" : m[1];
  return letters.every((l) => scopesAllow([registered], type, BY_LETTER[l]));
}
