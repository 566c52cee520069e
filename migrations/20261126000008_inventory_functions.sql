-- The inventory core. Each public function is one round trip and one transaction's worth of work,
-- keeping DESIGN.md's invariants:
--   1. on_hand never negative: guarded updates here, the CHECK constraint as the backstop;
--   2. every change of on_hand writes its ledger row in the same transaction;
--   3. reservations never exceed sellable stock: sku_positions' CHECK, and lines are backordered
--      (visibly) rather than over-reserved;
--   4. channel figures are recomputed and upserted in the outbox whenever available can move;
--   5. a scan applies once: a replayed scan id changes nothing.
--
-- Lock order, which every function follows so that concurrent changes cannot deadlock on each
-- other: stock rows in location id order, then SKU position rows in SKU id order, then order rows
-- (backorder filling skips orders another transaction holds).
-- Errors use SQLSTATE class AS (see src/error.rs): AS001 unknown SKU, AS002 unknown location,
-- AS003 insufficient stock, AS004 lot rule, AS005 invalid input, AS006 promised to released work.

-- The most units one change may move: larger numbers are typing mistakes.
create function inv_max_quantity() returns integer
language sql immutable as $$ select 1000000 $$;

create function inv_check_quantity(p_qty integer, p_what text) returns void
language plpgsql immutable as $$
begin
    if p_qty is null or p_qty <= 0 or p_qty > inv_max_quantity() then
        raise exception '% must be a whole number from 1 to %, not %', p_what, inv_max_quantity(),
            coalesce(p_qty::text, 'nothing') using errcode = 'AS005';
    end if;
end $$;

-- A location of the warehouse. Inactive locations take no new stock but may be emptied.
create function inv_location(p_wh integer, p_location integer, p_allow_inactive boolean default false)
returns locations
language plpgsql stable as $$
declare
    v locations;
begin
    select * into v from locations where warehouse_id = p_wh and id = p_location;
    if not found then
        raise exception 'no location with id % in warehouse %', p_location, p_wh using errcode = 'AS002';
    end if;
    if not v.active and not p_allow_inactive then
        raise exception 'location % is inactive: it takes no stock', v.code using errcode = 'AS002';
    end if;
    return v;
end $$;

-- The lot rules: lot-controlled SKUs always carry a lot, and a lot has one expiry, given when the
-- lot first arrives; other SKUs carry neither. Returns the lot's expiry.
create function inv_check_lot(p_wh integer, p_sku integer, p_lot text, p_expiry date, p_arriving boolean)
returns date
language plpgsql stable as $$
declare
    v          skus;
    v_existing date;
begin
    select * into v from skus where id = p_sku;
    if not found then
        raise exception 'no SKU with id %', p_sku using errcode = 'AS001';
    end if;
    if not v.lot_controlled then
        if p_lot <> '' then
            raise exception 'SKU % is not lot-controlled: it takes no lot', v.code using errcode = 'AS004';
        end if;
        if p_expiry is not null then
            raise exception 'SKU % is not lot-controlled: it takes no expiry', v.code using errcode = 'AS004';
        end if;
        return null;
    end if;
    if p_lot = '' then
        raise exception 'SKU % is lot-controlled: give its lot', v.code using errcode = 'AS004';
    end if;
    if p_lot !~ '^[A-Z0-9][A-Z0-9._/-]{0,19}$' then
        raise exception 'lot %: expected up to 20 letters, digits, ".", "_", "/" or "-"', p_lot
            using errcode = 'AS004';
    end if;
    if p_expiry is not null and p_expiry < date '2000-01-01' then
        raise exception 'expiry %: expected a date after 2000', p_expiry using errcode = 'AS004';
    end if;
    select expiry into v_existing from stock
     where warehouse_id = p_wh and sku_id = p_sku and lot = p_lot and expiry is not null limit 1;
    if v_existing is not null and p_expiry is not null and v_existing <> p_expiry then
        raise exception 'lot % of SKU % expires on %, not %', p_lot, v.code, v_existing, p_expiry
            using errcode = 'AS004';
    end if;
    if p_arriving and coalesce(v_existing, p_expiry) is null then
        raise exception 'lot % of SKU % is new here: give its expiry', p_lot, v.code using errcode = 'AS004';
    end if;
    return coalesce(v_existing, p_expiry);
end $$;

