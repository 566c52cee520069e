-- The inventory core. Each public function is one round trip and one transaction's worth of work,
-- keeping DESIGN.md's invariants:
--   1. on_hand never negative: guarded updates here, the CHECK constraint as the backstop;
--   2. every change of on_hand writes its ledger row in the same transaction;
--   3. reservations never exceed sellable stock: sku_positions' CHECK, and lines are backordered
--      (visibly) rather than over-reserved;
--   4. channel figures are recomputed and upserted in the outbox whenever available can move.
--
-- Lock order, to keep concurrent changes free of deadlocks: stock rows in location id order, then
-- the SKU's position row, then order rows (backorder filling skips orders others hold).
-- Errors use SQLSTATE class AS (see src/error.rs): AS001 unknown SKU, AS002 unknown location,
-- AS003 insufficient stock, AS004 lot rule, AS005 invalid input, AS006 promised to released work.

create function inv_location(p_wh integer, p_location integer) returns locations
language plpgsql stable as $$
declare
    v locations;
begin
    select * into v from locations where warehouse_id = p_wh and id = p_location;
    if not found then
        raise exception 'no location with id % in warehouse %', p_location, p_wh using errcode = 'AS002';
    end if;
    if not v.active then
        raise exception 'location % is inactive', v.code using errcode = 'AS002';
    end if;
    return v;
end $$;

create function inv_check_lot(p_sku integer, p_lot text) returns void
language plpgsql stable as $$
declare
    v skus;
begin
    select * into v from skus where id = p_sku;
    if not found then
        raise exception 'no SKU with id %', p_sku using errcode = 'AS001';
    end if;
    if v.lot_controlled and coalesce(p_lot, '') = '' then
        raise exception 'SKU % is lot-controlled: give its lot', v.code using errcode = 'AS004';
    end if;
    if not v.lot_controlled and coalesce(p_lot, '') <> '' then
        raise exception 'SKU % is not lot-controlled: it takes no lot', v.code using errcode = 'AS004';
    end if;
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

-- The position row of a (warehouse, sku), created on first use and locked.
create function inv_lock_position(p_wh integer, p_sku integer) returns sku_positions
language plpgsql as $$
declare
    v sku_positions;
begin
    select * into v from sku_positions where warehouse_id = p_wh and sku_id = p_sku for update;
    if not found then
        insert into sku_positions (warehouse_id, sku_id) values (p_wh, p_sku) on conflict do nothing;
        select * into v from sku_positions where warehouse_id = p_wh and sku_id = p_sku for update;
    end if;
    return v;
end $$;

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

-- Give free units of a SKU to its backordered lines, most urgent first. The position row is
-- already locked by the caller; orders someone else holds are skipped, not waited for.
create function inv_fill_backorders(p_wh integer, p_sku integer) returns integer
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
         order by o.priority desc, o.ship_by asc nulls last, o.ordered_at, o.id, l.line_no
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

-- Take back p_excess reserved units of a SKU from the least urgent orders not yet released,
-- turning them backordered; refuses if the units are promised to released work.
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
         order by o.priority asc, o.ship_by desc nulls first, o.ordered_at desc, o.id desc
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

