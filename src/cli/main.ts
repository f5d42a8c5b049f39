import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { registerDevnet } from './commands/devnet.ts';
import { registerDeploy } from './commands/deploy.ts';
import { registerKyc } from './commands/kyc.ts';
import { registerCompliance } from './commands/compliance.ts';
import { cliKycContext } from './registryContext.ts';
import { registerScenario } from './commands/scenario.ts';
import { registerPrices } from './commands/prices.ts';
import { repoRoot } from '../shared/config.ts';
import { fail } from './output.ts';

const version = (JSON.parse(readFileSync(resolve(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

const program = new Command()
  .name('palisade')
  .description('Palisade — compliant DeFi on EVM chains: devnet, deployment, compliance, lending, liquidation')
  .version(version, '-V, --version', 'print the version')
  // Argument errors read like every other failure: one `palisade: …` line on stderr (subcommands inherit this).
  .configureOutput({ outputError: (str, write) => write(`palisade: ${str.replace(/^error: /, '').trim()}\n`) })
  .exitOverride();

registerDevnet(program);
registerDeploy(program);
const kyc = cliKycContext();
registerKyc(program, kyc);
registerCompliance(program, kyc);
registerScenario(program);
registerPrices(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // usage errors exit 2; a failed command (commander `error()` with exitCode 1) keeps its code
  if (err instanceof CommanderError) process.exit(err.code === "palisade.failed" ? err.exitCode : err.exitCode === 0 ? 0 : 2);
  fail(err);
}
