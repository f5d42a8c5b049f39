/**
 * `palisade compliance check <address> --service DCE [--json]`: the registry's verdict for one
 * account, and why when it is not qualified (no grant, expired, revoked, expired or revoked
 * ancestor, inactive seed, out of scope). Reads the chain only: no database, no key.
 */
import type { Command } from 'commander';
import type { CliContext } from '../../compliance/context.ts';
import { checkQualification } from '../../compliance/kycService.ts';
import { SERVICES } from '../../compliance/registryPort.ts';
import { json, run } from './kyc.ts';

export function registerCompliance(program: Command, ctx: CliContext): Command {
  const compliance = program.command('compliance').description('ask the Qualified Client registry about accounts');
  compliance
    .command('check')
    .description('is <address> qualified for a service? prints the reason when it is not')
    .argument('<address>', 'the account to check')
    .requiredOption('--service <service>', `one of ${SERVICES.join(', ')}`)
    .option('--json', 'print { address, service, qualified, reason }')
    .action(async function (this: Command, address: string, o: { service: string; json?: boolean }) {
      await run(this, async (io) => {
        const handle = await ctx.openRegistry();
        try {
          const q = await checkQualification(handle.registry, address, o.service);
          io.out(
            o.json
              ? json({ address: q.address, service: q.service, qualified: q.qualified, reason: q.reason })
              : q.qualified
                ? `${q.address} is qualified for ${q.service}`
                : `${q.address} is not qualified for ${q.service}: ${q.reason}`,
          );
        } finally {
          await handle.close();
        }
      });
    });
  return compliance;
}
