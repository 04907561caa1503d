import { z } from 'zod';

/**
 * An object of string values, every key kept as sent. `z.record` builds a new object by assignment,
 * which drops a `__proto__` key (the assignment sets the prototype instead): alert labels are
 * whatever their sender chose, and are stored and shown exactly.
 */
export const stringMap = z.custom<Record<string, string>>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    [Object.prototype, null].includes(Object.getPrototypeOf(value)) &&
    Object.values(value).every((item) => typeof item === 'string'),
  { message: 'an object of strings' },
);
