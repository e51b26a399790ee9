-- What the application's database role (referral_app) may do, run by the tables' owner after each
-- `flask db upgrade` (README: 安全 / Security; docs/architecture.md#evidence). Running it again is harmless.
-- The owner runs the migrations; referral_app, which the web servers and consumers connect as, owns nothing,
-- so it can neither alter a table nor switch a trigger off.
GRANT USAGE ON SCHEMA public TO referral_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO referral_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO referral_app;
-- No TRUNCATE anywhere (it bypasses row triggers), and no triggers or references of its own.
REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM referral_app;
-- The evidence is read and appended to, never changed: the triggers refuse it to the owner too.
REVOKE UPDATE, DELETE ON audit_entries, case_events, approval_decisions, pledges, account_pledges,
    issued_documents FROM referral_app;
-- The schema version is the owner's.
REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM referral_app;
