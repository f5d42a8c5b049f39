import { useCallback, useEffect, useRef, useState } from 'react';
import type { PollState } from './usePoll.ts';

/**
 * Like usePoll, plus `refresh()` to load again at once (the pages call it when the stream reports a
 * protocol event or a transaction lands) and `key`: a new key (another address) starts over.
 * Loads never overlap; a refresh asked during a load runs right after it.
 */
export function useLive<T>(load: ((signal: AbortSignal) => Promise<T>) | undefined, intervalMs: number, key = ''): PollState<T> & { refresh: () => void } {
  const [state, setState] = useState<PollState<T>>({ data: undefined, error: undefined, updatedAt: undefined });
  const loadRef = useRef(load);
  loadRef.current = load;
  const kick = useRef<() => void>(() => {});

  useEffect(() => {
    setState({ data: undefined, error: undefined, updatedAt: undefined });
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
    let again = false;
    const tick = async () => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      clearTimeout(timer);
      const fn = loadRef.current;
      if (fn) {
        try {
          const data = await fn(controller.signal);
          if (!controller.signal.aborted) setState({ data, error: undefined, updatedAt: new Date() });
        } catch (err) {
          if (!controller.signal.aborted) setState((prev) => ({ ...prev, error: err instanceof Error ? err : new Error(String(err)) }));
        }
      }
      running = false;
      if (controller.signal.aborted) return;
      if (again) {
        again = false;
        void tick();
      } else {
        timer = setTimeout(() => void tick(), intervalMs);
      }
    };
    kick.current = () => void tick();
    void tick();
    return () => {
      controller.abort();
      clearTimeout(timer);
      kick.current = () => {};
    };
  }, [intervalMs, key]);

  const refresh = useCallback(() => kick.current(), []);
  return { ...state, refresh };
}