-- Change on_hand at one (location, sku, lot) by p_delta; returns the new on_hand.
create function inv_change_stock(p_wh integer, p_location integer, p_sku integer, p_lot text,
                                 p_expiry date, p_delta integer) returns integer
language plpgsql as $$
declare
    v_on_hand integer;
begin
    if p_delta > 0 then
        insert into stock as s (warehouse_id, location_id, sku_id, lot, expiry, on_hand)
        values (p_wh, p_location, p_sku, p_lot, p_expiry, p_delta)
        on conflict (warehouse_id, location_id, sku_id, lot) do update
            set on_hand = s.on_hand + excluded.on_hand,
                expiry = coalesce(s.expiry, excluded.expiry),
                updated_at = now()
        returning on_hand into v_on_hand;
    else
        update stock set on_hand = on_hand + p_delta, updated_at = now()
         where warehouse_id = p_wh and location_id = p_location and sku_id = p_sku and lot = p_lot
           and on_hand + p_delta >= 0
        returning on_hand into v_on_hand;
        if not found then
            select on_hand into v_on_hand from stock
             where warehouse_id = p_wh and location_id = p_location and sku_id = p_sku and lot = p_lot;
            raise exception '% holds % of SKU %, cannot take %',
                (select code from locations where warehouse_id = p_wh and id = p_location),
                coalesce(v_on_hand, 0),
                (select code from skus where id = p_sku)
                    || case when p_lot <> '' then ' lot ' || p_lot else '' end,
                -p_delta
                using errcode = 'AS003';
        end if;
    end if;
    return v_on_hand;
end $$;

-- Lock the position rows of some SKUs, in SKU id order, creating missing ones.
create function inv_lock_positions(p_wh integer, p_skus integer[]) returns void
language plpgsql as $$
begin
    insert into sku_positions (warehouse_id, sku_id)
    select p_wh, s from unnest(p_skus) s order by s
    on conflict do nothing;
    perform 1 from unnest(p_skus) as x(sku_id)
      join sku_positions p on p.warehouse_id = p_wh and p.sku_id = x.sku_id
     order by p.sku_id for update of p;
end $$;

-- The position row of one (warehouse, sku), locked.
create function inv_lock_position(p_wh integer, p_sku integer) returns sku_positions
language plpgsql as $$
declare
    v sku_positions;
begin
    perform inv_lock_positions(p_wh, array[p_sku]);
    select * into v from sku_positions where warehouse_id = p_wh and sku_id = p_sku;
    return v;
end $$;

-- The SKUs an order's shipping lines need, for locking their positions before the order.
create function inv_order_skus(p_wh integer, p_order bigint) returns integer[]
language sql stable as $$
    select coalesce(array_agg(distinct sku_id order by sku_id), '{}')
      from order_lines
     where warehouse_id = p_wh and order_id = p_order and requires_shipping and sku_id is not null
$$;

-- Settle an order's status from its reservations: reserved when every shipping line is covered,
-- backordered otherwise. Held orders stay held (they are reserved but not released); orders that
-- already left the queue keep their status.
create function inv_settle_order_status(p_wh integer, p_order bigint) returns order_status
language plpgsql as $$
declare
    v_status order_status;
    v_short  boolean;
begin
    select exists (
        select 1 from order_lines l
          left join reservations r on r.warehouse_id = l.warehouse_id and r.order_line_id = l.id
         where l.warehouse_id = p_wh and l.order_id = p_order and l.requires_shipping
           and l.quantity - l.cancelled_qty - l.picked_qty - coalesce(r.quantity, 0) > 0
    ) into v_short;
    update orders
       set status = case when v_short then 'backordered'::order_status else 'reserved' end,
           updated_at = now()
     where warehouse_id = p_wh and id = p_order and status in ('new', 'reserved', 'backordered')
       and status <> case when v_short then 'backordered'::order_status else 'reserved' end;
    select status into v_status from orders where warehouse_id = p_wh and id = p_order;
    return v_status;
end $$;

-- Give free units of a SKU to its backordered lines in queue order (manual priority, then due
-- time). The position row is already locked by the caller; orders someone else holds are
-- skipped, not waited for, and p_exclude (an order giving its units up) gets none back.
create function inv_fill_backorders(p_wh integer, p_sku integer, p_exclude bigint default null)
returns integer
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
           and o.id is distinct from p_exclude
           and l.quantity - l.cancelled_qty - l.picked_qty - coalesce(res.quantity, 0) > 0
         order by o.priority desc, o.due_at asc nulls last, o.ship_by asc nulls last, o.ordered_at,
                  o.id, l.line_no
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

