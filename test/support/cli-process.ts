import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ENTRY = path.resolve(process.cwd(), 'src/cli/entry.ts');
/** tsx's loader by absolute URL: the child runs in another directory. */
const TSX = pathToFileURL(path.resolve(process.cwd(), 'node_modules/tsx/dist/loader.mjs')).href;

/** Starts `icetide ...` from source in a child process (real process: it can be SIGKILLed). */
export function startCli(args: readonly string[], cwd: string): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, ['--import', TSX, ENTRY, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}
