import { type FormEvent, useCallback, useEffect, useState } from 'react';
import type { Address as Hex20 } from 'viem';
import { createSiweMessage } from 'viem/siwe';
import { getChains } from '../../api.ts';
import { Address } from '../../components/Address.tsx';
import {
  type Grant,
  type Qualification,
  type QueueEntry,
  type Session,
  approve,
  checkAddress,
  getGrants,
  getNonce,
  getQueue,
  reject,
  revoke,
  signIn,
  signOut,
  storeSession,
  storedSession,
  verifyAudit,
} from './kycApi.ts';
import { usePoll } from '../../usePoll.ts';
import { DEVNET_ACCOUNTS, type Signer, devnetSigner, hasInjectedWallet, injectedSigner } from './signers.ts';
import './kyc.css';

const SERVICES = ['DCE', 'LEND', 'STO', 'DCS'] as const;
const reasonText: Record<string, string> = {
  qualified: 'Qualified',
  'no grant': 'No grant: never qualified',
  expired: 'Lease expired',
  revoked: 'Grant revoked',
  'expired ancestor': 'The provider’s own lease expired',
  'revoked ancestor': 'The provider (or its seed) was revoked',
  'inactive seed': 'The seed authority is inactive',
  'out of scope': 'Out of the provider’s scope for this service',
};

/** Anyone: is an address qualified for a service, and if not, why. */
function CheckAddress() {
  const [address, setAddress] = useState('');
  const [service, setService] = useState<string>('LEND');
  const [result, setResult] = useState<Qualification | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      setResult(await checkAddress(address.trim(), service));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="kyc-panel" aria-labelledby="check-title">
      <h2 id="check-title">Check an address</h2>
      <p className="muted">The registry’s verdict, read from the hub chain. No sign-in needed.</p>
      <form className="kyc-form" onSubmit={(e) => void submit(e)}>
        <label>
          Address
          <input value={address} onChange={(e) => setAddress(e.target.value)} placeholder="0x…" spellCheck={false} data-testid="check-address" required />
        </label>
        <label>
          Service
          <select value={service} onChange={(e) => setService(e.target.value)} data-testid="check-service">
            {SERVICES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Check'}
        </button>
      </form>
      {error && (
        <p className="error-banner" role="alert">
          {error}
        </p>
      )}
      {result && (
        <p className={`verdict ${result.qualified ? 'ok' : 'no'}`} data-testid="verdict" data-qualified={String(result.qualified)} data-reason={result.reason}>
          <strong>{result.qualified ? 'Qualified' : 'Not qualified'}</strong> for {result.service}: {reasonText[result.reason] ?? result.reason}
        </p>
      )}
    </section>
  );
}

