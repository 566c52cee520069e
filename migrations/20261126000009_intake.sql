-- Channel intake: intake errors, webhook dedupe, the per-partner EDI control numbers, floor tasks
-- (put-backs raised by cancellations), set-wise reservation, and channel figures that follow
-- changes of their allocation rules.

-- What intake refused, for supervisors to see later: where, and what was expected.
create table intake_errors (
    id           bigint generated always as identity primary key,
    at           timestamptz not null default now(),
    channel_id   integer not null references channels,
    warehouse_id integer not null references warehouses,
    source       text not null,       -- a file name, or a webhook's event id
    external_id  text,
    place        text not null,
    message      text not null,
    actor_id     integer not null references operators
);
create index intake_errors_by_time on intake_errors (warehouse_id, at);

-- Shopify retries a delivery with the same event id; each is applied once.
create table webhook_events (
    channel_id  integer not null references channels,
    event_id    text not null,
    topic       text not null,
    received_at timestamptz not null default now(),
    primary key (channel_id, event_id)
);

-- Control numbers for outbound EDI per partner (997 now; 846 and 856 later share them), so that
-- none ever repeats. Taken with UPDATE ... RETURNING inside the transaction that writes the
-- message.
create table edi_control_numbers (
    channel_id        integer primary key references channels,
    last_interchange  bigint not null default 0 check (last_interchange between 0 and 999999999),
    last_group        bigint not null default 0 check (last_group between 0 and 999999999),
    last_set          bigint not null default 0 check (last_set between 0 and 999999999)
);

-- Floor work that moves units. Intake raises put-backs when a picked order is cancelled; picking
-- adds pick and replenishment tasks, counting adds counts.
create type task_kind as enum ('pick', 'replenish', 'put_back', 'count');
create type task_status as enum ('open', 'in_progress', 'done', 'cancelled');
create table tasks (
    warehouse_id     integer not null references warehouses,
    id               bigint generated always as identity,
    kind             task_kind not null,
    status           task_status not null default 'open',
    sku_id           integer not null references skus,
    lot              text not null default '',
    quantity         integer not null check (quantity > 0),
    from_location_id integer,
    to_location_id   integer,
    order_line_id    bigint,
    reason           text,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    primary key (warehouse_id, id),
    foreign key (warehouse_id, from_location_id) references locations,
    foreign key (warehouse_id, to_location_id) references locations,
    foreign key (warehouse_id, order_line_id) references order_lines
);
create index tasks_open on tasks (warehouse_id, kind) where status in ('open', 'in_progress');

-- Reserve a whole intake batch in one pass: the SKUs' position rows are locked in id order, each
-- SKU's free units are granted to its lines in queue order (a running sum, not a loop), order
-- statuses are settled and every moved channel figure upserted. Lines short of stock stay
-- backordered. Returns the units reserved.
-- Ids arrive as arrays and are joined through unnest(), never `= any(...)`: a plan over
-- `= any` of thousands of ids either scans whole tables (a generic plan) or spends longer
-- estimating the list than running the query (a custom one).
create function aisle_reserve_lines(p_wh integer, p_lines bigint[]) returns bigint
language plpgsql as $$
declare
    v_skus    integer[];
    v_orders  bigint[];
    v_granted bigint;
