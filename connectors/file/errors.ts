import { ValidationError, type ErrorContext } from '../../src/errors.js';

/**
 * A changelog line that cannot become a change event (bad JSON, unknown op or table, a value
 * that does not fit its column). The message starts with `file:line`; with on-error
 * dead-letter it is recorded and the line skipped, otherwise it stops the pipeline.
 */
export class ChangeLineError extends ValidationError {
  constructor(
    readonly file: string,
    readonly line: number,
    /** The message without the `file:line: ` prefix. */
    readonly problem: string,
    context: ErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(`${file}:${line}: ${problem}`, { file, line, ...context }, options);
  }
}
