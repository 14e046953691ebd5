// SMART on FHIR scopes for system clients: system/<Type>.<rs> (v2) or system/<Type>.read (v1), with * for
// every type. The API only reads, so only r (read) and s (search) are granted.

export type Interaction = "read" | "search";

const SCOPE = /^system\/(\*|[A-Z][A-Za-z]+)\.(read|\*|[cruds]+)$/;

export function isScope(scope: string): boolean {
  return SCOPE.test(scope);
}

/** Whether the scopes let a client take this interaction on this type. */
export function scopesAllow(scopes: readonly string[], type: string, interaction: Interaction): boolean {
  const letter = interaction === "read" ? "r" : "s";
  return scopes.some((scope) => {
    const m = SCOPE.exec(scope);
    if (!m || (m[1] !== "*" && m[1] !== type)) return false;
    return m[2] === "read" || m[2] === "*" || m[2].includes(letter);
  });
}

/** The scopes granted for a request: those asked for that the client was registered with. */
export function grantScopes(requested: string, registered: readonly string[]): string[] {
  const asked = requested.split(/\s+/).filter(Boolean);
  return asked.filter((s) => registered.includes(s) || (isScope(s) && registered.some((r) => covers(r, s))));
}

/** A registered scope covers an asked one when it allows every interaction the asked one does, on its type. */
function covers(registered: string, asked: string): boolean {
  const m = SCOPE.exec(asked);
  if (!m) return false;
  const letters =
    m[2] === "read" || m[2] === "*" ? ["r", "s"] : [...m[2]].filter((c) => c === "r" || c === "s");
  if (letters.length === 0 || [...m[2]].some((c) => "cud".includes(c))) return false;
  const type = m[1] === "*" ? "*" : m[1];
  if (type === "*")
    return (
      SCOPE.exec(registered)?.[1] === "*" &&
      letters.every((l) => scopesAllow([registered], "Patient", l === "r" ? "read" : "search"))
    );
  return letters.every((l) => scopesAllow([registered], type, l === "r" ? "read" : "search"));
}