/** A reviewer proves control of a registered address by signing an EIP-4361 message. */
function SignIn({ onSession, devnet }: { onSession: (s: Session) => void; devnet: boolean }) {
  const [index, setIndex] = useState(DEVNET_ACCOUNTS[0]!.index);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const go = async (pick: () => Promise<Signer> | Signer) => {
    setBusy(true);
    setError(undefined);
    try {
      const signer = await pick();
      const n = await getNonce();
      const issuedAt = new Date();
      const message = createSiweMessage({
        domain: n.domain,
        uri: window.location.origin,
        address: signer.address as Hex20,
        chainId: n.chainId,
        nonce: n.nonce,
        issuedAt,
        expirationTime: new Date(issuedAt.getTime() + 5 * 60_000),
        version: '1',
        statement: 'Sign in to the Palisade KYC service as a reviewer.',
      });
      const session = await signIn(message, await signer.signMessage(message));
      storeSession(session);
      onSession(session);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="kyc-panel" aria-labelledby="signin-title">
      <h2 id="signin-title">Reviewer sign-in</h2>
      <p className="muted">Sign a Sign-In with Ethereum message with an address your provider registered as a reviewer. Nothing is sent on chain.</p>
      <div className="kyc-form">
        {hasInjectedWallet() && (
          <button type="button" disabled={busy} onClick={() => void go(injectedSigner)}>
            Sign in with browser wallet
          </button>
        )}
        {devnet && (
          <>
            <label>
              Devnet test account
              <select value={index} onChange={(e) => setIndex(Number(e.target.value))} data-testid="devnet-account">
                {DEVNET_ACCOUNTS.map((a) => (
                  <option key={a.index} value={a.index}>
                    {a.label} (anvil #{a.index})
                  </option>
                ))}
              </select>
            </label>
            <button type="button" disabled={busy} data-testid="sign-in" onClick={() => void go(() => devnetSigner(index, DEVNET_ACCOUNTS.find((a) => a.index === index)!.label))}>
              {busy ? 'Signing in…' : 'Sign in'}
            </button>
          </>
        )}
        {!devnet && !hasInjectedWallet() && <p className="muted">Open this page in a browser with an Ethereum wallet to sign in.</p>}
      </div>
      {error && (
        <p className="error-banner" role="alert" data-testid="signin-error">
          {error}
        </p>
      )}
    </section>
  );
}

function QueueRow({ a, session, onDone }: { a: QueueEntry; session: Session; onDone: (msg: string) => void }) {
  const [leaseDays, setLeaseDays] = useState('365');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const act = async (what: string, fn: () => Promise<unknown>, msg: string) => {
    setBusy(what);
    setError(undefined);
    try {
      await fn();
      onDone(msg);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(undefined);
    }
  };
  const days = Number(leaseDays);
  const daysOk = /^\d{1,4}$/.test(leaseDays) && days >= 1 && days <= 1826;
  return (
    <li className="queue-item" data-testid="queue-item" data-application={a.id}>
      <div className="queue-head">
        <strong>{a.dossier ? a.dossier.legalName : 'Unreadable dossier'}</strong>
        <span className="muted">
          {a.dossier?.subjectType ?? ''} · {a.category} · {a.jurisdiction} · filed {new Date(a.filedAt).toLocaleString()}
        </span>
      </div>
      <div>
        Applicant <Address address={a.applicant} label="applicant" />
      </div>
      {a.dossier ? (
        <ul className="docs">
          {a.dossier.documents.map((d) => (
            <li key={d.digest}>
              {d.kind} <code title={d.digest}>{d.digest.slice(0, 10)}…</code>
            </li>
          ))}
        </ul>
      ) : (
        <p className="error-banner">{a.dossierError}</p>
      )}
      <div className="queue-actions">
        <label>
          Lease (days)
          <input value={leaseDays} onChange={(e) => setLeaseDays(e.target.value)} inputMode="numeric" size={5} aria-invalid={!daysOk} />
        </label>
        <button type="button" disabled={!!busy || !daysOk || !a.dossier} data-testid="approve" onClick={() => void act('approve', () => approve(session.token, a.id, days), `Approved ${a.applicant}: grant sent on chain`)}>
          {busy === 'approve' ? 'Sending grant…' : 'Approve'}
        </button>
        <label>
          Reason
          <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="why not" data-testid="reject-reason" />
        </label>
        <button type="button" className="secondary" disabled={!!busy || reason.trim() === ''} data-testid="reject" onClick={() => void act('reject', () => reject(session.token, a.id, reason.trim()), `Rejected ${a.applicant}`)}>
          {busy === 'reject' ? 'Rejecting…' : 'Reject'}
        </button>
      </div>
      {error && (
        <p className="error-banner" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}

/** The signed-in reviewer's queue and its provider's active grants. */
function Queue({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const [queue, setQueue] = useState<QueueEntry[] | undefined>();
  const [grants, setGrants] = useState<Grant[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const load = useCallback(async () => {
    try {
      const [q, g] = await Promise.all([getQueue(session.token), getGrants(session.token)]);
      setQueue(q);
      setGrants(g);
      setError(undefined);
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 401) return onSignOut();
      setError(err instanceof Error ? err.message : String(err));
    }
  }, [session.token, onSignOut]);
  useEffect(() => {
    void load();
    const id = setInterval(() => void load(), 5_000);
    return () => clearInterval(id);
  }, [load]);
  const done = (msg: string) => {
    setNotice(msg);
    void load();
  };
  return (
    <section className="kyc-panel" aria-labelledby="queue-title">
      <div className="queue-title">
        <h2 id="queue-title">Review queue</h2>
        <span className="muted" data-testid="signed-in-as">
          Signed in as <Address address={session.address} label="reviewer" /> for provider <Address address={session.provider} label="provider" />
        </span>
        <button type="button" className="secondary" onClick={onSignOut}>
          Sign out
        </button>
      </div>
      {notice && (
        <p className="notice" role="status" data-testid="notice">
          {notice}
        </p>
      )}
      {error && (
        <p className="error-banner" role="alert">
          {error}
        </p>
      )}
      {!queue && !error && <p className="muted">Loading the queue…</p>}
      {queue && queue.length === 0 && (
        <p className="muted" data-testid="queue-empty">
          No pending applications. Applicants file with <code>palisade kyc apply</code> (signed with their own key).
        </p>
      )}
      {queue && queue.length > 0 && (
        <ul className="queue">
          {queue.map((a) => (
            <QueueRow key={a.id} a={a} session={session} onDone={done} />
          ))}
        </ul>
      )}
      <h3>Active grants of your provider</h3>
      {grants && grants.length === 0 && <p className="muted">None recorded by this service yet.</p>}
      {grants && grants.length > 0 && (
        <table className="grants">
          <thead>
            <tr>
              <th>Account</th>
              <th>Lease ends</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {grants.map((g) => (
              <tr key={g.id} data-testid="grant-row">
                <td>
                  <Address address={g.account} label="client" />
                </td>
                <td>{new Date(g.expiresAt).toLocaleDateString()}</td>
                <td>
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => {
                      const reason = window.prompt('Why revoke this grant? (recorded in the audit log)');
                      if (reason && reason.trim()) void revoke(session.token, g.id, reason.trim()).then(() => done(`Revoked ${g.account}`), (err: Error) => setError(err.message));
                    }}
                  >
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Anyone: is the audit log intact, and how far is it anchored on the hub. */
function AuditStatus() {
  const audit = usePoll(verifyAudit, 15_000);
  const v = audit.data;
  return (
    <p className="muted" data-testid="audit-status" data-ok={v ? String(v.ok) : undefined}>
      {!v && !audit.error && 'Checking the audit log…'}
      {audit.error && `Audit log not checked: ${audit.error.message}`}
      {v?.ok &&
        `Audit log intact: ${v.entries} entries${v.anchorsChecked ? `, anchored on the hub up to entry ${v.anchoredSeq}${v.unanchored ? ` (${v.unanchored} newer, anchored within 10 minutes)` : ''}` : ''}.`}
      {v && !v.ok && <strong>{`Audit log broken at entry ${v.brokenAt}: ${v.problem}${v.subject ? ` (${v.subject})` : ''}.`}</strong>}
    </p>
  );
}

export function KycPage() {
  const [session, setSession] = useState<Session | undefined>(storedSession);
  const [devnet, setDevnet] = useState(false);
  useEffect(() => {
    // The test-key picker only where every chain is a local one (the devnet).
    const controller = new AbortController();
    getChains(controller.signal)
      .then((chains) => setDevnet(chains.length > 0 && chains.every((c) => /^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(c.rpcUrl))))
      .catch(() => setDevnet(false));
    return () => controller.abort();
  }, []);
  const out = useCallback(() => {
    if (session) void signOut(session.token);
    storeSession(undefined);
    setSession(undefined);
  }, [session]);
  return (
    <section className="kyc">
      <div className="page-head">
        <div>
          <h1>KYC</h1>
          <p className="muted">Check whether an account is qualified; reviewers sign in to decide their provider’s applications.</p>
        </div>
      </div>
      <AuditStatus />
      <CheckAddress />
      {session ? <Queue session={session} onSignOut={out} /> : <SignIn onSession={setSession} devnet={devnet} />}
    </section>
  );
}
