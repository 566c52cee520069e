-- Confirming a pick: one call, one transaction, one round trip (DESIGN.md, "Performance rules").

-- Where each order of a batch goes: the picker scans a tote for each cart slot before the first
-- pick. A tote carries one order at a time.
create function aisle_bind_tote(p_wh integer, p_batch bigint, p_slot integer, p_tote integer,
                                p_operator integer) returns void
language plpgsql as $$
declare
    v_kind location_kind;
begin
    perform 1 from pick_batches
     where warehouse_id = p_wh and id = p_batch and claimed_by = p_operator and status = 'claimed'
       for update;
    if not found then
        raise exception 'batch % is not yours: get work again', p_batch using errcode = 'AS007';
    end if;
    select kind into v_kind from locations where warehouse_id = p_wh and id = p_tote and active;
    if v_kind is distinct from 'tote' then
        raise exception 'expected a tote, scanned a %', coalesce(v_kind::text, 'code that is not a location')
            using errcode = 'AS005';
    end if;
    if exists (select 1 from batch_orders bo
                 join pick_batches b on b.warehouse_id = bo.warehouse_id and b.id = bo.batch_id
                where bo.warehouse_id = p_wh and bo.tote_location_id = p_tote
                  and b.status in ('open', 'claimed')
                  and not (bo.batch_id = p_batch and bo.slot = p_slot)) then
        raise exception 'that tote already carries another order: take an empty one'
            using errcode = 'AS005';
    end if;
    update batch_orders set tote_location_id = p_tote
     where warehouse_id = p_wh and batch_id = p_batch and slot = p_slot;
    if not found then
        raise exception 'batch % has no slot %', p_batch, p_slot using errcode = 'AS005';
    end if;
end $$;

-- Move p_qty units of a pick task from its bin into the order's tote. Checks, in this order:
-- the scan was not applied before (a replay returns the task as it stands and changes nothing);
-- the batch is the picker's (else AS007: someone else holds it now, the caller records an
-- exception); the tote is the one bound to the task's order; the quantity is within what the
-- task has left. Then, in the lock order of migration 08 (stock rows by location, the SKU's
-- position, the order): stock and ledger move, the position loses the units from sellable and
-- reserved alike (available does not move, so no channel figure changes), the line's
-- reservation turns into picked units, the task, order and batch advance, the lease is renewed
-- and the scan is journalled.
create function aisle_confirm_pick(p_wh integer, p_task bigint, p_operator integer,
                                   p_tote integer, p_qty integer, p_scan uuid,
                                   p_terminal text, p_raw text)
returns table (done_qty integer, task_status text, order_status text, batch_status text)
language plpgsql as $$
#variable_conflict use_column
declare
    t         tasks;
    b         pick_batches;
    v_order   bigint;
    v_tote    integer;
    v_expiry  date;
    v_lease   interval;
    v_open    boolean;