-- Recompute every channel's figure for a (warehouse, sku) and upsert the ones that moved into the
-- outbox with a new version:  clamp(floor(available * share / 100) - buffer, 0, cap).
-- Returns how many figures changed.
create function inv_refresh_channel_figures(p_wh integer, p_sku integer) returns integer
language sql as $$
    with position as (
        select sellable_on_hand - open_reserved as available
          from sku_positions where warehouse_id = p_wh and sku_id = p_sku
    ), figures as (
        select l.channel_id,
               greatest(0, least(coalesce(l.cap, 2147483647)::bigint,
                                 coalesce((select available from position), 0)::bigint * l.share_pct / 100
                                 - l.buffer))::integer as quantity
          from channel_listings l
          join channels c on c.id = l.channel_id
         where l.sku_id = p_sku and c.warehouse_id = p_wh and c.active
    ), changed as (
        insert into outbox as o (warehouse_id, channel_id, kind, sku_id, quantity)
        select p_wh, channel_id, 'stock', p_sku, quantity from figures
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

-- Receive units into a location. Returns the location's new on_hand of that (sku, lot).
create function aisle_receive(p_wh integer, p_sku integer, p_location integer, p_qty integer,
                              p_lot text, p_expiry date, p_actor integer, p_reason text,
                              p_scan uuid default null) returns integer
language plpgsql as $$
declare
    v_loc     locations;
    v_on_hand integer;
begin
    if p_qty is null or p_qty <= 0 then
        raise exception 'quantity to receive must be a positive whole number, not %', p_qty
            using errcode = 'AS005';
    end if;
    v_loc := inv_location(p_wh, p_location);
    perform inv_check_lot(p_sku, p_lot);
    v_on_hand := inv_change_stock(p_wh, p_location, p_sku, coalesce(p_lot, ''), p_expiry, p_qty);
    insert into ledger (warehouse_id, kind, sku_id, lot, quantity, to_location_id, reason, actor_id, scan_id)
    values (p_wh, 'receive', p_sku, coalesce(p_lot, ''), p_qty, p_location, p_reason, p_actor, p_scan);
    if is_sellable_location(v_loc.kind) then
        perform inv_sellable_changed(p_wh, p_sku, p_qty);
    end if;
    return v_on_hand;
end $$;

-- Move units between two locations of one warehouse, keeping the lot and its expiry.
create function aisle_move(p_wh integer, p_sku integer, p_from integer, p_to integer, p_qty integer,
                           p_lot text, p_actor integer, p_reason text,
                           p_scan uuid default null) returns void
language plpgsql as $$
declare
    v_from   locations;
    v_to     locations;
    v_expiry date;
    v_lot    text := coalesce(p_lot, '');
    v_delta  integer := 0;
begin
    if p_qty is null or p_qty <= 0 then
        raise exception 'quantity to move must be a positive whole number, not %', p_qty
            using errcode = 'AS005';
    end if;
    if p_from = p_to then
        raise exception 'a move needs two different locations' using errcode = 'AS005';
    end if;
    v_from := inv_location(p_wh, p_from);
    v_to := inv_location(p_wh, p_to);
    perform inv_check_lot(p_sku, v_lot);
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
-- a reason. Returns the new on_hand.
create function aisle_adjust(p_wh integer, p_sku integer, p_location integer, p_delta integer,
                             p_lot text, p_expiry date, p_actor integer, p_reason text,
                             p_scan uuid default null, p_kind ledger_kind default 'adjust')
returns integer
language plpgsql as $$
declare
    v_loc     locations;
    v_lot     text := coalesce(p_lot, '');
    v_on_hand integer;
begin
    if p_delta is null or p_delta = 0 then
        raise exception 'an adjustment needs a non-zero whole number of units' using errcode = 'AS005';
    end if;
    if p_kind not in ('adjust', 'count') then
        raise exception 'an adjustment is recorded as adjust or count, not %', p_kind using errcode = 'AS005';
    end if;
    if coalesce(btrim(p_reason), '') = '' then
        raise exception 'an adjustment needs a reason' using errcode = 'AS005';
    end if;
    v_loc := inv_location(p_wh, p_location);
    perform inv_check_lot(p_sku, v_lot);
    v_on_hand := inv_change_stock(p_wh, p_location, p_sku, v_lot, p_expiry, p_delta);
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

-- Reserve what stock allows for every open shipping line of an order, most-needed SKUs locked in
-- id order; lines that cannot be covered stay short and the order is backordered. Returns the
-- order's status afterwards.
create function aisle_reserve_order(p_wh integer, p_order bigint) returns order_status
language plpgsql as $$
declare
    r       record;
    v       sku_positions;
    v_grant integer;
begin
    perform 1 from orders where warehouse_id = p_wh and id = p_order for update;
    if not found then
        raise exception 'no order % in warehouse %', p_order, p_wh using errcode = 'AS005';
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
        v := inv_lock_position(p_wh, r.sku_id);
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

-- Release every open reservation of an order (cancellation, or an update that re-reserves), and
-- hand the freed units to other backordered lines. Returns the number of units released.
create function aisle_release_order(p_wh integer, p_order bigint) returns integer
language plpgsql as $$
declare
    r       record;
    v_total integer := 0;
begin
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
        perform inv_lock_position(p_wh, r.sku_id);
        update reservations res set quantity = 0, updated_at = now()
          from order_lines l
         where l.warehouse_id = res.warehouse_id and l.id = res.order_line_id
           and l.warehouse_id = p_wh and l.order_id = p_order and res.sku_id = r.sku_id;
        update sku_positions set open_reserved = open_reserved - r.quantity
         where warehouse_id = p_wh and sku_id = r.sku_id;
        perform inv_fill_backorders(p_wh, r.sku_id);
        perform inv_refresh_channel_figures(p_wh, r.sku_id);
        v_total := v_total + r.quantity;
    end loop;
    return v_total;
end $$;
