/**
 * Reviewer sign-in (EIP-4361, Sign-In with Ethereum): the service hands out a one-time nonce, the
 * reviewer signs a SIWE message naming this service's domain, the hub's chain id and that nonce,
 * and gets a short-lived bearer token. Only addresses a provider registered as its reviewers get
 * one, and a session acts for that provider alone. Tokens are kept hashed, in memory: they are
 * meant to die with the service, and every request re-checks that the reviewer is still registered.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type Address, type Hex, getAddress, isAddressEqual, recoverMessageAddress } from 'viem';
import { createSiweMessage, generateSiweNonce, parseSiweMessage } from 'viem/siwe';
import { z } from 'zod';
import type { Queryable } from '../shared/db.ts';
import { InputError } from '../shared/errors.ts';
import { parseInput } from './validation.ts';

/** Who is acting: a reviewer address and the provider it reviews for. */
export type Reviewer = { address: Address; provider: Address };
export type Session = Reviewer & { token: string; expiresAt: Date };

export const SESSION_TTL_MS = 15 * 60_000;
const NONCE_TTL_MS = 5 * 60_000;
/** Outstanding nonces kept at most; the oldest is dropped first (sign-in is rate-limited too). */
const MAX_NONCES = 10_000;
const CLOCK_SKEW_MS = 60_000;

export const unauthenticated = (details: string) => new InputError('sign in as a reviewer first', { details, status: 401, code: 'UNAUTHENTICATED' });
export const forbidden = (details: string) => new InputError('not this reviewer’s provider', { details, status: 403, code: 'FORBIDDEN' });

export type ReviewerAuthOptions = {
  db: Queryable;
  /** The hosts (with port) reviewers may sign in to, as in the SIWE message's domain: e.g. 127.0.0.1:8080. */
  domains: readonly string[];
  /** The chain id SIWE messages must name (the hub). */
  chainId: number;
  now?: () => Date;
  sessionTtlMs?: number;
};

const signInSchema = z.strictObject({
  message: z.string({ message: 'required: the EIP-4361 message' }).min(1).max(4000),
  signature: z
    .string({ message: 'required: the signature of the message' })
    .regex(/^0x[0-9a-fA-F]{130}$/, { message: 'expected a 65-byte signature as 0x + 130 hex digits' }),
});

/** The text a reviewer signs (the CLI and the dashboard build it the same way). */
export function reviewerSignInMessage(o: { domain: string; uri: string; address: Address; chainId: number; nonce: string; issuedAt: Date }): string {
  return createSiweMessage({
    domain: o.domain,
    uri: o.uri,
    address: o.address,
    chainId: o.chainId,
    nonce: o.nonce,
    issuedAt: o.issuedAt,
    expirationTime: new Date(o.issuedAt.getTime() + NONCE_TTL_MS),
    version: '1',
    statement: 'Sign in to the Palisade KYC service as a reviewer.',
  });
}

export class ReviewerAuth {
  readonly domains: readonly string[];
  readonly chainId: number;
  readonly #db: Queryable;
  readonly #now: () => Date;
  readonly #ttl: number;
  readonly #nonces = new Map<string, number>();
  readonly #sessions = new Map<string, { address: Address; expiresAt: number }>();

  constructor(o: ReviewerAuthOptions) {
    this.#db = o.db;
    this.domains = o.domains;
    this.chainId = o.chainId;
    this.#now = o.now ?? (() => new Date());
    this.#ttl = o.sessionTtlMs ?? SESSION_TTL_MS;
  }

