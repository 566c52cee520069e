-- Units that go back to the queue after picking: re-reserved at packing (aisle_pack_short), or
-- still owed by an order that shipped in parts (aisle_ship_order leaves it partly_shipped). The
-- planner (src/db/planner.rs, `candidates`) now releases the reserved units of such orders again
-- when they are in no live batch: partly shipped ones; picked ones whose channel does not ship
-- in parts once the rest is reserved (what is packed waits at the station); picked ones whose
-- channel ships in parts once what was picked has shipped. It marks them 'released', and the pick
-- confirms take them to 'picked' again. This migration makes reservations and the status after
-- picking agree with that.
--
-- Until now the functions below only looked at orders "still in the queue" (new, held,
-- reserved, backordered), so:
--   * units arriving (a receipt, a cancellation, a count up) were never given to the backordered
--     units of a picked or partly shipped order: that part of the order waited for ever;
--   * units reserved for such an order (a pack short re-reserves them) could never be taken back
--     when sellable stock fell: a count or adjustment was refused as if they were promised to
--     work on the floor, which they are not (they are in no batch until the planner releases
--     them, and the planner marks every order it releases 'released').
-- An order that is picked, packed or partly shipped holds reservations only for units not yet
-- released: its picked units are no longer reserved (migration 12), and an order in a live batch
-- is 'released' or 'picking' (or 'picked' with no task of it left open, so nothing of its
-- reservation is allocated). So their reservations are given and taken like those of orders in
-- the queue. Their status is left alone: inv_settle_order_status only settles orders in the
-- queue.
--
-- No lock order changes: each function still runs with the SKU's position locked by its caller
-- and locks orders last (task → batch → stock rows by location → sku_positions by sku → orders,
-- as migrations 13 and 14 document).

-- Give free units of a SKU to its backordered lines in queue order, as migration 08, and to the
-- lines of orders past picking still owed units (picked, packed, partly shipped).
create or replace function inv_fill_backorders(p_wh integer, p_sku integer, p_exclude bigint default null)
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
           and o.status in ('new', 'held', 'backordered', 'picked', 'packed', 'partly_shipped')
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

-- Take back p_excess reserved units of a SKU from the least urgent orders not yet released, as
-- migration 08; orders past picking whose remaining units wait for the planner count as not
-- yet released.
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
           and o.status in ('new', 'held', 'reserved', 'backordered', 'picked', 'packed',
                            'partly_shipped')
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

-- The same for a short pick (migration 13), which returns what could not be taken.
create or replace function floor_unreserve_queued(p_wh integer, p_sku integer, p_excess integer) returns integer
language plpgsql as $$
declare
    v_left integer := p_excess;
    v_take integer;
    r      record;
begin
    if p_excess <= 0 then
        return 0;
    end if;
    for r in
        select res.order_line_id, res.quantity, o.id as order_id
          from reservations res
          join order_lines l on l.warehouse_id = res.warehouse_id and l.id = res.order_line_id
          join orders o on o.warehouse_id = l.warehouse_id and o.id = l.order_id
         where res.warehouse_id = p_wh and res.sku_id = p_sku and res.quantity > 0
           and o.status in ('new', 'held', 'reserved', 'backordered', 'picked', 'packed',
                            'partly_shipped')
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
    update sku_positions set open_reserved = open_reserved - (p_excess - v_left)
     where warehouse_id = p_wh and sku_id = p_sku;
    return v_left;
end $$;

-- Where an order stands once none of its pick tasks in a batch is open, as migration 13, with
-- one more outcome now that a partly shipped order is released again for the rest: when its
-- channel ships in parts and the batch left nothing new to pack (every unit picked has shipped:
-- a short took all of it), it is partly_shipped again, not picked (packing would find nothing
-- in its totes). For an order that never shipped, "some units picked and not shipped" is the
-- same as "some units picked", the rule migration 13 had.
create or replace function floor_order_status_after_picks(p_wh integer, p_order bigint, p_batch bigint)
returns order_status
language sql stable as $$
    select case
        when exists (select 1 from tasks x
                       join order_lines l on l.warehouse_id = x.warehouse_id and l.id = x.order_line_id
                      where x.warehouse_id = p_wh and x.batch_id = p_batch and l.order_id = p_order
                        and x.kind = 'pick' and x.status in ('open', 'in_progress'))
            then 'picking'
        when not exists (select 1 from order_lines l
                          where l.warehouse_id = p_wh and l.order_id = p_order and l.requires_shipping
                            and l.quantity - l.cancelled_qty - l.picked_qty > 0)
            then 'picked'
        when (select c.allows_partial_shipment from orders o join channels c on c.id = o.channel_id
               where o.warehouse_id = p_wh and o.id = p_order)
             and exists (select 1 from order_lines l
                          where l.warehouse_id = p_wh and l.order_id = p_order
                            and l.picked_qty > l.shipped_qty)
            then 'picked'
        when (select c.allows_partial_shipment from orders o join channels c on c.id = o.channel_id
               where o.warehouse_id = p_wh and o.id = p_order)
             and exists (select 1 from order_lines l
                          where l.warehouse_id = p_wh and l.order_id = p_order and l.shipped_qty > 0)
            then 'partly_shipped'
        else 'backordered'
    end::order_status
$$;
