export { createKafkaSource, KafkaChangelogSource, type KafkaSourceOptions } from './kafka-source.js';
export { KafkaMessageError, KafkaRebalanceError } from './errors.js';
export type { KafkaFormat } from './message-decoder.js';
export { compareKafkaOffsets, kafkaPosition, toKafkaOffsets, type KafkaOffsets } from './position.js';
