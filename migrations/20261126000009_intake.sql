-- Channel intake: the unified queue's due times, intake errors, webhook dedupe, the per-partner EDI
-- control numbers, floor tasks (put-backs raised by cancellations), and set-wise reservation.

-- Orders at risk of missing their cutoff are flagged this long before it.
alter table warehouses add column at_risk_minutes integer not null default 120 check (at_risk_minutes >= 0);

alter table orders
    add column reference text,          -- a human reference (Shopify `#1001`) when it differs from the id
    add column due_at timestamptz;      -- the carrier cutoff the order must make to keep its promise
create index orders_queue on orders (warehouse_id, priority desc, due_at, ordered_at, id)
    where status not in ('shipped', 'cancelled');

alter table order_lines
    add column description text,
    add column channel_quantity integer,   -- as the channel sent it, before case conversion
    add column channel_unit text not null default 'each' check (channel_unit in ('each', 'case'));

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

-- When an order must leave: the carrier service's cutoff (local time in the warehouse's zone)
-- that keeps the promise — the last cutoff at or before ship-by, or without a ship-by the next
-- cutoff from now. Without a carrier service, ship-by itself.
create function aisle_due_at(p_tz text, p_cutoff time, p_ship_by timestamptz, p_now timestamptz)
returns timestamptz
language sql stable as $$
    select case
        when p_cutoff is null then p_ship_by
        when p_ship_by is null then
            case when ((p_now at time zone p_tz)::date + p_cutoff) at time zone p_tz >= p_now
                 then ((p_now at time zone p_tz)::date + p_cutoff) at time zone p_tz
                 else ((p_now at time zone p_tz)::date + 1 + p_cutoff) at time zone p_tz end
        else
            case when ((p_ship_by at time zone p_tz)::date + p_cutoff) at time zone p_tz <= p_ship_by
                 then ((p_ship_by at time zone p_tz)::date + p_cutoff) at time zone p_tz
                 else ((p_ship_by at time zone p_tz)::date - 1 + p_cutoff) at time zone p_tz end
    end
$$;

-- Every channel figure of a set of SKUs, recomputed and upserted where it moved (set-wise form
-- of inv_refresh_channel_figures, which now delegates here).
create function inv_refresh_channel_figures_of(p_wh integer, p_skus integer[]) returns integer
language sql as $$
    with figures as (
        select l.channel_id, l.sku_id,
               greatest(0, least(coalesce(l.cap, 2147483647)::bigint,
                                 coalesce(p.sellable_on_hand - p.open_reserved, 0)::bigint
                                     * l.share_pct / 100 - l.buffer))::integer as quantity
          from channel_listings l
          join channels c on c.id = l.channel_id
          left join sku_positions p on p.warehouse_id = p_wh and p.sku_id = l.sku_id
         where l.sku_id = any(p_skus) and c.warehouse_id = p_wh and c.active
    ), changed as (
        insert into outbox as o (warehouse_id, channel_id, kind, sku_id, quantity)
        select p_wh, channel_id, 'stock', sku_id, quantity from figures
        on conflict (warehouse_id, channel_id, sku_id) where kind = 'stock' do update
            set quantity = excluded.quantity,
                version = o.version + 1,
                status = 'pending',
                attempts = 0,
                next_attempt_at = now(),
                last_error = null,
                updated_at = now()
          where o.quantity is distinct from excluded.quantity
        returning 1
    )
    select count(*)::integer from changed
$$;

create or replace function inv_refresh_channel_figures(p_wh integer, p_sku integer) returns integer
language sql as $$ select inv_refresh_channel_figures_of(p_wh, array[p_sku]) $$;

-- Backorders are filled in queue order: manual priority, then due time.
create or replace function inv_fill_backorders(p_wh integer, p_sku integer) returns integer
language plpgsql as $$
declare
    v_free    integer;
    v_granted integer := 0;
    v_grant   integer;
    r         record;
begin
    select sellable_on_hand - open_reserved into v_free
      from sku_positions where warehouse_id = p_wh and sku_id = p_sku;
    if coalesce(v_free, 0) <= 0 then
        return 0;
    end if;
    for r in
        select l.id as line_id, o.id as order_id,
               l.quantity - l.cancelled_qty - l.picked_qty - coalesce(res.quantity, 0) as demand
          from order_lines l
          join orders o on o.warehouse_id = l.warehouse_id and o.id = l.order_id
          left join reservations res on res.warehouse_id = l.warehouse_id and res.order_line_id = l.id
         where l.warehouse_id = p_wh and l.sku_id = p_sku and l.requires_shipping
           and o.status in ('new', 'held', 'backordered')
           and l.quantity - l.cancelled_qty - l.picked_qty - coalesce(res.quantity, 0) > 0
         order by o.priority desc, o.due_at asc nulls last, o.ship_by asc nulls last, o.ordered_at, o.id, l.line_no
           for update of o skip locked
    loop
        exit when v_free <= 0;
        v_grant := least(v_free, r.demand);
        insert into reservations as res (warehouse_id, order_line_id, sku_id, quantity)
        values (p_wh, r.line_id, p_sku, v_grant)
        on conflict (warehouse_id, order_line_id) do update
            set quantity = res.quantity + excluded.quantity, updated_at = now();
        v_free := v_free - v_grant;
        v_granted := v_granted + v_grant;
        perform inv_settle_order_status(p_wh, r.order_id);
    end loop;
    update sku_positions set open_reserved = open_reserved + v_granted
     where warehouse_id = p_wh and sku_id = p_sku;
    return v_granted;
