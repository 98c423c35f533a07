import type { FastifyReply } from 'fastify';
import { stringifyJson, type JsonValue } from '../../iceberg/spec/lossless-json.js';
import type { Catalog } from '../catalog.js';

/** What the routes share. */
export interface RouteContext {
  readonly catalog: Catalog;
  /** Sent in every LoadTableResult `config`. */
  readonly tableConfig: Readonly<Record<string, string>>;
  readonly commitRetries: number;
}

/** Sends a wire value as lossless JSON (64-bit ids stay exact). */
export function sendJson(reply: FastifyReply, status: number, value: unknown): FastifyReply {
  return reply.code(status).type('application/json').send(stringifyJson(value as JsonValue));
}
