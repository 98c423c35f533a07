import fs from 'node:fs';
import path from 'node:path';

/** Plants an unreferenced file (as a crashed writer or a stray copy leaves one), `ageMs` old. */
export function plant(file: string, ageMs: number): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, 'junk');
  const when = new Date(Date.now() - ageMs);
  fs.utimesSync(file, when, when);
  return file;
}
