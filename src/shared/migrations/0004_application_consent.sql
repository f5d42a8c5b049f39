-- The applicant's EIP-712 GrantConsent to the provider it applied to (issue 7: the registry refuses a
-- first grant without the grantee's consent). Collected and checked when the application is filed,
-- relayed with consentBySig at approval. JSON { nonce, deadline, signature } (decimal strings, 0x hex);
-- NULL when the application came without one (the applicant consents on chain itself, or a devnet key does).
-- The audit row digest leaves a NULL grant_consent out, so rows recorded before this migration still verify.
ALTER TABLE kyc_applications ADD COLUMN grant_consent jsonb;
