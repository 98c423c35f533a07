/**
 * MySQL's binary JSON column format (MySQL 5.7+ `json_binary`; MariaDB stores JSON as text)
 * to the JSON text mysql2 shows with `jsonStrings`. The decoder is @vlasky/zongji's, which
 * icetide used for the whole binlog before its own reader: loaded from its file because the
 * package exports only its entry point. It is only loaded when a MySQL JSON column is read.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { IcetideError } from '../../../src/errors.js';

type JsonDecoder = (bytes: Buffer) => string;

let decoder: Promise<JsonDecoder> | undefined;
let loaded: JsonDecoder | undefined;

async function load(): Promise<JsonDecoder> {
  const require = createRequire(import.meta.url);
  const dir = path.dirname(require.resolve('@vlasky/zongji'));
  const mod = (await import(pathToFileURL(path.join(dir, 'lib', 'json_decode.js')).href)) as { default?: (b: Buffer) => unknown; jsonToText?: (v: unknown) => string };
  const decode = mod.default;
  const toText = mod.jsonToText;
  if (typeof decode !== 'function' || typeof toText !== 'function') {
    throw new IcetideError(`@vlasky/zongji's JSON decoder (${dir}/lib/json_decode.js) is not the shape icetide expects: pin @vlasky/zongji to the version in package-lock.json`);
  }
  loaded = (bytes) => toText(decode(bytes));
  return loaded;
}

/** Loads the decoder (once): the MySQL binlog reader awaits this before its first event. */
export function loadMysqlJsonDecoder(): Promise<JsonDecoder> {
  decoder ??= load();
  return decoder;
}

/** The decoder loaded by loadMysqlJsonDecoder. */
export function mysqlJsonDecoder(): JsonDecoder {
  if (!loaded) throw new IcetideError('a MySQL binary JSON value arrived before the JSON decoder was loaded (loadMysqlJsonDecoder)');
  return loaded;
}
