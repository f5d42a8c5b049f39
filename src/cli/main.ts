import { Command, CommanderError } from 'commander';
import { registerDevnet } from './commands/devnet.ts';
import { registerDeploy } from './commands/deploy.ts';
import { registerKyc } from './commands/kyc.ts';
import { registerCompliance } from './commands/compliance.ts';
import { cliKycContext } from './registryContext.ts';
import { registerScenario } from './commands/scenario.ts';
import { fail } from './output.ts';

const program = new Command()
  .name('palisade')
  .description('Palisade — compliant DeFi on EVM chains: devnet, deployment, compliance, lending, liquidation')
  .exitOverride();

registerDevnet(program);
registerDeploy(program);
const kyc = cliKycContext();
registerKyc(program, kyc);
registerCompliance(program, kyc);
registerScenario(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // usage errors exit 2; a failed command (commander `error()` with exitCode 1) keeps its code
  if (err instanceof CommanderError) process.exit(err.code === "palisade.failed" ? err.exitCode : err.exitCode === 0 ? 0 : 2);
  fail(err);
}
