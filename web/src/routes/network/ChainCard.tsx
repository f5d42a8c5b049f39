import { Address } from '../../components/Address.tsx';
import type { ChainInfo } from '../../api.ts';

const heightFormat = new Intl.NumberFormat('en-US');

export function ChainCard({ chain }: { chain: ChainInfo }) {
  const contracts = Object.entries(chain.contracts);
  const headingId = `chain-${chain.name}-title`;
  return (
    <article className="chain-card" data-testid={`chain-${chain.name}`} aria-labelledby={headingId}>
      <header className="chain-card-head">
        <h2 id={headingId}>{chain.name}</h2>
        <span className="chain-id" data-testid="chain-id" title="EIP-155 chain id">
          chain id {chain.chainId}
        </span>
      </header>

      <div className="height">
        <span className="height-label">Block height</span>
        {chain.blockNumber === null ? (
          <span className="height-value down" data-testid="block-height" data-value="">
            — <small>RPC not answering</small>
          </span>
        ) : (
          // keyed by the height so the highlight animation replays on every new block
          <span
            key={chain.blockNumber}
            className="height-value"
            data-testid="block-height"
            data-value={chain.blockNumber}
          >
            {heightFormat.format(chain.blockNumber)}
          </span>
        )}
      </div>

      <p className="rpc">
        RPC <code data-testid="rpc-url">{chain.rpcUrl}</code>
      </p>

      <h3>Contracts</h3>
      {contracts.length === 0 ? (
        <p className="muted">Nothing deployed.</p>
      ) : (
        <ul className="contracts">
          {contracts.map(([name, address]) => (
            <li key={name} data-testid={`contract-${name}`}>
              <span className="contract-name" title={name}>
                {name}
              </span>
              <Address address={address} label={`${chain.name} ${name}`} />
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}
