/**
 * Lifecycle every long-running off-chain service follows: start, stop (graceful, idempotent)
 * and a health signal the API reports.
 */
export interface Service {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): { ok: boolean; detail?: string };
}

/** Runs stop handlers once, newest first, on SIGINT/SIGTERM or an explicit call. */
export function onShutdown(): { add(fn: () => Promise<void> | void): void; run(): Promise<void> } {
  const handlers: Array<() => Promise<void> | void> = [];
  let running: Promise<void> | undefined;
  const run = () =>
    (running ??= (async () => {
      for (const fn of handlers.reverse()) {
        try {
          await fn();
        } catch {
          // keep stopping the rest: an orphan process is worse than a noisy stop
        }
      }
    })());
  return { add: (fn) => void handlers.push(fn), run };
}
