import { keccak256, parseUnits, toBytes, zeroAddress, type Address } from 'viem';
import { abis } from '../abi/generated.ts';
import type { ChainClients } from '../clients.ts';
import { deploy, send } from '../tx.ts';
import { BaseError } from '../../shared/errors.ts';
import type { GovernanceConfig } from '../../shared/config.ts';

export type Progress = (message: string) => void;

export type CoreDeployOptions = {
  /** LayerZero endpoint id of this chain. */
  eid: number;
  /**
   * The account whose key the relayer signs with: the only caller allowed to verify packets. Always given
   * explicitly (configuration or flag); the deployer is never the verifier by default.
   */
  relayer: Address;
  /** Devnet only: deploy mintable stand-ins for USDC, WETH and WBTC. Real networks pass their own addresses later. */
  devnetAssets: boolean;
  /**
   * Governor settings. The timelock starts with no delay so the deployment itself can hand contracts over
   * through it; `handOverToTimelock` then sets `timelockDelaySeconds`.
   */
  governance: GovernanceConfig;
  onProgress?: Progress;
};

export const PLT_SUPPLY = parseUnits('1000000000', 18);

/**
 * Deploys Palisade's base contracts on one chain: PLT, timelock + governor (which own every
 * parameter), devnet assets, and the real LayerZero V2 EndpointV2 with its message library.
 * The same routine targets the devnet and real networks; only the options differ.
 */
export async function deployCore(c: ChainClients, opts: CoreDeployOptions): Promise<Record<string, Address>> {
  const step = opts.onProgress ?? (() => {});
  const deployer = c.wallet.account.address;
  const out: Record<string, Address> = {};

  step('governance: PLT token');
  out.PLT = await deploy(c, 'PalisadeToken', [deployer, PLT_SUPPLY]);
  step('governance: timelock');
  // The deployer is a proposer too so the devnet can change parameters through the timelock without a vote;
  // on real networks it renounces its roles once the governor is in place (see docs).
  out.Timelock = await deploy(c, 'PalisadeTimelock', [0n, [deployer], [zeroAddress], deployer]);
  step('governance: governor');
  const g = opts.governance;
  out.Governor = await deploy(c, 'PalisadeGovernor', [
    out.PLT,
    out.Timelock,
    g.votingDelaySeconds,
    g.votingPeriodSeconds,
    BigInt(g.proposalThresholdPlt) * 10n ** 18n,
    BigInt(g.quorumPercent),
  ]);
  for (const role of ['PROPOSER_ROLE', 'CANCELLER_ROLE']) {
    await send(c, { address: out.Timelock, abi: abis.PalisadeTimelock, functionName: 'grantRole', args: [keccak256(toBytes(role)), out.Governor] });
  }

  step('compliance: qualified client registry');
  // governance (the timelock) alone adds and removes seed authorities
  out.QualifiedClientRegistry = await deploy(c, 'QualifiedClientRegistry', [out.Timelock]);

  if (opts.devnetAssets) {
    step('assets: USDC, WETH, WBTC');
    out.USDC = await deploy(c, 'DevnetToken', ['USD Coin', 'USDC', 6, deployer]);
    out.WETH = await deploy(c, 'DevnetToken', ['Wrapped Ether', 'WETH', 18, deployer]);
    out.WBTC = await deploy(c, 'DevnetToken', ['Wrapped Bitcoin', 'WBTC', 8, deployer]);
  }

  if (opts.relayer === zeroAddress) throw new BaseError('the LayerZero verifier cannot be the zero address');
  step('crosschain: LayerZero EndpointV2 + message library');
  out.EndpointV2 = await deploy(c, 'EndpointV2', [opts.eid, deployer]);
  // messaging fees the library collects go to the treasury governance controls, never to the deployer
  out.SimpleMessageLib = await deploy(c, 'SimpleMessageLib', [out.EndpointV2, out.Timelock]);
  await send(c, { address: out.EndpointV2, abi: abis.EndpointV2, functionName: 'registerLibrary', args: [out.SimpleMessageLib] });
  await send(c, { address: out.SimpleMessageLib, abi: abis.SimpleMessageLib, functionName: 'setWhitelistCaller', args: [opts.relayer] });
  out.PingOApp = await deploy(c, 'PingOApp', [out.EndpointV2, deployer]);
  return out;
}
