import { useEffect, useRef, useState } from 'react';

export type PollState<T> = {
  /** The last successful answer; kept while later attempts fail so the page stays readable. */
  data: T | undefined;
  /** The error of the latest attempt, cleared by the next success. */
  error: Error | undefined;
  /** When `data` was received. */
  updatedAt: Date | undefined;
};

/**
 * Calls `load` now and then again `intervalMs` after each attempt ends, so slow answers never
 * pile up. Stops (and aborts the request in flight) when the component unmounts.
 */
export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, intervalMs: number): PollState<T> {
  const [state, setState] = useState<PollState<T>>({ data: undefined, error: undefined, updatedAt: undefined });
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;

    const tick = async () => {
      try {
        const data = await loadRef.current(controller.signal);
        if (controller.signal.aborted) return;
        setState({ data, error: undefined, updatedAt: new Date() });
      } catch (err) {
        if (controller.signal.aborted) return;
        setState((prev) => ({ ...prev, error: err instanceof Error ? err : new Error(String(err)) }));
      }
      if (!controller.signal.aborted) timer = setTimeout(tick, intervalMs);
    };
    void tick();

    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [intervalMs]);

  return state;
}
