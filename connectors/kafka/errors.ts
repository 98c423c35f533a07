import { IcetideError, ValidationError, type ErrorContext } from '../../src/errors.js';

/**
 * A Kafka message that cannot become change events (bad JSON, unknown table, a value that
 * does not fit its column). The message starts with `topic[partition]@offset`; with on-error
 * dead-letter it is recorded and skipped, otherwise it stops the pipeline.
 */
export class KafkaMessageError extends ValidationError {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: number,
    readonly problem: string,
    context: ErrorContext = {},
  ) {
    super(`${topic}[${partition}]@${offset}: ${problem}`, { topic, partition, offset, ...context });
  }
}

/**
 * The consumer group took partitions from this consumer. Rows of those partitions that were
 * read but not committed must never be committed by this process (the new owner reads them
 * again): the pipeline stops, dropping what is uncommitted, and a restart resumes from the
 * offsets committed in the tables.
 */
export class KafkaRebalanceError extends IcetideError {
  override readonly retriable = true;
  constructor(readonly revoked: readonly string[]) {
    super(`the consumer group reassigned partitions (${revoked.join(', ')} moved or were added): stopping without committing rows of revoked partitions; restart the pipeline to resume from the offsets committed in the tables`, { revoked: revoked.join(',') });
  }
}
