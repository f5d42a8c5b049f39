/**
 * `palisade scenario run <file> [--json]`: plays a liquidation scenario on a fresh devnet chain
 * (its own ports) with the real monitor, executor, market maker and price pusher, and reports.
 * Progress goes to stderr; with --json stdout carries exactly one JSON report.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { runScenario, type ScenarioReport } from '../../liquidation/scenario.ts';
import { readScenario } from '../../liquidation/scenarioFile.ts';
import { InputError } from '../../shared/errors.ts';
import { fail, printJson, progress } from '../output.ts';

export function registerScenario(program: Command): void {
  const scenario = program.command('scenario').description('liquidation scenarios on a throw-away devnet chain');
  scenario
    .command('run')
    .description('open the borrowers, play the price path, let monitor + executor + market maker liquidate, report')
    .argument('<file>', 'scenario JSON (see scenarios/)')
    .option('--json', 'print one JSON report on stdout')
    .option('--port-base <port>', 'port of the scenario chain', '28545')
    .option('--borrowers <count>', "override the file's borrower count")
    .action(async (file: string, o: { json?: boolean; portBase: string; borrowers?: string }) => {
      try {
        const s = readScenario(resolve(file));
        const portBase = intOption('--port-base', o.portBase, 1, 65_000);
        const borrowers = o.borrowers === undefined ? undefined : intOption('--borrowers', o.borrowers, 1, 5_000);
        // Ctrl-C stops the run at the next block and still stops the chain it started (no orphan anvil)
        const abort = new AbortController();
        const onSignal = () => {
          if (abort.signal.aborted) process.exit(130);
          process.stderr.write('palisade: stopping the scenario (again to force)\n');
          abort.abort(new InputError('scenario interrupted'));
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        const report = await runScenario(s, { portBase, borrowers, onProgress: progress(''), signal: abort.signal });
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        if (o.json) printJson(report);
        else process.stdout.write(summary(report));
      } catch (err) {
        fail(err);
      }
    });
}

function intOption(name: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InputError(`${name} must be an integer from ${min} to ${max}, got "${v}"`);
  return n;
}

function summary(r: ScenarioReport): string {
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  return [
    `scenario ${r.scenario}: ${r.positions} positions, ${r.unhealthy} became liquidatable, ${r.liquidated} liquidated`,
    `  auctions ${r.auctions}, fill rate ${pct(r.fillRate)}, mean auction ${r.meanAuctionSeconds.toFixed(1)} s, kick latency ≤ ${r.kickLatencyBlocks} block(s)`,
    `  disposal deviation mean ${pct(r.meanDisposalDeviation)} (max ${pct(r.maxDisposalDeviation)}), takes ${r.takes} (${r.makerTakes} by the market maker), resets ${r.resets}`,
    `  bad debt ${r.badDebt} USDC, reserve used ${r.reserveUsed} USDC, returned to borrowers ${r.returnedToBorrowers} ${r.collateralAsset} (${r.returnedToBorrowersUsd.toFixed(2)} USD)`,
    `  ${r.blocks} blocks, ${r.chainSeconds} s of chain time in ${(r.durationMs / 1000).toFixed(1)} s`,
    '',
  ].join('\n');
}