begin
    select array_agg(distinct l.sku_id order by l.sku_id), array_agg(distinct l.order_id)
      into v_skus, v_orders
      from unnest(p_lines) as x(id)
      join order_lines l on l.warehouse_id = p_wh and l.id = x.id
     where l.requires_shipping;
    if v_skus is null then
        return 0;
    end if;
    perform inv_lock_positions(p_wh, v_skus);

    with demand as (
        -- Reservations are looked up per line (by key), not joined: a join lets the planner hash
        -- the whole table.
        select l.id, l.sku_id,
               l.quantity - l.cancelled_qty - l.picked_qty
                 - coalesce((select r.quantity from reservations r
                              where r.warehouse_id = l.warehouse_id and r.order_line_id = l.id), 0) as want,
               o.priority, o.due_at, o.ship_by, o.ordered_at, o.id as order_id, l.line_no
          from unnest(p_lines) as x(id)
          join order_lines l on l.warehouse_id = p_wh and l.id = x.id
          join orders o on o.warehouse_id = l.warehouse_id and o.id = l.order_id
         where l.requires_shipping and o.status in ('new', 'held', 'reserved', 'backordered')
    ), ranked as (
        select d.*, sum(want) over (partition by sku_id
                                    order by priority desc, due_at asc nulls last, ship_by asc nulls last,
                                             ordered_at, order_id, line_no
                                    rows unbounded preceding) as running
          from demand d where want > 0
    ), granted as (
        select r.id, r.sku_id,
               greatest(0, least(r.want, (p.sellable_on_hand - p.open_reserved) - (r.running - r.want)))::integer as quantity
          from ranked r
          join sku_positions p on p.warehouse_id = p_wh and p.sku_id = r.sku_id
    ), reserved as (
        insert into reservations as res (warehouse_id, order_line_id, sku_id, quantity)
        select p_wh, id, sku_id, quantity from granted
        on conflict (warehouse_id, order_line_id) do update
            set quantity = res.quantity + excluded.quantity, updated_at = now()
        returning 1
    ), positions as (
        update sku_positions p set open_reserved = p.open_reserved + g.quantity
          from (select sku_id, sum(quantity)::integer as quantity from granted group by sku_id) g
         where p.warehouse_id = p_wh and p.sku_id = g.sku_id and g.quantity > 0
        returning g.quantity
    )
    select coalesce(sum(quantity), 0) into v_granted from positions;

    update orders o
       set status = case when s.short then 'backordered'::order_status else 'reserved' end,
           updated_at = now()
      from (select l.order_id,
                   bool_or(l.requires_shipping
                           and l.quantity - l.cancelled_qty - l.picked_qty
                               - coalesce((select r.quantity from reservations r
                                            where r.warehouse_id = l.warehouse_id
                                              and r.order_line_id = l.id), 0) > 0) as short
              from unnest(v_orders) as x(order_id)
              join order_lines l on l.warehouse_id = p_wh and l.order_id = x.order_id
             group by l.order_id) s
     where o.warehouse_id = p_wh and o.id = s.order_id and o.status in ('new', 'reserved', 'backordered')
       and o.status <> case when s.short then 'backordered'::order_status else 'reserved' end;

    perform inv_refresh_channel_figures_of(p_wh, v_skus);
    return v_granted;
end $$;

-- Give back an order's open reservations without handing them on (an update about to reserve its
-- new lines); returns the SKUs whose reservations went down, so the caller can fill their
-- backorders once the new lines are reserved. The caller holds the positions (locked before the
-- order, as everywhere).
create function inv_release_reservations(p_wh integer, p_order bigint) returns integer[]
language plpgsql as $$
declare
    v_skus integer[];
begin
    select array_agg(distinct res.sku_id order by res.sku_id) into v_skus
      from reservations res
      join order_lines l on l.warehouse_id = res.warehouse_id and l.id = res.order_line_id
     where l.warehouse_id = p_wh and l.order_id = p_order and res.quantity > 0;
    if v_skus is null then
        return '{}';
    end if;
    perform inv_lock_positions(p_wh, v_skus);
    with freed as (
        update reservations res set quantity = 0, updated_at = now()
          from order_lines l, reservations before
         where l.warehouse_id = res.warehouse_id and l.id = res.order_line_id
           and before.warehouse_id = res.warehouse_id and before.order_line_id = res.order_line_id
           and l.warehouse_id = p_wh and l.order_id = p_order and res.quantity > 0
        returning res.sku_id, before.quantity
    )
    update sku_positions p set open_reserved = p.open_reserved - f.quantity
      from (select sku_id, sum(quantity)::integer as quantity from freed group by sku_id) f
     where p.warehouse_id = p_wh and p.sku_id = f.sku_id;
    return v_skus;
end $$;

-- A channel's figures follow its rules: adding, changing or removing a listing, or switching a
-- channel on, recomputes the figures it touches in the same transaction.
create function inv_listing_changed() returns trigger
language plpgsql as $$
declare
    v_wh integer;
begin
    for v_wh in
        select c.warehouse_id from channels c
         where c.id in (case when tg_op <> 'INSERT' then old.channel_id end,
                        case when tg_op <> 'DELETE' then new.channel_id end)
    loop
        perform inv_refresh_channel_figures_of(
            v_wh,
            array_remove(array[case when tg_op <> 'INSERT' then old.sku_id end,
                               case when tg_op <> 'DELETE' then new.sku_id end], null));
    end loop;
    return null;
end $$;
create trigger channel_listings_refresh_figures
    after insert or update of sku_id, share_pct, cap, buffer, channel_id or delete on channel_listings
    for each row execute function inv_listing_changed();

create function inv_channel_changed() returns trigger
language plpgsql as $$
begin
    perform inv_refresh_channel_figures_of(new.warehouse_id,
        array(select sku_id from channel_listings where channel_id = new.id));
    return null;
end $$;
create trigger channels_refresh_figures
    after update of active, warehouse_id on channels
    for each row when (new.active and (old.active is distinct from new.active
                                       or old.warehouse_id is distinct from new.warehouse_id))
    execute function inv_channel_changed();
