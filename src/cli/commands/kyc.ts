/**
 * `palisade kyc …`: the KYC service from a terminal. Each command opens the service, does one
 * thing and closes it. Output is a short human summary, or JSON with `--json`; an error is one
 * line on stderr and a non-zero exit.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import type { AuditVerification } from '../../compliance/auditLog.ts';
import type { CliContext } from '../../compliance/context.ts';
import type { KycService } from '../../compliance/kycService.ts';
import { oneLine } from '../../shared/errors.ts';

type Out = { out(text: string): void };

/** Runs `fn` with an open service; closes it; turns any error into one stderr line and exit code 1. */
export function withService(
  cmd: Command,
  ctx: CliContext,
  fn: (service: KycService, io: Out) => Promise<void>,
): Promise<void> {
  return run(cmd, async (io) => {
    const handle = await ctx.openKyc();
    try {
      return await fn(handle.service, io);
    } finally {
      await handle.close();
    }
  });
}

export async function run(cmd: Command, fn: (io: Out) => Promise<void>): Promise<void> {
  const config = cmd.configureOutput();
  const io: Out = { out: (text) => (config.writeOut ?? ((s: string) => process.stdout.write(s)))(`${text}\n`) };
  try {
    await fn(io);
  } catch (err) {
    cmd.error(`palisade: ${oneLine(err).replace(/\s*\n\s*/g, ' ')}`, { exitCode: 1, code: 'palisade.failed' });
  }
}

export const json = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);

const collect = (value: string, previous: string[]) => [...previous, value];

const positiveInt = (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number of days');
  return Number(value);
};

/** `kind=0x<64 hex>` as given, or `kind=<file>`: the file's sha256 (the file itself is not stored). */
function documentDigest(spec: string): { kind: string; digest: string } {
  const eq = spec.indexOf('=');
  if (eq <= 0 || eq === spec.length - 1) {
    throw new InvalidArgumentError(`expected kind=0xDIGEST or kind=FILE, got "${spec}"`);
  }
  const kind = spec.slice(0, eq);
  const value = spec.slice(eq + 1);
  if (/^0x[0-9a-fA-F]{64}$/.test(value)) return { kind, digest: value };
  let bytes: Buffer;
  try {
    bytes = readFileSync(value);
  } catch {
    throw new InvalidArgumentError(`"${value}" is neither a 32-byte digest (0x + 64 hex) nor a readable file`);
  }
  return { kind, digest: `0x${createHash('sha256').update(bytes).digest('hex')}` };
}

const date = (d: Date | null) => (d ? d.toISOString().replace('.000Z', 'Z') : '-');

function describeVerification(v: AuditVerification): string {
  return v.ok
    ? `audit log intact: ${v.entries} entries, head ${v.head}`
    : `audit log broken at entry ${v.brokenAt}: ${v.problem} (${v.entries} entries before it verify)`;
}

