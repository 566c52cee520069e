-- Operators (people with badges, and named system actors), the audit trail and the scan journal.

create type operator_role as enum ('picker', 'packer', 'supervisor', 'admin', 'system');

create table operators (
    id              integer generated always as identity primary key,
    badge           text not null unique check (badge ~ '^[A-Za-z0-9:._-]{1,32}$'),
    name            text not null,
    role            operator_role not null,
    pin_hash        text,            -- argon2 PHC string; never a PIN in clear
    failed_attempts integer not null default 0 check (failed_attempts >= 0),
    locked_until    timestamptz,
    active          boolean not null default true,
    created_at      timestamptz not null default now(),
    -- People log in with a PIN; system actors never log in.
    check ((role = 'system') = (pin_hash is null))
);

-- The system actors: work no person does is still attributed.
insert into operators (badge, name, role) values
    ('system:intake',    'Channel intake',   'system'),
    ('system:planner',   'Batch planner',    'system'),
    ('system:sync',      'Channel sync',     'system'),
    ('system:demo',      'Demo loader',      'system'),
    ('system:simulator', 'Floor simulator',  'system');

create table audit_log (
    id           bigint generated always as identity primary key,
    at           timestamptz not null default now(),
    actor_id     integer not null references operators,
    warehouse_id integer references warehouses,
    action       text not null,
    subject      text,
    details      jsonb not null default '{}'
);
create index audit_log_by_time on audit_log (at);

-- Every scan that reached the database: raw input, what it parsed to, and what came of it.
create table scan_journal (
    warehouse_id integer not null references warehouses,
    scan_id      uuid not null,        -- UUIDv7 made by the terminal
    at           timestamptz not null default now(),
    terminal     text not null,
    operator_id  integer references operators,
    screen       text not null,
    raw          text not null,
    parsed       jsonb,
    outcome      text not null check (outcome in ('applied', 'rejected', 'replayed', 'exception', 'lookup')),
    message      text,
    primary key (warehouse_id, scan_id)
);
create index scan_journal_by_time on scan_journal (warehouse_id, at);
