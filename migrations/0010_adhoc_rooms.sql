-- Ad hoc video rooms: a specialist calls colleagues without a booking. The
-- room row's ref_id is the host; the invitees are listed here.

CREATE TABLE room_invitees (
    room_id TEXT NOT NULL REFERENCES rooms (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    role    TEXT NOT NULL,
    PRIMARY KEY (room_id, user_id)
);
