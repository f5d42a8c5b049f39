import { useEffect, useState } from 'react';
import { getChains, getHealth, type Health } from '../../api.ts';
import { usePoll } from '../../usePoll.ts';
import { ChainCard } from './ChainCard.tsx';

/** Devnet blocks come every few seconds; polling faster would only show the same height. */
export const POLL_INTERVAL_MS = 2_000;
/** Data older than this is flagged as stale next to "last updated". */
const STALE_AFTER_MS = 10_000;

const healthText: Record<Health['status'], string> = {
  ok: 'All chains answering',
  starting: 'Starting',
  degraded: 'Degraded',
};

function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}

export function NetworkPage() {
  const chains = usePoll(getChains, POLL_INTERVAL_MS);
  const health = usePoll(getHealth, POLL_INTERVAL_MS);
  const now = useNow(1_000);

  const ageMs = chains.updatedAt ? Math.max(0, now - chains.updatedAt.getTime()) : undefined;
  const stale = ageMs !== undefined && ageMs > STALE_AFTER_MS;

  return (
    <section className="network">
      <div className="page-head">
        <div>
          <h1>Network</h1>
          <p className="muted">Chains of this deployment, their latest blocks and deployed contracts.</p>
        </div>
        <div className="status">
          {health.data && !health.error && (
            <span className={`badge badge-${health.data.status}`} data-testid="health" data-status={health.data.status}>
              {healthText[health.data.status]}
            </span>
          )}
          <span className={stale ? 'updated stale' : 'updated'} data-testid="last-updated">
            {chains.updatedAt ? (
              <>
                Last updated <time dateTime={chains.updatedAt.toISOString()}>{chains.updatedAt.toLocaleTimeString()}</time>
                {ageMs !== undefined && ` (${Math.round(ageMs / 1000)} s ago)`}
              </>
            ) : (
              'Not updated yet'
            )}
          </span>
        </div>
      </div>

      {chains.error && (
        <div className="error-banner" role="alert" data-testid="error-banner">
          <strong>Cannot reach the Palisade API.</strong> {chains.error.message}.{' '}
          {chains.data ? 'Showing the last data received; retrying' : 'Retrying'} every {POLL_INTERVAL_MS / 1000} s.
        </div>
      )}

      {!chains.data && !chains.error && <p className="muted">Loading chains…</p>}

      {chains.data && chains.data.length === 0 && <p className="muted">The API lists no chains.</p>}

      {chains.data && chains.data.length > 0 && (
        <div className={stale ? 'chain-grid stale' : 'chain-grid'}>
          {chains.data.map((chain) => (
            <ChainCard key={chain.name} chain={chain} />
          ))}
        </div>
      )}
    </section>
  );
}
