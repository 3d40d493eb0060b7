-- The refresh lease: the cross-replica single flight of a token refresh, taken and committed
-- before the call to the accounts server, so that no transaction or row lock is held while Zoho
-- answers. refresh_fence grows with every lease and every replacement of the grant; a minted
-- token is stored only under the fence it was leased with, so a holder whose lease expired (and
-- was taken over) or whose grant was replaced stores nothing. refresh_owner and
-- refresh_lease_until are set while a holder may still be minting; a lease whose holder died
-- expires at refresh_lease_until and is taken over.
ALTER TABLE grants
  ADD COLUMN refresh_fence        bigint NOT NULL DEFAULT 0,
  ADD COLUMN refresh_owner        text,
  ADD COLUMN refresh_lease_until  timestamptz;

-- The lease a mint was counted under (0: a registration's check mint), so that a mint the
-- accounts server certainly did not make (a throttle reply, a refused connection) is uncounted.
ALTER TABLE token_mints ADD COLUMN fence bigint NOT NULL DEFAULT 0;
