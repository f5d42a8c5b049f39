import pino from 'pino';

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** One pino JSON line as a short human line: `12:03:04 warn  relayer poll failed; will retry  err=…`. */
export function prettyLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : json + '\n';
  }
  const { time, level, msg, ...rest } = o;
  const when = typeof time === 'number' ? new Date(time).toISOString().slice(11, 19) : '';
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${when} ${(LEVELS[level as number] ?? String(level)).padEnd(5)} ${String(msg ?? '')}${fields ? `  ${fields}` : ''}\n`;
}

/**
 * Where logs go: always stderr, so stdout carries only a command's result (`--json` prints exactly one
 * document). A terminal gets short readable lines; a pipe or file gets JSON lines for machines. Writes
 * are synchronous so nothing logged before `process.exit` is lost.
 */
function destination(): pino.DestinationStream {
  if (process.stderr.isTTY && process.env.PALISADE_LOG_FORMAT !== 'json') return { write: (line: string) => void process.stderr.write(prettyLine(line)) };
  return pino.destination({ fd: 2, sync: true });
}

/** Structured logs; quiet in tests unless PALISADE_LOG_LEVEL says otherwise. */
export const logger = pino(
  {
    level: process.env.PALISADE_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info'),
    base: undefined,
  },
  destination(),
);

export type Logger = typeof logger;
