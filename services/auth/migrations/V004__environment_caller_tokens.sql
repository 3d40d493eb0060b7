-- Caller tokens an operator gives auth through its environment (CRMSYNC_BOOTSTRAP_ADMIN_TOKEN,
-- CRMSYNC_SERVICE_TOKENS) are rows like issued ones, marked from_environment: each start makes
-- the marked rows match the environment and never touches the others. Such a token is
-- presented as the operator chose it, without an id inside, so every token is found by its
-- digest; at most one unrevoked token holds a digest.
ALTER TABLE caller_tokens ADD COLUMN from_environment boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX caller_tokens_unrevoked_by_sha256 ON caller_tokens (token_sha256)
  WHERE revoke_time IS NULL;
