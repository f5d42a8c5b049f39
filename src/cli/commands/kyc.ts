/**
 * `palisade kyc …`: the KYC service from a terminal. While a devnet runs, each command goes
 * through its API (one KYC store); otherwise it opens the service on its own database. Either
 * way the same signatures are required: a reviewer signs in (EIP-4361) with the key in
 * $PALISADE_REVIEWER_KEY, an applicant signs the application (EIP-712) with
 * $PALISADE_APPLICANT_KEY, a provider signs its registration with $PALISADE_PROVIDER_KEY (each
 * also as a *_FILE variable naming a key file; never a flag). Output is a short human summary, or
 * JSON with `--json`; an error is one line on stderr and a non-zero exit.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import type { AuditVerification } from '../../compliance/auditLog.ts';
import type { CliContext } from '../../compliance/context.ts';
import type { KycClient } from '../../compliance/kycClient.ts';
import { applicationTypedData, normaliseApplication, normaliseProviderRegistration, providerRegistrationTypedData } from '../../compliance/signedRequests.ts';
import { signGrantConsent } from '../../chain/grantConsent.ts';
import { InputError, oneLine } from '../../shared/errors.ts';
import { requireAccountFromEnv } from '../devnetKey.ts';

/** How long the GrantConsent `kyc apply` signs may be relayed: the time a review may take. */
const CONSENT_VALID_S = 30 * 86_400;

type Out = { out(text: string): void };

/** Runs `fn` with an open client; closes it; turns any error into one stderr line and exit code 1. */
export function withService(cmd: Command, ctx: CliContext, fn: (client: KycClient, io: Out) => Promise<void>): Promise<void> {
  return run(cmd, async (io) => {
    const handle = await ctx.openKyc();
    try {
      return await fn(handle.client, io);
    } finally {
      await handle.close();
    }
  });
}

/** Like withService, signed in first as the reviewer whose key is in the environment. */
export function asReviewer(cmd: Command, ctx: CliContext, env: NodeJS.ProcessEnv, fn: (client: KycClient, io: Out) => Promise<void>): Promise<void> {
  return withService(cmd, ctx, async (client, io) => {
    await client.signIn(requireAccountFromEnv('PALISADE_REVIEWER_KEY', 'reviewer', env));
    return fn(client, io);
  });
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

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
    ? `audit log intact: ${v.entries} entries, head ${v.head}${v.anchorsChecked ? `; anchored on chain up to entry ${v.anchoredSeq}${v.unanchored ? ` (${v.unanchored} newer, not yet anchored)` : ''}` : '; no anchor contract configured: hash chain only'}`
    : `audit log broken at entry ${v.brokenAt}: ${v.problem}${v.subject ? ` (${v.subject})` : ''} (${v.entries} entries before it verify)`;
}

