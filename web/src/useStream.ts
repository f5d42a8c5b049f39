import { useEffect, useRef, useState } from 'react';

/** One event of GET /stream. */
export type StreamMessage =
  | { kind: 'block'; chain: string; number: string; timestamp: string; hash: string }
  | { kind: 'protocol'; chain: string; block: string; logIndex: number; txHash: string; contract: string; event: string; args: Record<string, unknown> };

/**
 * Follows the API's server-sent event stream: `onMessage` runs for every block and protocol event.
 * EventSource reconnects by itself; `connected` says whether the stream is open right now.
 */
export function useStream(onMessage: (m: StreamMessage) => void, chain?: string): { connected: boolean } {
  const [connected, setConnected] = useState(false);
  const handler = useRef(onMessage);
  handler.current = onMessage;
  useEffect(() => {
    if (typeof EventSource === 'undefined') return;
    const source = new EventSource(chain ? `/stream?chain=${encodeURIComponent(chain)}` : '/stream');
    const parse = (kind: 'block' | 'protocol') => (e: MessageEvent<string>) => {
      try {
        handler.current({ kind, ...(JSON.parse(e.data) as object) } as StreamMessage);
      } catch {
        // a malformed event is skipped; the next one still arrives
      }
    };
    source.addEventListener('block', parse('block'));
    source.addEventListener('protocol', parse('protocol'));
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(false);
    return () => source.close();
  }, [chain]);
  return { connected };
}
