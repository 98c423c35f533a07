import { badRequest } from './rest-errors.js';

/** The spec's default namespace separator: the unit separator 0x1F (`%1F` in a URL). */
export const NAMESPACE_SEPARATOR = '\x1f';

/** A `{namespace}` path parameter (already URL-decoded) as its levels. */
export function parseNamespaceParam(text: string): string[] {
  const levels = text.split(NAMESPACE_SEPARATOR);
  if (levels.some((l) => l.length === 0)) throw badRequest(`namespace ${JSON.stringify(text)} has an empty level (levels are separated by %1F)`);
  return levels;
}
