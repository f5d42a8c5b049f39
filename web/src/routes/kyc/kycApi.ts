/**
 * The KYC routes of the Palisade API, as the dashboard uses them. The session token lives in
 * sessionStorage: it dies with the tab, and the API forgets it after 15 minutes anyway.
 */
import { ApiError } from '../../api.ts';

export type Session = { token: string; address: string; provider: string; expiresAt: string };
export type Document = { kind: string; digest: string };
export type QueueEntry = {
  id: string;
  provider: string;
  applicant: string;
  category: string;
  jurisdiction: string;
  status: string;
  dossierHash: string;
  filedAt: string;
  dossier: { legalName: string; subjectType: string; documents: Document[] } | null;
  dossierError?: string;
};
export type Qualification = { address: string; service: string; qualified: boolean; reason: string };
export type Provider = { address: string; name: string; categories: string[]; jurisdictions: string[]; reviewers: string[] };
export type Grant = { id: string; account: string; expiresAt: string; status: string; grantTx: string };

const SESSION_KEY = 'palisade.kyc.session';

export function storedSession(): Session | undefined {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as Session | null;
    return s && new Date(s.expiresAt).getTime() > Date.now() ? s : undefined;
  } catch {
    return undefined;
  }
}

export function storeSession(s: Session | undefined): void {
  if (s) sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
  else sessionStorage.removeItem(SESSION_KEY);
}

async function call<T>(method: 'GET' | 'POST', path: string, o: { token?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      cache: 'no-store',
      signal: o.signal,
      headers: {
        accept: 'application/json',
        ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
      },
      body: o.body === undefined ? undefined : JSON.stringify(o.body),
    });
  } catch (err) {
    throw new ApiError(`${method} ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(`${method} ${path}: answer is not JSON (HTTP ${res.status})`, res.status);
  }
  if (!res.ok) {
    const b = (json ?? {}) as { error?: string; details?: unknown };
    const details = Array.isArray(b.details)
      ? (b.details as Array<{ path?: string; message?: string }>).map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ')
      : typeof b.details === 'string'
        ? b.details
        : '';
    throw new ApiError(`${b.error ?? `HTTP ${res.status}`}${details ? `: ${details}` : ''}`, res.status);
  }
  return json as T;
}

export const getNonce = () => call<{ nonce: string; domain: string; chainId: number }>('GET', '/kyc/auth/nonce');
export const signIn = (message: string, signature: string) => call<Session>('POST', '/kyc/auth/sign-in', { body: { message, signature } });
export const signOut = (token: string) => call<void>('POST', '/kyc/auth/sign-out', { token }).catch(() => undefined);
export const getQueue = (token: string, signal?: AbortSignal) =>
  call<{ applications: QueueEntry[] }>('GET', '/kyc/applications?status=pending', { token, signal }).then((r) => r.applications);
export const getGrants = (token: string, signal?: AbortSignal) => call<{ grants: Grant[] }>('GET', '/kyc/grants?status=active', { token, signal }).then((r) => r.grants);
export const approve = (token: string, id: string, leaseDays: number) =>
  call<{ grant: Grant }>('POST', `/kyc/applications/${encodeURIComponent(id)}/approve`, { token, body: { leaseDays } });
export const reject = (token: string, id: string, reason: string) => call('POST', `/kyc/applications/${encodeURIComponent(id)}/reject`, { token, body: { reason } });
export const revoke = (token: string, id: string, reason: string) => call('POST', `/kyc/grants/${encodeURIComponent(id)}/revoke`, { token, body: { reason } });
export const getProviders = () => call<{ providers: Provider[] }>('GET', '/kyc/providers').then((r) => r.providers);
export const checkAddress = (address: string, service: string) =>
  call<Qualification>('GET', `/compliance/check/${encodeURIComponent(address)}?service=${encodeURIComponent(service)}`);

export type AuditVerification =
  | { ok: true; entries: number; head: string; anchoredSeq: number; unanchored: number; anchorsChecked: boolean }
  | { ok: false; entries: number; brokenAt: number; problem: string; subject?: string };
export const verifyAudit = (signal?: AbortSignal) => call<AuditVerification>('GET', '/kyc/audit/verify', { signal });
