/**
 * How a module starts a worker thread from a file beside it, whether icetide runs from its
 * compiled build (the `.js` file is imported) or from TypeScript sources (tests, tsx: the worker
 * registers tsx first, then imports the `.ts` file).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Source for `new Worker(src, { eval: true })` that loads `<name>.js` (or `<name>.ts`) from the
 * folder of the module whose `import.meta.url` is `here`.
 */
export function workerScript(here: string, name: string): string {
  if (!here.endsWith('.ts')) return `import(${JSON.stringify(new URL(`./${name}.js`, here).href)})`;
  const tsxDir = path.dirname(createRequire(here).resolve('tsx/package.json'));
  const api = pathToFileURL(path.join(tsxDir, 'dist', 'esm', 'api', 'index.mjs')).href;
  const target = pathToFileURL(path.join(path.dirname(fileURLToPath(here)), `${name}.ts`)).href;
  return `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); })`;
}
