import { z } from 'zod';
import { InputError } from '../shared/errors.ts';

export type Issue = { path: string; message: string };

/** Bad input at the service boundary, with each problem by field (the API answers them as `details`). */
export class ValidationError extends InputError {
  override name = 'ValidationError';
  readonly issues: Issue[];
  constructor(what: string, issues: Issue[]) {
    super(what, { details: issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '), code: 'INVALID_INPUT' });
    this.issues = issues;
  }
}

export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw new ValidationError(
    what,
    r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
  );
}

/**
 * Free text a person types (names, reasons): trimmed, bounded, and without control characters.
 * PostgreSQL cannot store a NUL byte in text, so one that slipped through would fail only at the
 * write, after the chain call; the others have no business in a name or a reason.
 */
export function textSchema(opts: { min?: number; max: number; required?: string }) {
  return z
    .string({ message: opts.required ?? 'expected text' })
    .trim()
    .min(opts.min ?? 1, { message: opts.required ?? 'must not be empty' })
    .max(opts.max)
    .refine((s) => !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(s), { message: 'control characters (such as NUL) are not allowed' });
}