-- Take back p_excess reserved units of a SKU from the least urgent orders not yet released (the
-- queue order reversed), turning them backordered; refuses if the units are promised to work
-- already released to the floor.
create function inv_unreserve_excess(p_wh integer, p_sku integer, p_excess integer) returns void
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
        raise exception '% unit(s) of SKU % are reserved for orders already released to the floor; short the pick instead',
            v_left, (select code from skus where id = p_sku)
            using errcode = 'AS006';
    end if;
    update sku_positions set open_reserved = open_reserved - (p_excess - v_left)
     where warehouse_id = p_wh and sku_id = p_sku;
end $$;

-- Recompute every channel's figure for some SKUs of a warehouse and upsert the ones that moved
-- into the outbox with a new version:  clamp(floor(available * share / 100) - buffer, 0, cap).
-- Returns how many figures changed.
create function inv_refresh_channel_figures_of(p_wh integer, p_skus integer[]) returns integer
language sql as $$
    with figures as (
        select l.channel_id, l.sku_id,
               greatest(0, least(coalesce(l.cap, 2147483647)::bigint,
                                 coalesce(p.sellable_on_hand - p.open_reserved, 0)::bigint
                                     * l.share_pct / 100 - l.buffer))::integer as quantity
          from (select distinct unnest(p_skus)) as x(sku_id)
          join channel_listings l on l.sku_id = x.sku_id
          join channels c on c.id = l.channel_id
          left join sku_positions p on p.warehouse_id = p_wh and p.sku_id = l.sku_id
         where c.warehouse_id = p_wh and c.active
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

create function inv_refresh_channel_figures(p_wh integer, p_sku integer) returns integer
language sql as $$ select inv_refresh_channel_figures_of(p_wh, array[p_sku]) $$;

-- Sellable stock of a SKU moved by p_delta (the stock rows are already changed): keep the
-- position, reservations and channel figures true.
create function inv_sellable_changed(p_wh integer, p_sku integer, p_delta integer) returns void
language plpgsql as $$
declare
    v sku_positions;
begin
    if p_delta = 0 then
        return;
    end if;
    v := inv_lock_position(p_wh, p_sku);
    if p_delta < 0 and v.open_reserved > v.sellable_on_hand + p_delta then
        perform inv_unreserve_excess(p_wh, p_sku, v.open_reserved - (v.sellable_on_hand + p_delta));
    end if;
    update sku_positions set sellable_on_hand = sellable_on_hand + p_delta
     where warehouse_id = p_wh and sku_id = p_sku;
    if p_delta > 0 then
        perform inv_fill_backorders(p_wh, p_sku);
    end if;
    perform inv_refresh_channel_figures(p_wh, p_sku);
end $$;

-- True when a scan id was already applied: a replay changes nothing.
create function inv_scan_applied(p_wh integer, p_scan uuid) returns boolean
language sql stable as $$
    select p_scan is not null
       and exists (select 1 from ledger where warehouse_id = p_wh and scan_id = p_scan)
$$;

-- Receive units into a location. Returns the location's on_hand of that (sku, lot) afterwards.
create function aisle_receive(p_wh integer, p_sku integer, p_location integer, p_qty integer,
                              p_lot text, p_expiry date, p_actor integer, p_reason text,
                              p_scan uuid default null) returns integer
language plpgsql as $$
declare
    v_loc     locations;
    v_lot     text := upper(btrim(coalesce(p_lot, '')));
    v_expiry  date;
    v_on_hand integer;
begin
    if inv_scan_applied(p_wh, p_scan) then
        return (select on_hand from stock where warehouse_id = p_wh and location_id = p_location
                                            and sku_id = p_sku and lot = v_lot);
    end if;
    perform inv_check_quantity(p_qty, 'the quantity to receive');
    v_loc := inv_location(p_wh, p_location);
    v_expiry := inv_check_lot(p_wh, p_sku, v_lot, p_expiry, true);
    v_on_hand := inv_change_stock(p_wh, p_location, p_sku, v_lot, v_expiry, p_qty);
    insert into ledger (warehouse_id, kind, sku_id, lot, quantity, to_location_id, reason, actor_id, scan_id)
    values (p_wh, 'receive', p_sku, v_lot, p_qty, p_location, p_reason, p_actor, p_scan);
    if is_sellable_location(v_loc.kind) then
        perform inv_sellable_changed(p_wh, p_sku, p_qty);
    end if;
    return v_on_hand;
end $$;

-- Move units between two locations of one warehouse, keeping the lot and its expiry. An
-- inactive location may be emptied but not filled.
create function aisle_move(p_wh integer, p_sku integer, p_from integer, p_to integer, p_qty integer,
                           p_lot text, p_actor integer, p_reason text,
                           p_scan uuid default null) returns void
language plpgsql as $$
declare
    v_from   locations;
    v_to     locations;
    v_expiry date;
    v_lot    text := upper(btrim(coalesce(p_lot, '')));
    v_delta  integer := 0;
begin
    if inv_scan_applied(p_wh, p_scan) then
        return;
    end if;
    perform inv_check_quantity(p_qty, 'the quantity to move');
    if p_from = p_to then
        raise exception 'a move needs two different locations' using errcode = 'AS005';
    end if;
    v_from := inv_location(p_wh, p_from, true);
    v_to := inv_location(p_wh, p_to);
    perform inv_check_lot(p_wh, p_sku, v_lot, null, false);
    select expiry into v_expiry from stock
     where warehouse_id = p_wh and location_id = p_from and sku_id = p_sku and lot = v_lot;
    -- Stock rows are always locked in location id order.
    if p_from < p_to then
        perform inv_change_stock(p_wh, p_from, p_sku, v_lot, null, -p_qty);
        perform inv_change_stock(p_wh, p_to, p_sku, v_lot, v_expiry, p_qty);
    else
        perform inv_change_stock(p_wh, p_to, p_sku, v_lot, v_expiry, p_qty);
        perform inv_change_stock(p_wh, p_from, p_sku, v_lot, null, -p_qty);
    end if;
    insert into ledger (warehouse_id, kind, sku_id, lot, quantity, from_location_id, to_location_id,
                        reason, actor_id, scan_id)
    values (p_wh, 'move', p_sku, v_lot, p_qty, p_from, p_to, p_reason, p_actor, p_scan);
    if is_sellable_location(v_from.kind) then
        v_delta := v_delta - p_qty;
    end if;
    if is_sellable_location(v_to.kind) then
        v_delta := v_delta + p_qty;
    end if;
    perform inv_sellable_changed(p_wh, p_sku, v_delta);
end $$;

-- Adjust (or, with p_kind 'count', correct after a count) on_hand at a location by p_delta, with
-- a reason. Returns the new on_hand. Stock found (up) follows the lot rules of a receipt;
-- an inactive location may still be adjusted down.
create function aisle_adjust(p_wh integer, p_sku integer, p_location integer, p_delta integer,
                             p_lot text, p_expiry date, p_actor integer, p_reason text,
                             p_scan uuid default null, p_kind ledger_kind default 'adjust')
returns integer
language plpgsql as $$
declare
    v_loc     locations;
    v_lot     text := upper(btrim(coalesce(p_lot, '')));
    v_expiry  date;
    v_on_hand integer;
begin
    if inv_scan_applied(p_wh, p_scan) then
        return (select on_hand from stock where warehouse_id = p_wh and location_id = p_location
                                            and sku_id = p_sku and lot = v_lot);
    end if;
    if p_delta is null or p_delta = 0 then
        raise exception 'an adjustment needs a non-zero whole number of units' using errcode = 'AS005';
    end if;
    perform inv_check_quantity(abs(p_delta), 'the adjustment');
    if p_kind not in ('adjust', 'count') then
        raise exception 'an adjustment is recorded as adjust or count, not %', p_kind using errcode = 'AS005';
    end if;
    if coalesce(btrim(p_reason), '') = '' then
        raise exception 'an adjustment needs a reason' using errcode = 'AS005';
    end if;
    v_loc := inv_location(p_wh, p_location, p_delta < 0);
    v_expiry := inv_check_lot(p_wh, p_sku, v_lot, p_expiry, p_delta > 0);
    v_on_hand := inv_change_stock(p_wh, p_location, p_sku, v_lot, v_expiry, p_delta);
    insert into ledger (warehouse_id, kind, sku_id, lot, quantity, from_location_id, to_location_id,
                        reason, actor_id, scan_id)
    values (p_wh, p_kind, p_sku, v_lot, abs(p_delta),
            case when p_delta < 0 then p_location end,
            case when p_delta > 0 then p_location end,
            p_reason, p_actor, p_scan);
    if is_sellable_location(v_loc.kind) then
        perform inv_sellable_changed(p_wh, p_sku, p_delta);
    end if;
    return v_on_hand;
end $$;

-- Reserve what stock allows for every open shipping line of an order still in the queue; lines
-- that cannot be covered stay short and the order is backordered. Positions are locked before
-- the order (the lock order above). Returns the order's status afterwards.
create function aisle_reserve_order(p_wh integer, p_order bigint) returns order_status
language plpgsql as $$
declare
    r        record;
    v        sku_positions;
    v_grant  integer;
    v_status order_status;
begin
    perform inv_lock_positions(p_wh, inv_order_skus(p_wh, p_order));
    select status into v_status from orders where warehouse_id = p_wh and id = p_order for update;
    if not found then
        raise exception 'no order % in warehouse %', p_order, p_wh using errcode = 'AS005';
    end if;
    if v_status not in ('new', 'held', 'reserved', 'backordered') then
        raise exception 'order % is %: only orders still in the queue are reserved', p_order, v_status
            using errcode = 'AS005';
    end if;
    for r in
        select l.id as line_id, l.sku_id,
               l.quantity - l.cancelled_qty - l.picked_qty - coalesce(res.quantity, 0) as demand
          from order_lines l
          left join reservations res on res.warehouse_id = l.warehouse_id and res.order_line_id = l.id
         where l.warehouse_id = p_wh and l.order_id = p_order and l.requires_shipping
           and l.quantity - l.cancelled_qty - l.picked_qty - coalesce(res.quantity, 0) > 0
         order by l.sku_id, l.line_no
    loop
        select * into v from sku_positions where warehouse_id = p_wh and sku_id = r.sku_id;
        v_grant := greatest(0, least(r.demand, v.sellable_on_hand - v.open_reserved));
        insert into reservations as res (warehouse_id, order_line_id, sku_id, quantity)
        values (p_wh, r.line_id, r.sku_id, v_grant)
        on conflict (warehouse_id, order_line_id) do update
            set quantity = res.quantity + excluded.quantity, updated_at = now();
        if v_grant > 0 then
            update sku_positions set open_reserved = open_reserved + v_grant
             where warehouse_id = p_wh and sku_id = r.sku_id;
            perform inv_refresh_channel_figures(p_wh, r.sku_id);
        end if;
    end loop;
    return inv_settle_order_status(p_wh, p_order);
end $$;

-- Release every open reservation of an order (a cancellation), and hand the freed units to other
-- backordered lines — never back to this order. The order is left backordered if it was still in
-- the queue; the caller decides what it becomes. Returns the number of units released.
create function aisle_release_order(p_wh integer, p_order bigint) returns integer
language plpgsql as $$
declare
    r       record;
    v_total integer := 0;
begin
    perform inv_lock_positions(p_wh, inv_order_skus(p_wh, p_order));
    perform 1 from orders where warehouse_id = p_wh and id = p_order for update;
    if not found then
        raise exception 'no order % in warehouse %', p_order, p_wh using errcode = 'AS005';
    end if;
    for r in
        select res.sku_id, sum(res.quantity)::integer as quantity
          from reservations res
          join order_lines l on l.warehouse_id = res.warehouse_id and l.id = res.order_line_id
         where l.warehouse_id = p_wh and l.order_id = p_order and res.quantity > 0
         group by res.sku_id
         order by res.sku_id
    loop
        update reservations res set quantity = 0, updated_at = now()
          from order_lines l
         where l.warehouse_id = res.warehouse_id and l.id = res.order_line_id
           and l.warehouse_id = p_wh and l.order_id = p_order and res.sku_id = r.sku_id;
        update sku_positions set open_reserved = open_reserved - r.quantity
         where warehouse_id = p_wh and sku_id = r.sku_id;
        perform inv_fill_backorders(p_wh, r.sku_id, p_order);
        perform inv_refresh_channel_figures(p_wh, r.sku_id);
        v_total := v_total + r.quantity;
    end loop;
    perform inv_settle_order_status(p_wh, p_order);
    return v_total;
end $$;

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
