// Error tests assert the whole message: t.throws({ message }) only checks that the message contains it.
import type { Test } from 'tap';

/** The error `fn` throws (or undefined). */
export function thrown(fn: () => unknown): Error | undefined {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  return undefined;
}

/** `fn` throws an error of class `type` whose message is exactly `message`. */
export function throwsExact(t: Test, fn: () => unknown, message: string, type = 'RangeError'): void {
  const err = thrown(fn);
  t.equal(err?.constructor.name, type, `${type}: ${message}`);
  t.equal(err?.message, message);
}
