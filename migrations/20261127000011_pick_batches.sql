-- Pick batches: a cart's worth of released orders, one order per tote, walked as one route, and
-- held by at most one picker at a time under a lease (DESIGN.md invariant 6).

-- How long a claim lives without a sign of life from the terminal. The terminal renews it while
-- the picker works; a silent handheld's batch returns to the queue after this, progress kept.
alter table warehouses
    add column pick_lease_seconds integer not null default 300
        check (pick_lease_seconds between 30 and 3600);

create type batch_status as enum ('open', 'claimed', 'done', 'cancelled');

create table pick_batches (
    warehouse_id  integer not null references warehouses,
    id            bigint generated always as identity,
    status        batch_status not null default 'open',
    -- Claim order: the batch carries its most urgent order's manual priority and due time.
    priority      integer not null default 0,
    due_at        timestamptz,
    route_m       double precision check (route_m >= 0),  -- planned walk, depot to depot
    released_by   integer not null references operators,
    claimed_by    integer references operators,
    claimed_at    timestamptz,
    lease_until   timestamptz,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now(),
    primary key (warehouse_id, id),
    -- A claimed batch always says by whom and until when; an open one is held by nobody.
    check ((status = 'claimed') = (claimed_by is not null and lease_until is not null)),
    check (status in ('claimed', 'done') or claimed_by is null)
);
-- What a picker asking for work can get, most urgent first.
create index pick_batches_claimable on pick_batches (warehouse_id, priority desc, due_at, id)
    where status in ('open', 'claimed');
-- A picker holds one batch at a time.
create unique index pick_batches_one_per_picker on pick_batches (warehouse_id, claimed_by)
    where status = 'claimed';

-- The orders of a batch, one per cart slot; the tote is bound when the picker builds the cart.
create table batch_orders (
    warehouse_id     integer not null,
    batch_id         bigint not null,
    slot             integer not null check (slot >= 1),
    order_id         bigint not null,
    tote_location_id integer,
    primary key (warehouse_id, batch_id, slot),
    unique (warehouse_id, batch_id, order_id),
    unique (warehouse_id, batch_id, tote_location_id),
    foreign key (warehouse_id, batch_id) references pick_batches,
    foreign key (warehouse_id, order_id) references orders,
    foreign key (warehouse_id, tote_location_id) references locations
);
create index batch_orders_by_order on batch_orders (warehouse_id, order_id);

-- Tasks of a batch are walked in route order; a confirm adds to done_qty (a short closes the
-- rest another way), so an expired batch resumes where it stopped.
alter table tasks
    add column batch_id bigint,
    add column seq      integer,
    add column done_qty integer not null default 0,
    add constraint tasks_done_within_quantity check (done_qty between 0 and quantity),
    add constraint tasks_batch_fkey foreign key (warehouse_id, batch_id) references pick_batches;
create index tasks_by_batch on tasks (warehouse_id, batch_id, seq) where batch_id is not null;

-- Claim work for a picker: the batch they already hold (its lease renewed), or else the most
-- urgent batch that is open or whose holder went silent, taken with SKIP LOCKED so that pickers
-- asking at once never wait for each other and never get the same batch. Returns the batch id,
-- or null when there is no work.
create function aisle_claim_batch(p_wh integer, p_operator integer) returns bigint
language plpgsql as $$
declare
    v_lease interval;
    v_id    bigint;
begin
    select make_interval(secs => pick_lease_seconds) into v_lease from warehouses where id = p_wh;
    if v_lease is null then
        raise exception 'no warehouse %', p_wh using errcode = 'AS005';
    end if;
    update pick_batches set lease_until = now() + v_lease, updated_at = now()
     where warehouse_id = p_wh and claimed_by = p_operator and status = 'claimed'
     returning id into v_id;
    if v_id is not null then
        return v_id;
    end if;
    select id into v_id from pick_batches
     where warehouse_id = p_wh
       and (status = 'open' or (status = 'claimed' and lease_until < now()))
     order by priority desc, due_at asc nulls last, id
     limit 1
       for update skip locked;
    if v_id is null then
        return null;
    end if;
    update pick_batches
       set status = 'claimed', claimed_by = p_operator, claimed_at = now(),
           lease_until = now() + v_lease, updated_at = now()
     where warehouse_id = p_wh and id = v_id;
    insert into audit_log (actor_id, warehouse_id, action, subject)
    values (p_operator, p_wh, 'batch.claim', v_id::text);
    return v_id;
end $$;

-- The terminal's sign of life: extends the lease of a batch the picker still holds. Returns the
-- new expiry, or null when the batch is no longer theirs (it expired and someone else took it).
create function aisle_renew_lease(p_wh integer, p_batch bigint, p_operator integer)
returns timestamptz
language sql as $$
    update pick_batches b
       set lease_until = now() + make_interval(secs => w.pick_lease_seconds), updated_at = now()
      from warehouses w
     where w.id = b.warehouse_id and b.warehouse_id = p_wh and b.id = p_batch
       and b.claimed_by = p_operator and b.status = 'claimed'
    returning b.lease_until
$$;

-- A picker hands a batch back (end of shift, cart broken): it returns to the queue with its
-- progress kept. Returns whether it was theirs to give.
create function aisle_give_back_batch(p_wh integer, p_batch bigint, p_operator integer)
returns boolean
language plpgsql as $$
begin
    update pick_batches
       set status = 'open', claimed_by = null, claimed_at = null, lease_until = null,
           updated_at = now()
     where warehouse_id = p_wh and id = p_batch and claimed_by = p_operator and status = 'claimed';
    if not found then
        return false;
    end if;
    insert into audit_log (actor_id, warehouse_id, action, subject)
    values (p_operator, p_wh, 'batch.give_back', p_batch::text);
    return true;
end $$;
