/**
 * Loads a pipeline YAML file: YAML -> `${ENV}` substitution -> zod shapes -> cross-key rules ->
 * PipelineConfig. Every problem found is reported at once, each with its key path and line.
 */
import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { formatKeyPath, PipelineConfigError, type ConfigIssue, type PipelineConfig } from './config.js';
import { substituteEnv, type Env, type EnvIssue } from './config-env.js';
import { pipelineConfigSchema } from './config-schema.js';
import { toPipelineConfig, validateRawConfig } from './config-validate.js';

type Path = readonly PropertyKey[];

/** Line of the key (or item) a path names; the nearest existing ancestor when it is missing. */
function lineOf(doc: Document, lines: LineCounter, path: Path): number | undefined {
  let node: unknown = doc.contents;
  let line = lineAt(node, lines);
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === seg);
      if (!pair) return line;
      line = lineAt(pair.key, lines) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      line = lineAt(node, lines) ?? line;
    } else {
      return line;
    }
  }
  return line;
}

function lineAt(node: unknown, lines: LineCounter): number | undefined {
  const range = (node as { range?: readonly number[] | null } | null | undefined)?.range;
  return range ? lines.linePos(range[0]!).line : undefined;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}...` : v);
  return String(v);
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

function describeTooSmall(iss: Extract<z.core.$ZodIssue, { code: 'too_small' }>): string {
  if (iss.origin === 'array') return `expected at least ${iss.minimum} item(s)`;
  if (iss.origin === 'string') return 'must not be empty';
  return `expected a number ${iss.inclusive ? '>=' : '>'} ${iss.minimum}, got ${describeValue(iss.input)}`;
}

/** One zod issue as config issues (an unknown-keys issue becomes one per key). */
function fromZodIssue(iss: z.core.$ZodIssue): { path: Path; message: string }[] {
  switch (iss.code) {
    case 'invalid_type':
      return [{
        path: iss.path,
        message: iss.input === undefined
          ? `missing required key (expected ${EXPECTED[iss.expected] ?? iss.expected})`
          : `expected ${EXPECTED[iss.expected] ?? iss.expected}, got ${describeValue(iss.input)}`,
      }];
    case 'invalid_value':
      return [{ path: iss.path, message: `expected one of ${iss.values.map((v) => JSON.stringify(v)).join(' | ')}, got ${describeValue(iss.input)}` }];
    case 'unrecognized_keys':
      return iss.keys.map((k) => ({ path: [...iss.path, k], message: iss.message }));
    case 'too_small':
      return [{ path: iss.path, message: describeTooSmall(iss) }];
    case 'invalid_format':
      return [{ path: iss.path, message: `${iss.message}, got ${describeValue(iss.input)}` }];
    case 'too_big':
      return [{ path: iss.path, message: `expected a number ${iss.inclusive ? '<=' : '<'} ${iss.maximum}, got ${describeValue(iss.input)}` }];
    case 'invalid_union': {
      const options = 'options' in iss ? iss.options : undefined;
      if (iss.discriminator !== undefined && options) {
        const input = (iss.input ?? {}) as Record<string, unknown>;
        const got = input[iss.discriminator];
        const expected = `expected one of ${options.map((o) => JSON.stringify(o)).join(' | ')}`;
        return [{ path: iss.path, message: got === undefined ? `missing required key (${expected})` : `${expected}, got ${describeValue(got)}` }];
      }
      return [{ path: iss.path, message: iss.message }];
    }
    default:
      return [{ path: iss.path, message: iss.message }];
  }
}

/**
 * Parses and validates a pipeline config. Pure: `env` supplies `${VAR}` values and `source`
 * (the file name) is used only in messages. Throws PipelineConfigError listing every problem.
 */
export function parsePipelineConfig(text: string, source: string, env: Env): PipelineConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new PipelineConfigError(source, doc.errors.map((e) => ({
      path: '',
      message: `invalid YAML: ${e.message.split('\n')[0]}`,
      ...(e.linePos ? { line: e.linePos[0].line } : {}),
    })));
  }
  const issue = (path: Path, message: string): ConfigIssue => {
    const line = lineOf(doc, lines, path);
    return { path: formatKeyPath(path), message, ...(line !== undefined ? { line } : {}) };
  };
  const tree: unknown = doc.toJS();
  if (tree === null || tree === undefined) throw new PipelineConfigError(source, [{ path: '', message: 'the file is empty (expected a YAML mapping)' }]);

  const envIssues: EnvIssue[] = [];
  const substituted = substituteEnv(tree, env, envIssues);
  const parsed = pipelineConfigSchema.safeParse(substituted, { reportInput: true });
  const issues: ConfigIssue[] = envIssues.map((e) => issue(e.path, e.message));
  if (!parsed.success) {
    for (const zi of parsed.error.issues) for (const ci of fromZodIssue(zi)) issues.push(issue(ci.path, ci.message));
  }
  if (issues.length > 0 || !parsed.success) throw new PipelineConfigError(source, sortIssues(issues));

  const semantic = validateRawConfig(parsed.data);
  if (semantic.length > 0) throw new PipelineConfigError(source, sortIssues(semantic.map((s) => issue(s.path, s.message))));
  return toPipelineConfig(parsed.data);
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/** Reads and validates a pipeline config file; `${VAR}` comes from `env` (default: process.env). */
export async function loadPipelineConfig(path: string, env: Env = process.env): Promise<PipelineConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`${path}: cannot read the pipeline config: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { file: path }, { cause: err });
  }
  return parsePipelineConfig(text, path, env);
}
