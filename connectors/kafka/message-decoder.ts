/**
 * One Kafka message value -> the changes it carries, decoded by the file connector's
 * change-record pipeline (the same envelope readers, table registry and value decoders), so
 * a Debezium event reads the same from a file line and from a topic.
 */
import { isUtf8 } from 'node:buffer';
import { isJsonObject } from '../../src/iceberg/spec/lossless-json.js';
import { parseLineJson, parseRawChange, type ParsedChange } from '../file/change-line.js';
import type { Fail, RawChange } from '../file/change-record.js';
import { readDebeziumEnvelope } from '../file/debezium-envelope.js';
import type { LineItem } from '../file/line-reader.js';
import type { TableRegistry } from '../file/table-registry.js';
import { readCanalMessage } from './canal-message.js';
import { KafkaMessageError } from './errors.js';
import { readMaxwellMessage } from './maxwell-message.js';
import { eventPosition } from './position.js';

/** How message values are shaped (`source.format`). */
export type KafkaFormat = 'debezium' | 'canal' | 'maxwell';

export interface MessageRef {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly value: Buffer | null;
}

function changesOf(format: KafkaFormat, json: Parameters<typeof readDebeziumEnvelope>[0], fail: Fail): RawChange[] {
  if (format === 'canal') return readCanalMessage(json, fail);
  const one = format === 'maxwell' ? readMaxwellMessage(json, fail) : readDebeziumEnvelope(json, fail);
  return one ? [one] : [];
}

/**
 * The changes of one message, with Kafka positions and origins. Empty for a tombstone (a null
 * value, sent after a Debezium delete for log compaction: the delete came before it) and for
 * messages without rows. Throws KafkaMessageError for anything else that is not valid.
 */
export function decodeMessage(m: MessageRef, format: KafkaFormat, tables: TableRegistry): ParsedChange[] {
  const fail: Fail = (problem, context = {}) => {
    throw new KafkaMessageError(m.topic, m.partition, m.offset, problem, context);
  };
  if (m.value === null || m.value.length === 0) return [];
  const item: LineItem = { kind: 'line', file: `${m.topic}[${m.partition}]`, line: m.offset, text: m.value.toString('utf8'), invalidUtf8: !isUtf8(m.value) };
  if (item.invalidUtf8) fail('the value is not valid UTF-8');
  const json = parseLineJson(item, fail);
  if (json === null) return [];
  if (!isJsonObject(json)) return fail(`expected a JSON object (a ${format} change message)`);
  const position = eventPosition(m.topic, m.partition, m.offset);
  const origin = `${m.topic}[${m.partition}]@${m.offset}`;
  return changesOf(format, json, fail).map((change) => {
    const parsed = parseRawChange(change, item, tables, fail);
    return parsed.kind === 'event' ? { ...parsed, event: { ...parsed.event, position, origin } } : parsed;
  });
}

/** The table and row schema a message is about, for discovery; undefined when it names none. */
export function peekMessage(m: MessageRef, format: KafkaFormat): RawChange[] {
  try {
    if (m.value === null || m.value.length === 0) return [];
    const fail: Fail = (problem) => {
      throw new KafkaMessageError(m.topic, m.partition, m.offset, problem);
    };
    const item: LineItem = { kind: 'line', file: m.topic, line: m.offset, text: m.value.toString('utf8'), invalidUtf8: false };
    const json = parseLineJson(item, fail);
    return isJsonObject(json) ? changesOf(format, json, fail) : [];
  } catch (err) {
    if (err instanceof KafkaMessageError) return [];
    throw err;
  }
}