begin
    if p_scan is null then
        raise exception 'a confirm needs the terminal''s scan id' using errcode = 'AS005';
    end if;
    if not inv_scan_applied(p_wh, p_scan) then
        select * into t from tasks where warehouse_id = p_wh and id = p_task for update;
        if not found or t.kind <> 'pick' or t.batch_id is null then
            raise exception 'no pick task %', p_task using errcode = 'AS005';
        end if;
        select * into b from pick_batches where warehouse_id = p_wh and id = t.batch_id for update;
        if b.status <> 'claimed' or b.claimed_by is distinct from p_operator then
            raise exception 'batch % is no longer yours (%): the pick was not applied', b.id, b.status
                using errcode = 'AS007';
        end if;
        select l.order_id, bo.tote_location_id into v_order, v_tote
          from order_lines l
          join batch_orders bo on bo.warehouse_id = l.warehouse_id and bo.batch_id = t.batch_id
                              and bo.order_id = l.order_id
         where l.warehouse_id = p_wh and l.id = t.order_line_id;
        if v_tote is null then
            raise exception 'build the cart first: this order has no tote yet' using errcode = 'AS005';
        end if;
        if v_tote <> p_tote then
            raise exception 'wrong tote: expected %, scanned %',
                (select code from locations where warehouse_id = p_wh and id = v_tote),
                coalesce((select code from locations where warehouse_id = p_wh and id = p_tote), 'an unknown code')
                using errcode = 'AS005';
        end if;
        if p_qty is null or p_qty < 1 or p_qty > t.quantity - t.done_qty then
            raise exception 'expected a quantity from 1 to % for this task, got %',
                t.quantity - t.done_qty, coalesce(p_qty::text, 'none')
                using errcode = 'AS005';
        end if;

        select expiry into v_expiry from stock
         where warehouse_id = p_wh and location_id = t.from_location_id and sku_id = t.sku_id
           and lot = t.lot;
        if t.from_location_id < v_tote then
            perform inv_change_stock(p_wh, t.from_location_id, t.sku_id, t.lot, null, -p_qty);
            perform inv_change_stock(p_wh, v_tote, t.sku_id, t.lot, v_expiry, p_qty);
        else
            perform inv_change_stock(p_wh, v_tote, t.sku_id, t.lot, v_expiry, p_qty);
            perform inv_change_stock(p_wh, t.from_location_id, t.sku_id, t.lot, null, -p_qty);
        end if;
        insert into ledger (warehouse_id, kind, sku_id, lot, quantity, from_location_id,
                            to_location_id, reason, actor_id, scan_id)
        values (p_wh, 'move', t.sku_id, t.lot, p_qty, t.from_location_id, v_tote,
                'pick for order ' || v_order, p_operator, p_scan);
        perform inv_lock_position(p_wh, t.sku_id);
        update sku_positions
           set sellable_on_hand = sellable_on_hand - p_qty, open_reserved = open_reserved - p_qty
         where warehouse_id = p_wh and sku_id = t.sku_id;
        update reservations set quantity = quantity - p_qty, updated_at = now()
         where warehouse_id = p_wh and order_line_id = t.order_line_id;
        update order_lines set picked_qty = picked_qty + p_qty
         where warehouse_id = p_wh and id = t.order_line_id;

        update tasks
           set done_qty = tasks.done_qty + p_qty,
               status = case when tasks.done_qty + p_qty = tasks.quantity then 'done' else 'in_progress' end::task_status,
               updated_at = now()
         where warehouse_id = p_wh and id = p_task;
        update orders
           set status = case
                   when exists (select 1 from tasks x join order_lines l
                                  on l.warehouse_id = x.warehouse_id and l.id = x.order_line_id
                                 where x.warehouse_id = p_wh and x.batch_id = t.batch_id
                                   and l.order_id = v_order and x.kind = 'pick'
                                   and x.status in ('open', 'in_progress'))
                   then 'picking' else 'picked' end::order_status,
               updated_at = now()
         where warehouse_id = p_wh and id = v_order and status in ('released', 'picking');
        select make_interval(secs => pick_lease_seconds) into v_lease from warehouses where id = p_wh;
        v_open := exists (select 1 from tasks x
                           where x.warehouse_id = p_wh and x.batch_id = b.id
                             and x.status in ('open', 'in_progress'));
        update pick_batches
           set status = case when v_open then 'claimed' else 'done' end::batch_status,
               lease_until = case when v_open then now() + v_lease end,
               updated_at = now()
         where warehouse_id = p_wh and id = b.id;
        insert into scan_journal (warehouse_id, scan_id, terminal, operator_id, screen, raw, parsed,
                                  outcome)
        values (p_wh, p_scan, p_terminal, p_operator, 'pick', p_raw,
                jsonb_build_object('task', p_task, 'tote', p_tote, 'quantity', p_qty), 'applied')
        on conflict (warehouse_id, scan_id) do nothing;
    end if;

    return query
    select x.done_qty, x.status::text, o.status::text, pb.status::text
      from tasks x
      join order_lines l on l.warehouse_id = x.warehouse_id and l.id = x.order_line_id
      join orders o on o.warehouse_id = l.warehouse_id and o.id = l.order_id
      join pick_batches pb on pb.warehouse_id = x.warehouse_id and pb.id = x.batch_id
     where x.warehouse_id = p_wh and x.id = p_task;
end $$;