end $$;

-- Units are taken back from the least urgent orders first: the queue order reversed.
create or replace function inv_unreserve_excess(p_wh integer, p_sku integer, p_excess integer) returns void
language plpgsql as $$
declare
    v_left integer := p_excess;
    v_take integer;
    r      record;
begin
    for r in
        select res.order_line_id, res.quantity, o.id as order_id
          from reservations res
          join order_lines l on l.warehouse_id = res.warehouse_id and l.id = res.order_line_id
          join orders o on o.warehouse_id = l.warehouse_id and o.id = l.order_id
         where res.warehouse_id = p_wh and res.sku_id = p_sku and res.quantity > 0
           and o.status in ('new', 'held', 'reserved', 'backordered')
         order by o.priority asc, o.due_at desc nulls first, o.ship_by desc nulls first,
                  o.ordered_at desc, o.id desc
           for update of o, res
    loop
        exit when v_left <= 0;
        v_take := least(v_left, r.quantity);
        update reservations set quantity = quantity - v_take, updated_at = now()
         where warehouse_id = p_wh and order_line_id = r.order_line_id;
        v_left := v_left - v_take;
        perform inv_settle_order_status(p_wh, r.order_id);
    end loop;
    if v_left > 0 then
        raise exception '% unit(s) of SKU % are reserved for released batches; short the pick instead',
            v_left, (select code from skus where id = p_sku)
            using errcode = 'AS006';
    end if;
    update sku_positions set open_reserved = open_reserved - (p_excess - v_left)
     where warehouse_id = p_wh and sku_id = p_sku;
end $$;

-- Reserve a whole intake batch in one pass: the SKUs' position rows are locked in id order, each
-- SKU's free units are granted to its lines in queue order (a running sum, not a loop), order
-- statuses are settled and every moved channel figure upserted. Lines short of stock stay
-- backordered. Returns the units reserved.
create function aisle_reserve_lines(p_wh integer, p_lines bigint[]) returns bigint
language plpgsql as $$
declare
    v_skus    integer[];
    v_orders  bigint[];
    v_granted bigint;
begin
    select array_agg(distinct sku_id order by sku_id), array_agg(distinct order_id)
      into v_skus, v_orders
      from order_lines
     where warehouse_id = p_wh and id = any(p_lines) and requires_shipping;
    if v_skus is null then
        return 0;
    end if;
    insert into sku_positions (warehouse_id, sku_id)
    select p_wh, unnest(v_skus) on conflict do nothing;
    perform 1 from sku_positions
     where warehouse_id = p_wh and sku_id = any(v_skus) order by sku_id for update;

    with demand as (
        select l.id, l.sku_id,
               l.quantity - l.cancelled_qty - l.picked_qty - coalesce(r.quantity, 0) as want,
               o.priority, o.due_at, o.ship_by, o.ordered_at, o.id as order_id, l.line_no
          from order_lines l
          join orders o on o.warehouse_id = l.warehouse_id and o.id = l.order_id
          left join reservations r on r.warehouse_id = l.warehouse_id and r.order_line_id = l.id
         where l.warehouse_id = p_wh and l.id = any(p_lines) and l.requires_shipping
           and o.status in ('new', 'held', 'reserved', 'backordered')
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
                           and l.quantity - l.cancelled_qty - l.picked_qty - coalesce(r.quantity, 0) > 0) as short
              from order_lines l
              left join reservations r on r.warehouse_id = l.warehouse_id and r.order_line_id = l.id
             where l.warehouse_id = p_wh and l.order_id = any(v_orders)
             group by l.order_id) s
     where o.warehouse_id = p_wh and o.id = s.order_id and o.status in ('new', 'reserved', 'backordered')
       and o.status <> case when s.short then 'backordered'::order_status else 'reserved' end;

    perform inv_refresh_channel_figures_of(p_wh, v_skus);
    return v_granted;
end $$;

-- Give back an order's open reservations without handing them on (an update about to reserve its
-- new lines); returns the SKUs whose reservations went down, so the caller can fill their
-- backorders once the new lines are reserved.
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
    perform 1 from sku_positions
     where warehouse_id = p_wh and sku_id = any(v_skus) order by sku_id for update;
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
