/** Process entry for running the CLI from source (tests, `npx tsx src/cli/entry.ts`). */
import { main } from './main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`icetide: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
