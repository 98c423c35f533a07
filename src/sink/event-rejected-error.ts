import { ValidationError } from '../errors.js';
import type { ChangeEvent, EventRejection } from './change-event.js';

/**
 * A table writer refuses one event it cannot apply (no usable key, no image for its op).
 * Thrown before the event touched the in-flight commit, so the writer stays usable and the
 * pipeline may route the event to the source's dead-letter output and go on; without one,
 * it stops the pipeline with this message.
 */
export class EventRejectedError extends ValidationError {
  constructor(
    readonly event: ChangeEvent,
    /** The target table. */
    readonly target: string,
    message: string,
  ) {
    super(message, { table: event.table, target, origin: event.origin });
  }

  get rejection(): EventRejection {
    return { event: this.event, reason: this.message, target: this.target };
  }
}
