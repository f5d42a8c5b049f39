-- KYC service hardening (issue 7): reviewers who sign in, signed applications and provider
-- registrations, the chain deployment a database belongs to, and a database role for the
-- service that cannot rewrite the audit log.

-- A provider's registration is signed (EIP-712) by the provider's own key; the newest signed one wins.
ALTER TABLE kyc_providers ADD COLUMN registered_at timestamptz;
ALTER TABLE kyc_providers ADD COLUMN registration_signature text;

-- Addresses a provider registered as its reviewers; they sign in with EIP-4361 and act for it alone.
CREATE TABLE kyc_reviewers (
  reviewer text PRIMARY KEY,
  provider text NOT NULL REFERENCES kyc_providers (address),
  added_at timestamptz NOT NULL
);
CREATE INDEX kyc_reviewers_by_provider ON kyc_reviewers (provider);

-- The EIP-712 request the applicant signed: its digest is unique, so a signed application is filed once.
ALTER TABLE kyc_applications ADD COLUMN request_digest text CHECK (request_digest ~ '^0x[0-9a-f]{64}$');
ALTER TABLE kyc_applications ADD COLUMN applicant_signature text;
CREATE UNIQUE INDEX kyc_applications_request_digest ON kyc_applications (request_digest);

-- Which chain deployment this database records: grants and anchors only mean something there.
CREATE TABLE kyc_deployment (
  id                integer PRIMARY KEY CHECK (id = 1),
  chain_id          bigint NOT NULL,
  registry          text NOT NULL,
  deployed_at_block bigint NOT NULL,
  block_hash        text NOT NULL CHECK (block_hash ~ '^0x[0-9a-f]{64}$'),
  bound_at          timestamptz NOT NULL
);

-- The service's own role. Migrations run as the owner (who owns every table, and alone may ALTER
-- them, so alone may disable the append-only trigger); the service logs in as a member of
-- palisade_kyc_app, which may only read, append and update what its work needs. Roles are
-- cluster-wide: created once, when the migrating user may create roles, and granted per schema.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'palisade_kyc_app') THEN
    BEGIN
      CREATE ROLE palisade_kyc_app NOLOGIN;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE NOTICE 'cannot create role palisade_kyc_app; create it and re-grant as in 0002_kyc_auth.sql';
    END;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'palisade_kyc_app') THEN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO palisade_kyc_app', current_schema());
    GRANT SELECT ON schema_migrations TO palisade_kyc_app;
    GRANT SELECT, INSERT ON kyc_audit_log, kyc_key_check, kyc_deployment TO palisade_kyc_app;
    GRANT SELECT, INSERT, UPDATE ON kyc_providers, kyc_applications, kyc_grants TO palisade_kyc_app;
    GRANT SELECT, INSERT, DELETE ON kyc_reviewers TO palisade_kyc_app;
  END IF;
END
$$;