export function registerKyc(program: Command, ctx: CliContext): Command {
  const kyc = program
    .command('kyc')
    .description('KYC service: file, review and decide client applications; renew and revoke grants; verify the audit log')
    .addHelpText(
      'after',
      `
Configuration:
  PALISADE_KYC_KEY   dossier encryption key, 32 bytes as hex or base64 (e.g. \`openssl rand -hex 32\`)
  DATABASE_URL       PostgreSQL URL; without it the embedded database in PALISADE_DATA_DIR (default .palisade) is used`,
    );

  kyc
    .command('apply')
    .description('file a dossier with a provider; the personal data is stored encrypted, only its hash goes on chain')
    .requiredOption('--provider <address>', 'the provider (bank) reviewing the application')
    .requiredOption('--applicant <address>', 'the account to qualify')
    .requiredOption('--name <legal name>', 'legal name of the person or entity')
    .requiredOption('--type <type>', 'person or entity')
    .requiredOption('--category <category>', 'INSTITUTIONAL, ACCREDITED or RETAIL')
    .requiredOption('--jurisdiction <code>', 'ISO 3166-1 alpha-2 country code, e.g. DE')
    .option('--document <kind=digest|file>', 'a supporting document: kind=0x<sha256> or kind=<file to hash> (repeatable)', collect, [])
    .option('--json', 'print JSON')
    .action(async function (this: Command, o: Record<string, string | string[] | boolean>) {
      await withService(this, ctx, async (service, io) => {
        const app = await service.apply({
          provider: o.provider as string,
          applicant: o.applicant as string,
          legalName: o.name as string,
          subjectType: o.type as 'person',
          category: o.category as string,
          jurisdiction: o.jurisdiction as string,
          documents: (o.document as string[]).map(documentDigest),
        });
        io.out(o.json ? json(app) : `application ${app.id} filed (pending); dossier hash ${app.dossierHash}`);
      });
    });

  kyc
    .command('review')
    .description('list pending applications with their decrypted dossiers (the reviewer’s queue)')
    .option('--provider <address>', 'only this provider’s applications')
    .option('--json', 'print JSON')
    .action(async function (this: Command, o: { provider?: string; json?: boolean }) {
      await withService(this, ctx, async (service, io) => {
        const list = await service.review(o.provider);
        if (o.json) return io.out(json(list));
        if (list.length === 0) return io.out('no pending applications');
        for (const a of list) {
          const docs = a.dossier.documents.map((d) => `${d.kind} ${d.digest}`).join(', ');
          io.out(
            `${a.id}  ${date(a.filedAt)}  ${a.applicant}  ${a.dossier.subjectType} "${a.dossier.legalName}"  ${a.category} ${a.jurisdiction}  provider ${a.provider}\n    documents: ${docs}`,
          );
        }
      });
    });

  kyc
    .command('approve')
    .description('approve a pending application: sends the client grant on chain and records it')
    .argument('<application-id>', 'the application to approve')
    .requiredOption('--reviewer <name>', 'who decides (recorded in the audit log)')
    .option('--lease-days <days>', 'lease length in days (default 365)', positiveInt)
    .option('--expires <iso-date>', 'explicit lease end instead of --lease-days, e.g. 2031-06-30T00:00:00Z')
    .option('--json', 'print JSON')
    .action(async function (this: Command, id: string, o: { reviewer: string; leaseDays?: number; expires?: string; json?: boolean }) {
      await withService(this, ctx, async (service, io) => {
        const r = await service.approve({ applicationId: id, reviewer: o.reviewer, leaseDays: o.leaseDays, expiresAt: o.expires });
        io.out(o.json ? json(r) : `approved ${id}: grant ${r.grant.id} until ${date(r.grant.expiresAt)} (tx ${r.grant.grantTx})`);
      });
    });

  kyc
    .command('reject')
    .description('reject a pending application with a reason (recorded; nothing goes on chain)')
    .argument('<application-id>', 'the application to reject')
    .requiredOption('--reviewer <name>', 'who decides (recorded in the audit log)')
    .requiredOption('--reason <text>', 'why')
    .option('--json', 'print JSON')
    .action(async function (this: Command, id: string, o: { reviewer: string; reason: string; json?: boolean }) {
      await withService(this, ctx, async (service, io) => {
        const r = await service.reject({ applicationId: id, reviewer: o.reviewer, reason: o.reason });
        io.out(o.json ? json(r) : `rejected ${id}: ${o.reason}`);
      });
    });

  kyc
    .command('renew')
    .description('extend a grant’s lease on chain (from its current end, or from now if it has lapsed)')
    .argument('<grant-id>', 'the grant (0x + 64 hex)')
    .requiredOption('--actor <name>', 'who renews (recorded in the audit log)')
    .option('--lease-days <days>', 'days to add (default 365)', positiveInt)
    .option('--expires <iso-date>', 'explicit new lease end instead of --lease-days')
    .option('--json', 'print JSON')
    .action(async function (this: Command, id: string, o: { actor: string; leaseDays?: number; expires?: string; json?: boolean }) {
      await withService(this, ctx, async (service, io) => {
        const g = await service.renew({ grantId: id, actor: o.actor, leaseDays: o.leaseDays, expiresAt: o.expires });
        io.out(o.json ? json(g) : `renewed ${g.id} until ${date(g.expiresAt)} (tx ${g.lastTx})`);
      });
    });

  kyc
    .command('revoke')
    .description('revoke a grant on chain; everything granted beneath it is disqualified at once')
    .argument('<grant-id>', 'the grant (0x + 64 hex)')
    .requiredOption('--actor <name>', 'who revokes (recorded in the audit log)')
    .requiredOption('--reason <text>', 'why')
    .option('--json', 'print JSON')
    .action(async function (this: Command, id: string, o: { actor: string; reason: string; json?: boolean }) {
      await withService(this, ctx, async (service, io) => {
        const g = await service.revoke({ grantId: id, actor: o.actor, reason: o.reason });
        io.out(o.json ? json(g) : `revoked ${g.id} (tx ${g.lastTx})`);
      });
    });

  kyc
    .command('expiring')
    .description('list active leases ending within N days, soonest first (lapsed ones included, marked)')
    .option('--days <n>', 'horizon in days', positiveInt, 30)
    .option('--json', 'print JSON')
    .action(async function (this: Command, o: { days: number; json?: boolean }) {
      await withService(this, ctx, async (service, io) => {
        const list = await service.expiring(o.days);
        if (o.json) return io.out(json(list));
        if (list.length === 0) return io.out(`no lease ends within ${o.days} days`);
        for (const l of list) {
          const when = l.expired ? 'LAPSED' : `${l.daysLeft}d left`;
          io.out(`${l.id}  ${l.account}  ${l.category} ${l.jurisdiction}  ends ${date(l.expiresAt)}  ${when}`);
        }
      });
    });

  kyc
    .command('audit-verify')
    .description('walk the hash-chained audit log and report the first broken entry (exit 1 if any)')
    .option('--json', 'print JSON')
    .action(async function (this: Command, o: { json?: boolean }) {
      await withService(this, ctx, async (service, io) => {
        const v = await service.verifyAuditLog();
        if (o.json) io.out(json(v));
        if (!v.ok) throw new Error(describeVerification(v));
        if (!o.json) io.out(describeVerification(v));
      });
    });

  const provider = kyc.command('provider').description('providers whose applications the service accepts, with their KYC scope');
  provider
    .command('add')
    .description('register (or update) a provider and the KYC scope the registry granted it')
    .argument('<address>', 'the provider’s account')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--categories <list>', 'comma-separated client categories it may qualify')
    .option('--jurisdictions <list>', 'comma-separated ISO alpha-2 codes it covers (default: all)')
    .option('--actor <name>', 'who registers (recorded in the audit log)', 'operator')
    .option('--json', 'print JSON')
    .action(async function (
      this: Command,
      address: string,
      o: { name: string; categories: string; jurisdictions?: string; actor: string; json?: boolean },
    ) {
      const list = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);
      await withService(this, ctx, async (service, io) => {
        const p = await service.registerProvider(
          { address, name: o.name, categories: list(o.categories), jurisdictions: list(o.jurisdictions) },
          o.actor,
        );
        io.out(o.json ? json(p) : `provider ${p.address} (${p.name}): ${p.categories.join(', ')} in ${p.jurisdictions.join(', ') || 'all jurisdictions'}`);
      });
    });
  provider
    .command('list')
    .description('list registered providers')
    .option('--json', 'print JSON')
    .action(async function (this: Command, o: { json?: boolean }) {
      await withService(this, ctx, async (service, io) => {
        const list = await service.listProviders();
        if (o.json) return io.out(json(list));
        if (list.length === 0) return io.out('no providers registered');
        for (const p of list) io.out(`${p.address}  ${p.name}  ${p.categories.join(',')}  ${p.jurisdictions.join(',') || '*'}`);
      });
    });

  return kyc;
}
