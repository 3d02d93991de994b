CREATE TABLE assignments (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    course_id  bigint NOT NULL REFERENCES courses (id),
    title      text NOT NULL,
    due_at     timestamptz NOT NULL,
    max_length integer NOT NULL CHECK (max_length > 0),
    closed     boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE submissions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    assignment_id bigint NOT NULL REFERENCES assignments (id),
    student_id    bigint NOT NULL REFERENCES users (id),
    content       text NOT NULL,
    status        text NOT NULL CHECK (status IN ('accepted', 'late', 'rejected')),
    reason        text,
    grade         integer,
    submitted_at  timestamptz NOT NULL DEFAULT now(),
    graded_at     timestamptz
);

CREATE INDEX submissions_assignment ON submissions (assignment_id, id);
