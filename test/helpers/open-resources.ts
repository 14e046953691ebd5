// What keeps a process's event loop alive (process.getActiveResourcesInfo), before and after some work: the
// CLI session's child (cli-session-child.ts) uses it to tell a command that would leave the binary running.
/** What keeps the event loop alive, counted by kind. */
export function resourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

function extra(before: Map<string, number>, after: Map<string, number>): string[] {
  const left: string[] = [];
  for (const [kind, n] of after) for (let i = before.get(kind) ?? 0; i < n; i++) left.push(kind);
  return left;
}

/** The resources left since `before`, after giving closing sockets and ending handles up to a second to go. */
export async function leftOpenSince(before: Map<string, number>): Promise<string[]> {
  for (let waited = 0; ; waited += 50) {
    const left = extra(before, resourceCounts());
    if (left.length === 0 || waited >= 1000) return left;
    await new Promise((resolve) => setTimeout(resolve, 50).unref());
  }
}
