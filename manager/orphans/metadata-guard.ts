import { IcetideError } from '../../src/errors.js';
import type { Table } from '../../src/iceberg/table.js';
import type { TableState } from '../../src/iceberg/table-operations.js';
import { listMetadataFiles, newerMetadataFiles } from './newer-metadata.js';
import type { ReferencedFiles } from './referenced-files.js';

/** Re-evaluations a run may make against newer metadata before it gives up. */
export const DEFAULT_MAX_ROUNDS = 5;

/**
 * The table kept committing while orphans were chosen: after `rounds` re-evaluations against
 * newer metadata it still moved. Nothing unvalidated was deleted; retrying later is safe.
 */
export class OrphanRemovalRaceError extends IcetideError {
  override readonly retriable = true;
  constructor(
    readonly table: string,
    readonly rounds: number,
    readonly planned: string | undefined,
    readonly found: string | undefined,
    readonly deleted: number,
  ) {
    super(
      `remove-orphans ${table}: the table changed under each of ${rounds} re-evaluation(s) (validated ${planned ?? '(none)'}, now ${found ?? '(none)'}); ` +
        `${deleted === 0 ? 'nothing was deleted' : `${deleted} file(s) validated before the change were deleted, the rest were kept`}. ` +
        'Re-run when commits are less frequent (e.g. between pipeline commits), or allow more rounds (maxRounds)',
      { table, rounds, planned, found, deleted },
    );
  }
}

/**
 * Keeps the references in step with commits that land while a run lists, reads markers and
 * deletes. `settle()` re-loads the table; when the pointer moved (or a marker vanished, so a
 * commit may have landed) it adds every metadata version newer than the one validated, found
 * by listing the metadata directory as well as through the log, and re-loads again until the
 * pointer holds still. References only grow, so candidates only shrink.
 */
export class MetadataGuard {
  private rounds = 0;

  constructor(
    private readonly table: Table,
    private readonly refs: ReferencedFiles,
    private current: TableState,
    private readonly maxRounds = DEFAULT_MAX_ROUNDS,
  ) {}

  /** The state the references were last validated against. */
  get validated(): TableState {
    return this.current;
  }

  /** Re-evaluations made so far. */
  get reevaluations(): number {
    return this.rounds;
  }

  /** Re-loads the table; true when newer versions were added (the caller re-chooses its candidates). */
  async settle(deletedSoFar: number, suspect = false): Promise<boolean> {
    let grew = false;
    for (;;) {
      await this.table.refresh();
      const now = this.table.state;
      if (now.metadataLocation === this.current.metadataLocation && !suspect) return grew;
      if (this.rounds >= this.maxRounds) throw new OrphanRemovalRaceError(this.table.name, this.rounds, this.current.metadataLocation, now.metadataLocation, deletedSoFar);
      this.rounds++;
      try {
        const listed = now.metadataLocation === undefined ? [] : await listMetadataFiles(this.table.io, now.metadataLocation);
        await this.refs.add(now, newerMetadataFiles(this.current.metadataLocation, listed, now));
      } catch (err) {
        const done = deletedSoFar === 0 ? 'nothing was deleted' : `${deletedSoFar} file(s) validated before were deleted, the rest were kept`;
        throw IcetideError.wrap(err, `remove-orphans ${this.table.name}: cannot determine what the newer metadata reaches, ${done}`, { table: this.table.name });
      }
      this.current = now;
      suspect = false;
      grew = true;
    }
  }
}
