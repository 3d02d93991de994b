CREATE TABLE chat_messages (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room       text NOT NULL,
    chat_type  text NOT NULL CHECK (chat_type IN ('private', 'group')),
    sender_id  bigint NOT NULL REFERENCES users (id),
    body       text NOT NULL,
    sent_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX chat_messages_room_id ON chat_messages (room, id DESC);
