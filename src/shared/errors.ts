/**
 * The one error type of Palisade's off-chain code. `retryable` tells keepers and relayers
 * whether trying again can succeed (an RPC hiccup) or not (bad input, a revert).
 */
export type BaseErrorOptions = {
  details?: string;
  cause?: unknown;
  retryable?: boolean;
  /** HTTP status the API answers with; 4xx for bad input. */
  status?: number;
  code?: string;
};

export class BaseError extends Error {
  override name = 'PalisadeError';
  readonly details: string | undefined;
  readonly retryable: boolean;
  readonly status: number;
  readonly code: string;

  constructor(shortMessage: string, opts: BaseErrorOptions = {}) {
    super(shortMessage, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.details = opts.details;
    this.retryable = opts.retryable ?? false;
    this.status = opts.status ?? 500;
    this.code = opts.code ?? 'INTERNAL';
  }
}

/** Bad input from a user: never retryable, answered with a 4xx. */
export class InputError extends BaseError {
  constructor(message: string, opts: Omit<BaseErrorOptions, 'retryable'> = {}) {
    super(message, { status: 400, code: 'BAD_INPUT', ...opts, retryable: false });
  }
}

/** One line for a terminal: the message, plus details when they add something. */
export function oneLine(err: unknown): string {
  if (err instanceof BaseError) return err.details ? `${err.message}: ${err.details}` : err.message;
  if (err instanceof Error) return err.message.split('\n')[0] ?? String(err);
  return String(err);
}
