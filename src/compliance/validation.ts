import type { z } from 'zod';
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
