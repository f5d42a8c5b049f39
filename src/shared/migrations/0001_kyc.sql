-- KYC service (SPEC §A, off chain): providers, applications with encrypted dossiers, client
-- grants mirrored from the chain, and the hash-chained, append-only audit log.
-- Addresses are stored EIP-55 checksummed (viem getAddress), hashes as 0x-prefixed lowercase hex.

CREATE TABLE kyc_providers (
  address       text PRIMARY KEY,
  name          text NOT NULL,
  -- KYC scope granted to the provider on chain; the service refuses applications beyond it.
  categories    text[] NOT NULL,
  -- ISO 3166-1 alpha-2 codes; empty means every jurisdiction.
  jurisdictions text[] NOT NULL,
  created_at    timestamptz NOT NULL,
  CHECK (categories <@ ARRAY['INSTITUTIONAL', 'ACCREDITED', 'RETAIL']::text[] AND cardinality(categories) > 0)
);

-- One row proving which key encrypts the dossiers: a fixed plaintext sealed with AES-256-GCM.
-- A service started with another key fails to open it and refuses to read or write.
CREATE TABLE kyc_key_check (
  id         integer PRIMARY KEY CHECK (id = 1),
  nonce      bytea NOT NULL,
  ciphertext bytea NOT NULL,
  tag        bytea NOT NULL,
  created_at timestamptz NOT NULL
);

CREATE TABLE kyc_applications (
  id                text PRIMARY KEY,
  provider          text NOT NULL REFERENCES kyc_providers (address),
  applicant         text NOT NULL,
  category          text NOT NULL CHECK (category IN ('INSTITUTIONAL', 'ACCREDITED', 'RETAIL')),
  jurisdiction      text NOT NULL CHECK (jurisdiction ~ '^[A-Z]{2}$'),
  status            text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
  -- keccak256 of the canonical JSON of the dossier: what the on-chain grant carries.
  dossier_hash      text NOT NULL CHECK (dossier_hash ~ '^0x[0-9a-f]{64}$'),
  -- AES-256-GCM, 12-byte random nonce, 16-byte tag, the application id as associated data.
  dossier_nonce     bytea NOT NULL,
  dossier_ciphertext bytea NOT NULL,
  dossier_tag       bytea NOT NULL,
  filed_at          timestamptz NOT NULL,
  decided_at        timestamptz,
  reviewer          text,
  reason            text,
  CHECK ((status = 'pending') = (decided_at IS NULL))
);

-- At most one open application per applicant and provider.
CREATE UNIQUE INDEX kyc_applications_one_open ON kyc_applications (provider, applicant) WHERE status = 'pending';
CREATE INDEX kyc_applications_by_status ON kyc_applications (status, provider, filed_at);

CREATE TABLE kyc_grants (
  -- The registry's grant id (bytes32, 0x-prefixed lowercase hex).
  id             text PRIMARY KEY CHECK (id ~ '^0x[0-9a-f]{64}$'),
  application_id text NOT NULL UNIQUE REFERENCES kyc_applications (id),
  provider       text NOT NULL REFERENCES kyc_providers (address),
  account        text NOT NULL,
  category       text NOT NULL,
  jurisdiction   text NOT NULL,
  dossier_hash   text NOT NULL,
  expires_at     timestamptz NOT NULL,
  status         text NOT NULL CHECK (status IN ('active', 'revoked')),
  granted_at     timestamptz NOT NULL,
  grant_tx       text NOT NULL,
  renewed_at     timestamptz,
  revoked_at     timestamptz,
  revoke_reason  text,
  last_tx        text NOT NULL
);

CREATE INDEX kyc_grants_by_expiry ON kyc_grants (status, expires_at);
CREATE INDEX kyc_grants_by_account ON kyc_grants (account, provider);

-- Every decision, hash-chained: hash = sha256(prev_hash || canonical JSON of the entry).
CREATE TABLE kyc_audit_log (
  seq            bigint PRIMARY KEY CHECK (seq > 0),
  at             timestamptz NOT NULL,
  action         text NOT NULL,
  actor          text NOT NULL,
  application_id text,
  grant_id       text,
  details        jsonb NOT NULL,
  prev_hash      text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash           text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$')
);

CREATE FUNCTION kyc_audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'kyc_audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER kyc_audit_log_append_only
  BEFORE UPDATE OR DELETE ON kyc_audit_log
  FOR EACH ROW EXECUTE FUNCTION kyc_audit_log_refuse_change();

CREATE TRIGGER kyc_audit_log_no_truncate
  BEFORE TRUNCATE ON kyc_audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION kyc_audit_log_refuse_change();
