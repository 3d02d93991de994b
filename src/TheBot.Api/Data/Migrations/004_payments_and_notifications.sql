CREATE TABLE payments (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id            bigint NOT NULL REFERENCES users (id),
    amount_cents       bigint NOT NULL CHECK (amount_cents > 0),
    currency           text NOT NULL,
    method             text NOT NULL CHECK (method IN ('card', 'bank_transfer', 'wallet')),
    status             text NOT NULL CHECK (status IN ('succeeded', 'failed', 'declined')),
    provider_reference text,
    failure_reason     text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    reconciled_at      timestamptz
);

CREATE TABLE notifications (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id),
    body       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX notifications_user ON notifications (user_id, id DESC);
