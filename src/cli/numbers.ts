/**
 * Parsers for numeric command-line options: a value that is not what the option takes is refused by
 * commander with the option's name ("option '--threads <n>' argument 'abc' is invalid. …"), never
 * silently turned into NaN or a default.
 */
import { InvalidArgumentError } from 'commander';

/** An integer in [min, max] (`Number` syntax: '12', '1e3'; not '12abc', '', '1.5'). */
export function intArg(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v) => {
    const n = v.trim() === '' ? NaN : Number(v);
    if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('not an integer.');
    if (n < min || n > max) throw new InvalidArgumentError(max === Number.MAX_SAFE_INTEGER ? `must be ≥ ${min}.` : `must be ${min} … ${max}.`);
    return n;
  };
}

/** A finite number, at least `min` when given. */
export function numArg(min?: number): (v: string) => number {
  return (v) => {
    const n = v.trim() === '' ? NaN : Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError('not a finite number.');
    if (min !== undefined && n < min) throw new InvalidArgumentError(`must be ≥ ${min}.`);
    return n;
  };
}
