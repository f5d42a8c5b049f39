import { Command, CommanderError } from 'commander';
import { registerDevnet } from './commands/devnet.ts';
import { registerDeploy } from './commands/deploy.ts';
import { fail } from './output.ts';

const program = new Command()
  .name('palisade')
  .description('Palisade — compliant DeFi on EVM chains: devnet, deployment, compliance, lending, liquidation')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerDevnet(program);
registerDeploy(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  fail(err);
}
