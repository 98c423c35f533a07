/** An independent model of a Debezium JSON-lines changelog: the source state it describes. */
export function applyChangelog(lines: readonly string[], table: string, key: string): Map<string, Record<string, unknown>> {
  const state = new Map<string, Record<string, unknown>>();
  for (const line of lines) {
    if (!line.trim()) continue;
    const ev = JSON.parse(line) as { op: string; before?: Record<string, unknown> | null; after?: Record<string, unknown> | null; source: { db?: string; table: string } };
    if (`${ev.source.db}.${ev.source.table}` !== table) continue;
    if (ev.op === 'd') state.delete(String(ev.before![key]));
    else {
      if (ev.before && String(ev.before[key]) !== String(ev.after![key])) state.delete(String(ev.before[key]));
      state.set(String(ev.after![key]), ev.after!);
    }
  }
  return state;
}
