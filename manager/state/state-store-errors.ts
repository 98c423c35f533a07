/**
 * Errors of the manager's state store. Each names where the store is (a SQLite path, or a
 * PostgreSQL URL with the password replaced by `***`) and says what to do; `retriable` tells
 * the daemon whether waiting can help (server down) or a person must act (rights, login).
 */
import { IcetideError } from '../../src/errors.js';

/** A state store query failed for a reason not covered below. */
export class StateStoreError extends IcetideError {}

/** The store cannot be reached or opened now: server down, refused, timed out, restarting. */
export class StateStoreUnavailableError extends StateStoreError {
  override readonly retriable = true;
}

/** The server answered but refuses us: bad login, no such database, missing privileges. */
export class StateStoreAccessError extends StateStoreError {}

/** A run id that is not in the store. */
export class NoSuchRunError extends StateStoreError {}
