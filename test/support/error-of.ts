import { expect } from 'vitest';

/** Runs `fn`, asserts it throws an instance of `cls`, and returns that error for further checks. */
export function errorOf<E extends Error>(fn: () => unknown, cls: abstract new (...args: never[]) => E): E {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(cls);
    return e as E;
  }
  throw new Error('expected an error');
}

/** Awaits `promise`, asserts it rejects, and returns the error for further checks. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as Error,
  );
}
