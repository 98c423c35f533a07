import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

/** `file:/a/b`, `file:///a/b` and `/a/b` all name the same local file. */
export function localPathOf(location: string): string {
  if (location.startsWith('file:')) {
    // file:/x (Hadoop style, one slash) is not a valid WHATWG file URL form for fileURLToPath
    // on every input, so normalise to file:///x first.
    const rest = location.slice('file:'.length).replace(/^\/+/, '/');
    if (!rest.startsWith('/')) return path.resolve(rest); // file:relative/path (fixtures)
    return fileURLToPath(`file://${rest}`);
  }
  return location;
}

export function isLocalLocation(location: string): boolean {
  return location.startsWith('file:') || !/^[a-z][a-z0-9+.-]*:\/\//i.test(location);
}

export function toFileUri(localPath: string): string {
  return pathToFileURL(path.resolve(localPath)).href;
}

/** Joins a location and a relative path with exactly one slash. */
export function joinLocation(base: string, ...parts: string[]): string {
  let out = base.replace(/\/+$/, '');
  for (const p of parts) out = `${out}/${p.replace(/^\/+/, '')}`;
  return out;
}

/** Strips a trailing slash and a leading `./` so recorded locations compare equal. */
export function normalizeLocation(location: string): string {
  let s = location.replace(/\/+$/, '');
  if (s.startsWith('./')) s = s.slice(2);
  return s;
}
