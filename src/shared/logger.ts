import pino from 'pino';

/** Structured logs; quiet in tests unless PALISADE_LOG_LEVEL says otherwise. */
export const logger = pino({
  level: process.env.PALISADE_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info'),
  base: undefined,
});

export type Logger = typeof logger;
