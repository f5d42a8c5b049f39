/**
 * One way to work the KYC service, whether it runs in this process (the CLI on its own database)
 * or behind the running devnet's API (the CLI as a client of its daemon, so there is one KYC
 * store). Both sign in the same way (EIP-4361) and send the same signed requests.
 */
import type { Address, Hex } from 'viem';
import { BaseError, InputError } from '../shared/errors.ts';
import type { AuditVerification } from './auditLog.ts';
import type { Application, ApproveInput, ExpiringLease, Grant, KycService, Provider, Qualification, QueueEntry, RejectInput, RenewInput, RevokeInput } from './kycService.ts';
import { type ReviewerAuth, type Session, signInWithKey } from './reviewerAuth.ts';

export type SigningAccount = { address: Address; signMessage(a: { message: string }): Promise<Hex> };

export interface KycClient {
  /** Where requests go, for messages: "this process" or the API's URL. */
  readonly where: string;
  /** The chain id signed requests name (EIP-712 domain, SIWE). */
  chainId(): Promise<number>;
  signIn(account: SigningAccount): Promise<Session>;
  registerProvider(signed: unknown): Promise<Provider>;
  listProviders(): Promise<Provider[]>;
  /** What the applicant's GrantConsent is signed over: registry, chain and the registry's consent nonce. */
  consentTerms(applicant: string): Promise<{ registry: Address; chainId: number; grantee: Address; nonce: string }>;
  apply(signed: unknown): Promise<Application>;
  review(): Promise<QueueEntry[]>;
  approve(input: ApproveInput): Promise<{ application: Application; grant: Grant }>;
  reject(input: RejectInput): Promise<Application>;
  renew(input: RenewInput): Promise<Grant>;
  revoke(input: RevokeInput): Promise<Grant>;
  expiring(days: number): Promise<ExpiringLease[]>;
  verifyAuditLog(): Promise<AuditVerification>;
  check(address: string, service: string): Promise<Qualification>;
}

const needSession = () => new InputError('sign in as a reviewer first', { status: 401, code: 'UNAUTHENTICATED' });

/** The service in this process; the session is checked by the same ReviewerAuth the API uses. */
export class LocalKycClient implements KycClient {
  readonly where = 'this process';
  #token: string | undefined;
  constructor(
    private readonly service: KycService,
    private readonly auth: ReviewerAuth,
  ) {}

