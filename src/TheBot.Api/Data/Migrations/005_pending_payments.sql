-- A payment is recorded as pending before the provider is asked to charge, so a charge can never happen without a
-- record; the reconciliation job settles pending rows the request could not finish.
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check CHECK (status IN ('pending', 'succeeded', 'failed', 'declined'));
CREATE INDEX payments_pending ON payments (created_at) WHERE status = 'pending';