export function registerKyc(program: Command, ctx: CliContext, env: NodeJS.ProcessEnv = process.env): Command {
  const kyc = program
    .command('kyc')
    .description('KYC service: file, review and decide client applications; renew and revoke grants; verify the audit log')
    .addHelpText(
      'after',
      `
Keys (never flags; each may instead be a file named by the same variable with _FILE appended):
  PALISADE_REVIEWER_KEY   a reviewer's key: review, approve, reject, renew, revoke, expiring sign in with it (EIP-4361)
  PALISADE_APPLICANT_KEY  the applicant's key: apply signs the application with it (EIP-712), and the
                          registry GrantConsent to the provider (valid 30 days) the approval relays
  PALISADE_PROVIDER_KEY   the provider's key: provider add signs the registration with it (EIP-712)

Where the commands go:
  while \`palisade devnet up\` runs, through its API (one KYC store; PALISADE_API_URL names another);
  otherwise the service runs in this command, over:
  PALISADE_KYC_KEY        dossier encryption key, 32 bytes as hex or base64 (e.g. \`openssl rand -hex 32\`)
  DATABASE_URL            PostgreSQL URL (DATABASE_OWNER_URL: the owner that migrates); without it the embedded
                          database in PALISADE_DATA_DIR (default .palisade), locked while a command uses it
  PALISADE_KYC_SERVICE_KEY the key that anchors the audit log on the hub (the devnet's is built in)`,
    );

  kyc
    .command('apply')
    .description('file a dossier with a provider, signed by the applicant; the personal data is stored encrypted, only its hash goes on chain')
    .requiredOption('--provider <address>', 'the provider (bank) reviewing the application')
    .option('--applicant <address>', 'the account to qualify (default: the address of $PALISADE_APPLICANT_KEY)')
    .requiredOption('--name <legal name>', 'legal name of the person or entity')
    .requiredOption('--type <type>', 'person or entity')
    .requiredOption('--category <category>', 'INSTITUTIONAL, ACCREDITED or RETAIL')
    .requiredOption('--jurisdiction <code>', 'ISO 3166-1 alpha-2 country code, e.g. DE')
    .option('--document <kind=digest|file>', 'a supporting document: kind=0x<sha256> or kind=<file to hash> (repeatable)', collect, [])
    .option('--json', 'print JSON')
    .action(async function (this: Command, o: Record<string, string | string[] | boolean>) {
      await withService(this, ctx, async (client, io) => {
        const key = requireAccountFromEnv('PALISADE_APPLICANT_KEY', 'applicant', env);
        const application = normaliseApplication({
          provider: o.provider as string,
          applicant: (o.applicant as string | undefined) ?? key.address,
          legalName: o.name as string,
          subjectType: o.type as string,
          category: o.category as string,
          jurisdiction: o.jurisdiction as string,
          documents: (o.document as string[]).map(documentDigest),
        });
        if (application.applicant !== key.address) {
          throw new InputError('the applicant signs its own application', { details: `$PALISADE_APPLICANT_KEY is ${key.address}, --applicant is ${application.applicant}` });
        }
        const issuedAt = nowSeconds();
        const signature = await key.signTypedData(applicationTypedData(await client.chainId(), { ...application, issuedAt }));
        // the registry refuses a first grant without the applicant's consent to this provider: sign it
        // now (EIP-712 GrantConsent), the service relays it when the application is approved
        const terms = await client.consentTerms(application.applicant);
        const deadline = issuedAt + CONSENT_VALID_S;
        const consentSignature = await signGrantConsent(key, terms.registry, terms.chainId, {
          grantee: application.applicant,
          grantor: application.provider,
          nonce: BigInt(terms.nonce),
          deadline: BigInt(deadline),
        });
        const consent = { nonce: terms.nonce, deadline, signature: consentSignature };
        const app = await client.apply({ ...application, issuedAt, signature, consent });
        io.out(o.json ? json(app) : `application ${app.id} filed (pending); dossier hash ${app.dossierHash}`);
      });
    });

  kyc
    .command('review')
    .description('your provider’s pending applications with their decrypted dossiers (the reviewer’s queue)')
    .option('--json', 'print JSON')
    .action(async function (this: Command, o: { json?: boolean }) {
      await asReviewer(this, ctx, env, async (client, io) => {
        const list = await client.review();
        if (o.json) return io.out(json(list));
        if (list.length === 0) return io.out('no pending applications');
        for (const a of list) {
          if (!a.dossier) {
            io.out(`${a.id}  ${date(a.filedAt)}  ${a.applicant}  ${a.category} ${a.jurisdiction}  DOSSIER UNREADABLE: ${a.dossierError}`);
            continue;
          }
          const docs = a.dossier.documents.map((d) => `${d.kind} ${d.digest}`).join(', ');
          io.out(
            `${a.id}  ${date(a.filedAt)}  ${a.applicant}  ${a.dossier.subjectType} "${a.dossier.legalName}"  ${a.category} ${a.jurisdiction}  provider ${a.provider}\n    documents: ${docs}`,
          );
        }
      });
    });

  kyc
    .command('approve')
    .description('approve a pending application: sends the client grant on chain and records it (you sign in as reviewer)')
    .argument('<application-id>', 'the application to approve')
    .option('--lease-days <days>', 'lease length in days (default 365)', positiveInt)
    .option('--expires <iso-date>', 'explicit lease end instead of --lease-days, e.g. 2031-06-30T00:00:00Z')
    .option('--json', 'print JSON')
    .action(async function (this: Command, id: string, o: { leaseDays?: number; expires?: string; json?: boolean }) {
      await asReviewer(this, ctx, env, async (client, io) => {
        const r = await client.approve({ applicationId: id, leaseDays: o.leaseDays, expiresAt: o.expires });
        io.out(o.json ? json(r) : `approved ${id}: grant ${r.grant.id} until ${date(r.grant.expiresAt)} (tx ${r.grant.grantTx})`);
      });
    });

  kyc
    .command('reject')
    .description('reject a pending application with a reason (recorded; nothing goes on chain)')
    .argument('<application-id>', 'the application to reject')
    .requiredOption('--reason <text>', 'why')
    .option('--json', 'print JSON')
    .action(async function (this: Command, id: string, o: { reason: string; json?: boolean }) {
      await asReviewer(this, ctx, env, async (client, io) => {
        const r = await client.reject({ applicationId: id, reason: o.reason });
        io.out(o.json ? json(r) : `rejected ${id}: ${o.reason}`);
      });
    });

  kyc
    .command('renew')
    .description('extend a grant’s lease on chain (from its current end, or from now if it has lapsed)')
    .argument('<grant-id>', 'the grant (0x + 64 hex)')
    .option('--lease-days <days>', 'days to add (default 365)', positiveInt)
    .option('--expires <iso-date>', 'explicit new lease end instead of --lease-days')
    .option('--json', 'print JSON')
    .action(async function (this: Command, id: string, o: { leaseDays?: number; expires?: string; json?: boolean }) {
      await asReviewer(this, ctx, env, async (client, io) => {
        const g = await client.renew({ grantId: id, leaseDays: o.leaseDays, expiresAt: o.expires });
        io.out(o.json ? json(g) : `renewed ${g.id} until ${date(g.expiresAt)} (tx ${g.lastTx})`);
      });
    });

  kyc
    .command('revoke')
    .description('revoke a grant on chain; everything granted beneath it is disqualified at once')
    .argument('<grant-id>', 'the grant (0x + 64 hex)')
    .requiredOption('--reason <text>', 'why')
    .option('--json', 'print JSON')
    .action(async function (this: Command, id: string, o: { reason: string; json?: boolean }) {
      await asReviewer(this, ctx, env, async (client, io) => {
        const g = await client.revoke({ grantId: id, reason: o.reason });
        io.out(o.json ? json(g) : `revoked ${g.id} (tx ${g.lastTx})`);
      });
    });

  kyc
    .command('expiring')
    .description('your provider’s active leases ending within N days, soonest first (lapsed ones included, marked)')
    .option('--days <n>', 'horizon in days', positiveInt, 30)
    .option('--json', 'print JSON')
    .action(async function (this: Command, o: { days: number; json?: boolean }) {
      await asReviewer(this, ctx, env, async (client, io) => {
        const list = await client.expiring(o.days);
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
    .description('check the audit log: its hash chain, every application/grant/provider row, and the heads anchored on the hub (exit 1 if anything fails)')
    .option('--json', 'print JSON')
    .action(async function (this: Command, o: { json?: boolean }) {
      await withService(this, ctx, async (client, io) => {
        const v = await client.verifyAuditLog();
        if (o.json) io.out(json(v));
        if (!v.ok) throw new Error(describeVerification(v));
        if (!o.json) io.out(describeVerification(v));
      });
    });

  const provider = kyc.command('provider').description('providers whose applications the service accepts, with their KYC scope and reviewers');
  provider
    .command('add')
    .description('register (or update) a provider, the KYC scope the registry granted it, and its reviewers; signed with $PALISADE_PROVIDER_KEY')
    .argument('<address>', 'the provider’s account')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--categories <list>', 'comma-separated client categories it may qualify')
    .option('--jurisdictions <list>', 'comma-separated ISO alpha-2 codes it covers (default: all)')
    .requiredOption('--reviewer <address>', 'an address that may sign in as its reviewer (repeatable; replaces the previous set)', collect, [])
    .option('--json', 'print JSON')
    .action(async function (this: Command, address: string, o: { name: string; categories: string; jurisdictions?: string; reviewer: string[]; json?: boolean }) {
      const list = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);
      await withService(this, ctx, async (client, io) => {
        const key = requireAccountFromEnv('PALISADE_PROVIDER_KEY', 'provider', env);
        const registration = normaliseProviderRegistration({ address, name: o.name, categories: list(o.categories), jurisdictions: list(o.jurisdictions), reviewers: o.reviewer });
        if (registration.address !== key.address) {
          throw new InputError('a provider registers itself', { details: `$PALISADE_PROVIDER_KEY is ${key.address}, the provider is ${registration.address}` });
        }
        const issuedAt = nowSeconds();
        const signature = await key.signTypedData(providerRegistrationTypedData(await client.chainId(), { ...registration, issuedAt }));
        const p = await client.registerProvider({ ...registration, issuedAt, signature });
        io.out(
          o.json
            ? json(p)
            : `provider ${p.address} (${p.name}): ${p.categories.join(', ')} in ${p.jurisdictions.join(', ') || 'all jurisdictions'}; reviewers ${p.reviewers.join(', ')}`,
        );
      });
    });
  provider
    .command('list')
    .description('list registered providers')
    .option('--json', 'print JSON')
    .action(async function (this: Command, o: { json?: boolean }) {
      await withService(this, ctx, async (client, io) => {
        const list = await client.listProviders();
        if (o.json) return io.out(json(list));
        if (list.length === 0) return io.out('no providers registered');
        for (const p of list) io.out(`${p.address}  ${p.name}  ${p.categories.join(',')}  ${p.jurisdictions.join(',') || '*'}  reviewers ${p.reviewers.join(',')}`);
      });
    });

  return kyc;
}