  /** A fresh one-time nonce for a SIWE message to `domain` (default: the first), valid for five minutes. */
  nonce(domain?: string): { nonce: string; domain: string; chainId: number; expiresAt: Date } {
    const now = this.#now().getTime();
    this.#sweep(now);
    while (this.#nonces.size >= MAX_NONCES) this.#nonces.delete(this.#nonces.keys().next().value!);
    const nonce = generateSiweNonce();
    this.#nonces.set(nonce, now + NONCE_TTL_MS);
    const d = domain !== undefined && this.domains.includes(domain) ? domain : this.domains[0]!;
    return { nonce, domain: d, chainId: this.chainId, expiresAt: new Date(now + NONCE_TTL_MS) };
  }

  /**
   * Checks a signed SIWE message (domain, chain, nonce, times, signature) and opens a session for a
   * registered reviewer. 400 for a malformed request, 401 for a message or signature that does not
   * hold, 403 for a signer who is no provider's reviewer. The nonce is spent either way.
   */
  async signIn(input: unknown): Promise<Session> {
    const v = parseInput(signInSchema, input, 'invalid sign-in');
    const now = this.#now();
    const fields = parseSiweMessage(v.message);
    const refuse = (why: string) => unauthenticated(`sign-in refused: ${why}`);
    if (!fields.nonce || !fields.address || !fields.domain || fields.version !== '1') throw refuse('not an EIP-4361 message');
    const nonceExpiry = this.#nonces.get(fields.nonce);
    this.#nonces.delete(fields.nonce);
    if (nonceExpiry === undefined || nonceExpiry <= now.getTime()) throw refuse('unknown or expired nonce: ask for a new one');
    if (!this.domains.includes(fields.domain)) throw refuse(`message is for ${fields.domain}, this service is ${this.domains.join(' or ')}`);
    if (fields.chainId !== this.chainId) throw refuse(`message names chain ${fields.chainId}, the service's chain is ${this.chainId}`);
    const t = now.getTime();
    if (fields.issuedAt && (Number.isNaN(fields.issuedAt.getTime()) || fields.issuedAt.getTime() > t + CLOCK_SKEW_MS)) throw refuse('issued in the future');
    if (fields.expirationTime && (Number.isNaN(fields.expirationTime.getTime()) || fields.expirationTime.getTime() <= t)) throw refuse('message expired');
    if (fields.notBefore && (Number.isNaN(fields.notBefore.getTime()) || fields.notBefore.getTime() > t)) throw refuse('message not yet valid');
    let signer: Address;
    try {
      signer = await recoverMessageAddress({ message: v.message, signature: v.signature as Hex });
    } catch {
      throw refuse('not a valid signature');
    }
    if (!isAddressEqual(signer, fields.address)) throw refuse(`signed by ${signer}, not by ${getAddress(fields.address)}`);
    const reviewer = await this.#reviewer(signer);
    if (!reviewer) {
      throw new InputError('not a registered reviewer', { details: `${signer} is no provider's reviewer`, status: 403, code: 'FORBIDDEN' });
    }
    const token = randomBytes(32).toString('base64url');
    const expiresAt = t + this.#ttl;
    this.#sessions.set(hashToken(token), { address: signer, expiresAt });
    return { ...reviewer, token, expiresAt: new Date(expiresAt) };
  }

  /** The reviewer behind an `Authorization: Bearer <token>` header; 401 when there is none or it lapsed. */
  async authenticate(authorization: string | undefined): Promise<Reviewer> {
    const m = /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(authorization?.trim() ?? '');
    if (!m) throw unauthenticated('send Authorization: Bearer <token> from POST /kyc/auth/sign-in');
    const key = hashToken(m[1]!);
    const s = this.#sessions.get(key);
    if (!s || s.expiresAt <= this.#now().getTime()) {
      this.#sessions.delete(key);
      throw unauthenticated('session unknown or expired: sign in again');
    }
    const reviewer = await this.#reviewer(s.address);
    if (!reviewer) {
      this.#sessions.delete(key);
      throw unauthenticated('no longer a registered reviewer');
    }
    return reviewer;
  }

  signOut(authorization: string | undefined): void {
    const m = /^Bearer (\S+)$/.exec(authorization?.trim() ?? '');
    if (m) this.#sessions.delete(hashToken(m[1]!));
  }

  async #reviewer(address: Address): Promise<Reviewer | undefined> {
    const { rows } = await this.#db.query<{ reviewer: string; provider: string }>('SELECT reviewer, provider FROM kyc_reviewers WHERE reviewer = $1', [
      getAddress(address),
    ]);
    const r = rows[0];
    return r ? { address: getAddress(r.reviewer), provider: getAddress(r.provider) } : undefined;
  }

  #sweep(now: number): void {
    for (const [n, exp] of this.#nonces) if (exp <= now) this.#nonces.delete(n);
    for (const [k, s] of this.#sessions) if (s.expiresAt <= now) this.#sessions.delete(k);
  }
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Signs in with a local key in one step (the CLI, tests): nonce → message → signature. */
export async function signInWithKey(
  auth: { nonce(): Promise<{ nonce: string; domain: string; chainId: number }> | { nonce: string; domain: string; chainId: number }; signIn(input: unknown): Promise<Session> },
  account: { address: Address; signMessage(a: { message: string }): Promise<Hex> },
  uri: string,
  now: Date = new Date(),
): Promise<Session> {
  const n = await auth.nonce();
  const message = reviewerSignInMessage({ domain: n.domain, uri, address: account.address, chainId: n.chainId, nonce: n.nonce, issuedAt: now });
  const signature = await account.signMessage({ message });
  return auth.signIn({ message, signature });
}

