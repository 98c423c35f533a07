/**
 * Validates REST catalog responses against the vendored Iceberg OpenAPI document
 * (test/fixtures/rest-catalog-open-api.yaml): the operation is found by method + path
 * template (`{prefix}` optional), the response by status, and a JSON body is checked with
 * ajv (JSON Schema 2020-12, OpenAPI 3.1's dialect) against the response's schema.
 * `validatingFetch` wraps fetch so every response a test receives is checked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';

const DOC_ID = 'https://iceberg.apache.org/rest-catalog-open-api.yaml';

interface OpenApiResponse {
  readonly $ref?: string;
  readonly content?: Record<string, { readonly schema?: unknown }>;
}
interface OpenApiDoc {
  readonly paths: Record<string, Record<string, { readonly responses?: Record<string, OpenApiResponse> }>>;
  readonly components: { readonly responses: Record<string, OpenApiResponse> };
}

const doc = parse(fs.readFileSync(path.resolve(process.cwd(), 'test/fixtures/rest-catalog-open-api.yaml'), 'utf8')) as OpenApiDoc;
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema({ ...(doc as object), $id: DOC_ID });

const templates = Object.keys(doc.paths).map((t) => ({
  template: t,
  // `{prefix}` may be left out (a server without a prefix); other parameters are one segment.
  re: new RegExp(`^${t.replace('/{prefix}', '(?:/[^/]+)?').replace(/\{[^}]+\}/g, '[^/]+')}$`),
  literal: t.split('/').filter((s) => !s.startsWith('{')).length,
}));

const compiled = new Map<string, ValidateFunction>();
function validatorFor(pointer: string): ValidateFunction {
  let v = compiled.get(pointer);
  if (!v) compiled.set(pointer, (v = ajv.compile({ $ref: `${DOC_ID}#${pointer}` })));
  return v;
}

/** The most specific path template matching `pathname`. */
function matchTemplate(pathname: string): string | undefined {
  return templates.filter((t) => t.re.test(pathname)).sort((a, b) => b.literal - a.literal)[0]?.template;
}

/** Problems with one response (empty when it follows the spec). */
export function responseProblems(method: string, url: string, status: number, contentType: string, body: string): string[] {
  const pathname = new URL(url).pathname;
  const where = `${method} ${pathname} -> ${status}`;
  const template = matchTemplate(pathname);
  if (!template) return [`${where}: no path of the OpenAPI document matches`];
  const op = doc.paths[template]![method.toLowerCase()];
  if (!op?.responses) return [`${where}: ${template} has no ${method} operation`];
  const key = String(status) in op.responses ? String(status) : 'default' in op.responses ? 'default' : undefined;
  if (key === undefined) return [`${where}: status ${status} is not a documented response of ${method} ${template}`];
  let response = op.responses[key]!;
  let pointer = `/paths/${template.replace(/~/g, '~0').replace(/\//g, '~1')}/${method.toLowerCase()}/responses/${key}`;
  if (response.$ref) {
    const name = response.$ref.split('/').pop()!;
    response = doc.components.responses[name]!;
    pointer = `/components/responses/${name}`;
  }
  const json = response.content?.['application/json'];
  if (!json?.schema) return body.length === 0 || method === 'HEAD' ? [] : [`${where}: the spec documents no body, got ${body.slice(0, 200)}`];
  if (method === 'HEAD') return [];
  if (!contentType.includes('application/json')) return [`${where}: expected application/json, got ${contentType}`];
  // The spec's UnsupportedOperationResponse (406) gives the bare ErrorModel as its schema but
  // the wrapped {"error": ...} in its example, which is what Iceberg clients parse: check that.
  const schema = json.schema as { $ref?: string };
  const validate = validatorFor(schema.$ref === '#/components/schemas/ErrorModel' ? '/components/schemas/IcebergErrorResponse' : `${pointer}/content/application~1json/schema`);
  if (validate(JSON.parse(body))) return [];
  return (validate.errors ?? []).slice(0, 5).map((e) => `${where}: ${e.instancePath || '(root)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/** A fetch that validates every response it returns, recording problems in `problems` and counting checks. */
export function validatingFetch(problems: string[], counter: { checked: number } = { checked: 0 }): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const url = input instanceof Request ? input.url : String(input);
    const body = await res.clone().text();
    problems.push(...responseProblems(method, url, res.status, res.headers.get('content-type') ?? '', body));
    counter.checked++;
    return res;
  };
}