  async chainId() {
    return this.service.chainId;
  }
  async signIn(account: SigningAccount) {
    const s = await signInWithKey({ nonce: () => this.auth.nonce(), signIn: (i) => this.auth.signIn(i) }, account, 'palisade:cli');
    this.#token = s.token;
    return s;
  }
  async #me() {
    if (!this.#token) throw needSession();
    return this.auth.authenticate(`Bearer ${this.#token}`);
  }
  registerProvider(signed: unknown) {
    return this.service.registerProvider(signed);
  }
  listProviders() {
    return this.service.listProviders();
  }
  consentTerms(applicant: string) {
    return this.service.consentTerms(applicant);
  }
  apply(signed: unknown) {
    return this.service.apply(signed);
  }
  async review() {
    return this.service.review(await this.#me());
  }
  async approve(input: ApproveInput) {
    return this.service.approve(await this.#me(), input);
  }
  async reject(input: RejectInput) {
    return this.service.reject(await this.#me(), input);
  }
  async renew(input: RenewInput) {
    return this.service.renew(await this.#me(), input);
  }
  async revoke(input: RevokeInput) {
    return this.service.revoke(await this.#me(), input);
  }
  async expiring(days: number) {
    return this.service.expiring(await this.#me(), days);
  }
  verifyAuditLog() {
    return this.service.verifyAuditLog();
  }
  check(address: string, service: string) {
    return this.service.check(address, service);
  }
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
/** JSON dates back to Date, the way the service returns them, so both clients print alike. */
const revive = (key: string, v: unknown) => (typeof v === 'string' && /At$/.test(key) && ISO.test(v) ? new Date(v) : v);

/** The KYC routes of a running API (`palisade devnet up`). */
export class HttpKycClient implements KycClient {
  #token: string | undefined;
  #chainId: number | undefined;
  constructor(readonly where: string) {}

  async #call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.where), {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.#token ? { authorization: `Bearer ${this.#token}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
        signal: AbortSignal.timeout(120_000),
      });
    } catch (cause) {
      throw new BaseError('the running devnet’s API does not answer', { details: `${this.where}: ${(cause as Error).message}`, cause, retryable: true, code: 'API_UNREACHABLE' });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text, revive) : undefined;
    } catch {
      throw new BaseError(`the API answered ${res.status} without JSON`, { details: text.slice(0, 200), status: 502 });
    }
    if (!res.ok) {
      const b = (json ?? {}) as { error?: string; details?: unknown; code?: string };
      const details = Array.isArray(b.details)
        ? (b.details as Array<{ path?: string; message?: string }>).map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ')
        : typeof b.details === 'string'
          ? b.details
          : undefined;
      const opts = { details, status: res.status, code: b.code ?? 'API_ERROR' };
      throw res.status < 500 ? new InputError(b.error ?? `HTTP ${res.status}`, opts) : new BaseError(b.error ?? `HTTP ${res.status}`, opts);
    }
    return json as T;
  }

  async chainId() {
    this.#chainId ??= (await this.#call<{ chainId: number }>('GET', '/kyc/auth/nonce')).chainId;
    return this.#chainId;
  }
  async signIn(account: SigningAccount) {
    const s = await signInWithKey(
      {
        nonce: () => this.#call<{ nonce: string; domain: string; chainId: number }>('GET', '/kyc/auth/nonce'),
        signIn: (i) => this.#call<Session>('POST', '/kyc/auth/sign-in', i),
      },
      account,
      this.where,
    );
    this.#token = s.token;
    return s;
  }
  registerProvider(signed: unknown) {
    return this.#call<Provider>('POST', '/kyc/providers', signed);
  }
  async listProviders() {
    return (await this.#call<{ providers: Provider[] }>('GET', '/kyc/providers')).providers;
  }
  consentTerms(applicant: string) {
    return this.#call<{ registry: Address; chainId: number; grantee: Address; nonce: string }>('GET', `/kyc/consent/${encodeURIComponent(applicant)}`);
  }
  apply(signed: unknown) {
    return this.#call<Application>('POST', '/kyc/applications', signed);
  }
  async review() {
    return (await this.#call<{ applications: QueueEntry[] }>('GET', '/kyc/applications?status=pending')).applications;
  }
  approve({ applicationId, ...body }: ApproveInput) {
    return this.#call<{ application: Application; grant: Grant }>('POST', `/kyc/applications/${encodeURIComponent(applicationId)}/approve`, body);
  }
  reject({ applicationId, ...body }: RejectInput) {
    return this.#call<Application>('POST', `/kyc/applications/${encodeURIComponent(applicationId)}/reject`, body);
  }
  renew({ grantId, ...body }: RenewInput) {
    return this.#call<Grant>('POST', `/kyc/grants/${encodeURIComponent(grantId)}/renew`, body);
  }
  revoke({ grantId, ...body }: RevokeInput) {
    return this.#call<Grant>('POST', `/kyc/grants/${encodeURIComponent(grantId)}/revoke`, body);
  }
  async expiring(days: number) {
    return (await this.#call<{ leases: ExpiringLease[] }>('GET', `/kyc/expiring?days=${days}`)).leases;
  }
  verifyAuditLog() {
    return this.#call<AuditVerification>('GET', '/kyc/audit/verify');
  }
  check(address: string, service: string) {
    return this.#call<Qualification>('GET', `/compliance/check/${encodeURIComponent(address)}?service=${encodeURIComponent(service)}`);
  }
}
