-- Floor exceptions: short picks, replenishment and put-back confirms, and replayed scans that can
-- no longer apply (DESIGN.md invariant 5: recorded as an exception, never dropped).
--
-- Every function here is one round trip and one transaction, and follows the lock order of
-- migrations 08 and 12: the task, then its batch, then stock rows by location id, then SKU
-- positions by SKU id, then orders.

-- When true the picker scans every unit; otherwise the quantity may be keyed. (The demo loader
-- inserts SKUs from its own column list, so the demo keeps the default.)
alter table skus add column scan_each boolean not null default false;

-- What the supervisor must look at: a short pick, a replayed scan the server refused. Small: one
-- row per exception, resolved by a supervisor.
create table exceptions (
    warehouse_id integer not null references warehouses,
    id           bigint generated always as identity,
    at           timestamptz not null default now(),
    kind         text not null check (kind in ('replay_refused', 'short_pick')),
    task_id      bigint,
    batch_id     bigint,
    operator_id  integer references operators,
    terminal     text,
    scan_id      uuid,
    detail       text not null,
    resolved_at  timestamptz,
    resolved_by  integer references operators,
    primary key (warehouse_id, id),
    foreign key (warehouse_id, task_id) references tasks,
    foreign key (warehouse_id, batch_id) references pick_batches,
    check ((resolved_at is null) = (resolved_by is null))
);
-- A scan raises each kind of exception once: a replay finds the row instead of adding one.
create unique index exceptions_once_per_scan on exceptions (warehouse_id, scan_id, kind)
    where scan_id is not null;
create index exceptions_open on exceptions (warehouse_id, at) where resolved_at is null;

-- Where an order stands once none of its pick tasks in a batch is open: picked when every
-- shipping line is picked (or cancelled); picked too when its channel ships in parts and some
-- units were picked; backordered otherwise (a short left a line without units, and the order
-- waits for stock as intake's rules say).
create function floor_order_status_after_picks(p_wh integer, p_order bigint, p_batch bigint)
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
                          where l.warehouse_id = p_wh and l.order_id = p_order and l.picked_qty > 0)
            then 'picked'
        else 'backordered'
    end::order_status
$$;

-- A batch after one of its tasks moved: done when no task is left open, else still claimed with
-- its lease renewed (the terminal is alive). Returns the batch's status.
create function floor_advance_batch(p_wh integer, p_batch bigint) returns batch_status
language plpgsql as $$
declare
    v_open   boolean;
    v_lease  interval;
    v_status batch_status;
begin
    select make_interval(secs => pick_lease_seconds) into v_lease from warehouses where id = p_wh;
    v_open := exists (select 1 from tasks x
                       where x.warehouse_id = p_wh and x.batch_id = p_batch
                         and x.status in ('open', 'in_progress'));
    update pick_batches
       set status = case when v_open then 'claimed' else 'done' end::batch_status,
           lease_until = case when v_open then now() + v_lease end,
           updated_at = now()
     where warehouse_id = p_wh and id = p_batch
    returning status into v_status;
    return v_status;
end $$;

-- The code of a location for messages, or a plain phrase when there is none.
create function floor_location_code(p_wh integer, p_location integer) returns text
language sql stable as $$
    select coalesce((select code from locations where warehouse_id = p_wh and id = p_location),
                    'an unknown code')
$$;

-- Take back up to p_excess reserved units of a SKU from orders still in the queue, least urgent
-- first, as inv_unreserve_excess does, but return what could not be taken instead of raising.
-- The position row is locked by the caller.
create function floor_unreserve_queued(p_wh integer, p_sku integer, p_excess integer) returns integer
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
    update sku_positions set open_reserved = open_reserved - (p_excess - v_left)
     where warehouse_id = p_wh and sku_id = p_sku;
    return v_left;
end $$;

-- Confirming a pick, as migration 12, with two changes for shorts: a task that is no longer open
-- (done, or closed by a short) is refused, and an order whose last open task finishes is picked
-- or backordered by floor_order_status_after_picks (a short may have left a line without units).
create or replace function aisle_confirm_pick(p_wh integer, p_task bigint, p_operator integer,
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
begin
    if p_scan is null then
        raise exception 'a confirm needs the terminal''s scan id' using errcode = 'AS005';
    end if;
    -- The task is locked before the scan id is looked up, so a first send and a replay of the
    -- same scan take turns: the second finds the first's ledger row and changes nothing.
    select * into t from tasks where warehouse_id = p_wh and id = p_task for update;
    if not inv_scan_applied(p_wh, p_scan) then
        if t.id is null or t.kind <> 'pick' or t.batch_id is null then
            raise exception 'no pick task %', p_task using errcode = 'AS005';
        end if;
        select * into b from pick_batches where warehouse_id = p_wh and id = t.batch_id for update;
        if b.status <> 'claimed' or b.claimed_by is distinct from p_operator then
            raise exception 'batch % is no longer yours (%): the pick was not applied', b.id, b.status
                using errcode = 'AS007';
        end if;
        if t.status not in ('open', 'in_progress') then
            raise exception 'task % is already %: nothing is left to pick', p_task, t.status
                using errcode = 'AS005';
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
                floor_location_code(p_wh, p_tote)
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
           set status = floor_order_status_after_picks(p_wh, v_order, t.batch_id), updated_at = now()
         where warehouse_id = p_wh and id = v_order and status in ('released', 'picking');
        perform floor_advance_batch(p_wh, b.id);
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

-- A short pick: the picker at the task's bin holds only p_found more units of its SKU and lot
-- (beyond those already picked), fewer than the task still needs. In one transaction:
--   * the bin's stock row is set to p_found (a 'count' ledger row, reason 'short pick'), and
--     the SKU's sellable stock follows;
--   * the task keeps what the bin can still give (done_qty + p_found; closed as done, or
--     cancelled when nothing was picked, if that is nothing);
--   * the rest goes to the next bins that can give it (on_hand less what other open tasks take;
--     earliest expiry, then walk order, as the planner allocates) as new pick tasks of the same
--     batch, order line and slot, appended to the route; what no bin can give is released from
--     the line's reservation and the line is backordered;
--   * if reservations still exceed sellable stock, orders still in the queue give theirs up;
--   * a count task is opened for the bin (unless one is open), the channel figures are
--     recomputed, the order and batch advance, an exception and the scan are recorded.
-- A replayed scan id changes nothing and returns the outcome as recorded. Returns the task's
-- status, the first new task (null when none), the units backordered and the batch's status.
create function aisle_short_pick(p_wh integer, p_task bigint, p_operator integer, p_found integer,
                                 p_scan uuid, p_terminal text, p_raw text)
returns table (task_status text, new_task_id bigint, backordered_qty integer, batch_status text)
language plpgsql as $$
#variable_conflict use_column
declare
    t          tasks;
    b          pick_batches;
    v_order    bigint;
    v_left     integer;
    v_on_hand  integer;
    v_expiry   date;
    v_delta    integer;
    v_bin      text;
    v_sku      text;
    v_need     integer;
    v_take     integer;
    v_seq      integer;
    v_new      bigint;
    v_first    bigint;
    v_moved    integer := 0;
    v_short    integer;
    v_reserved integer;
    v_release  integer;
    v_pos      sku_positions;
    v_still    integer;
    r          record;
begin
    if p_scan is null then
        raise exception 'a short needs the terminal''s scan id' using errcode = 'AS005';
    end if;
    select * into t from tasks where warehouse_id = p_wh and id = p_task for update;
    if not found or t.kind <> 'pick' or t.batch_id is null then
        raise exception 'no pick task %', p_task using errcode = 'AS005';
    end if;
    -- Checked with the task locked, so that the same scan sent twice at once applies once.
    if not exists (select 1 from exceptions
                    where warehouse_id = p_wh and scan_id = p_scan and kind = 'short_pick') then
        select * into b from pick_batches where warehouse_id = p_wh and id = t.batch_id for update;
        if b.status <> 'claimed' or b.claimed_by is distinct from p_operator then
            raise exception 'batch % is no longer yours (%): the short was not applied', b.id, b.status
                using errcode = 'AS007';
        end if;
        if t.status not in ('open', 'in_progress') then
            raise exception 'task % is already %: nothing is left to short', p_task, t.status
                using errcode = 'AS005';
        end if;
        v_left := t.quantity - t.done_qty;
        if p_found is null or p_found < 0 or p_found >= v_left then
            raise exception 'expected the units found from 0 to % (the task still needs %), got %',
                v_left - 1, v_left, coalesce(p_found::text, 'none')
                using errcode = 'AS005';
        end if;
        select code into v_bin from locations where warehouse_id = p_wh and id = t.from_location_id;
        select code into v_sku from skus where id = t.sku_id;
        select l.order_id into v_order from order_lines l
         where l.warehouse_id = p_wh and l.id = t.order_line_id;
        -- Allocation reads what other open tasks take from each bin: one allocator at a time,
        -- the planner's lock (src/db/planner.rs), taken before any stock or position row.
        perform pg_advisory_xact_lock(x'00A15E01'::integer, p_wh);

        -- The bin holds p_found: a count corrects its stock row.
        select on_hand, expiry into v_on_hand, v_expiry from stock
         where warehouse_id = p_wh and location_id = t.from_location_id and sku_id = t.sku_id
           and lot = t.lot;
        v_delta := p_found - coalesce(v_on_hand, 0);
        if v_delta <> 0 then
            if v_delta > 0 then
                v_expiry := inv_check_lot(p_wh, t.sku_id, t.lot, v_expiry, true);
            end if;
            perform inv_change_stock(p_wh, t.from_location_id, t.sku_id, t.lot, v_expiry, v_delta);
            insert into ledger (warehouse_id, kind, sku_id, lot, quantity, from_location_id,
                                to_location_id, reason, actor_id, scan_id)
            values (p_wh, 'count', t.sku_id, t.lot, abs(v_delta),
                    case when v_delta < 0 then t.from_location_id end,
                    case when v_delta > 0 then t.from_location_id end,
                    'short pick', p_operator, p_scan);
        end if;

        -- The task keeps what the bin can give.
        update tasks
           set quantity = case when tasks.done_qty + p_found > 0 then tasks.done_qty + p_found
                               else tasks.quantity end,
               status = case when p_found > 0 then tasks.status
                             when tasks.done_qty > 0 then 'done'
                             else 'cancelled' end::task_status,
               reason = 'short: ' || v_bin || ' held ' || p_found || ' of ' || v_left,
               updated_at = now()
         where warehouse_id = p_wh and id = p_task;

        -- The rest from the next bins, in the planner's order.
        v_need := v_left - p_found;
        select coalesce(max(seq), 0) into v_seq from tasks
         where warehouse_id = p_wh and batch_id = t.batch_id;
        for r in
            select s.location_id, s.lot,
                   s.on_hand - coalesce((select sum(x.quantity - x.done_qty) from tasks x
                                          where x.warehouse_id = s.warehouse_id
                                            and x.from_location_id = s.location_id
                                            and x.sku_id = s.sku_id and x.lot = s.lot
                                            and x.status in ('open', 'in_progress')), 0) as free
              from stock s
              join locations l on l.warehouse_id = s.warehouse_id and l.id = s.location_id
             where s.warehouse_id = p_wh and s.sku_id = t.sku_id and s.on_hand > 0
               and l.kind = 'bin' and l.active and s.location_id <> t.from_location_id
             order by s.expiry asc nulls last, l.pick_sequence asc nulls last, l.code
        loop
            exit when v_need <= 0;
            continue when r.free <= 0;
            v_take := least(v_need, r.free);
            v_seq := v_seq + 1;
            insert into tasks (warehouse_id, kind, sku_id, lot, quantity, from_location_id,
                               order_line_id, batch_id, seq, reason)
            values (p_wh, 'pick', t.sku_id, r.lot, v_take, r.location_id, t.order_line_id,
                    t.batch_id, v_seq, 'short at ' || v_bin)
            returning id into v_new;
            v_first := coalesce(v_first, v_new);
            v_need := v_need - v_take;
            v_moved := v_moved + v_take;
        end loop;
        v_short := v_need;

        -- Positions: what no bin can give leaves this line's reservation first; if reservations
        -- still exceed the sellable stock left, orders still in the queue give theirs up.
        v_pos := inv_lock_position(p_wh, t.sku_id);
        select quantity into v_reserved from reservations
         where warehouse_id = p_wh and order_line_id = t.order_line_id for update;
        v_release := least(v_short, coalesce(v_reserved, 0));
        if v_release > 0 then
            update reservations set quantity = quantity - v_release, updated_at = now()
             where warehouse_id = p_wh and order_line_id = t.order_line_id;
            update sku_positions set open_reserved = open_reserved - v_release
             where warehouse_id = p_wh and sku_id = t.sku_id;
        end if;
        if v_delta <> 0 then
            v_still := floor_unreserve_queued(p_wh, t.sku_id,
                           v_pos.open_reserved - v_release - (v_pos.sellable_on_hand + v_delta));
            if v_still > 0 then
                raise exception '% held % of SKU % but % more unit(s) are promised to other released picks: a supervisor must count the bin before this short',
                    v_bin, p_found, v_sku, v_still
                    using errcode = 'AS006';
            end if;
            update sku_positions set sellable_on_hand = sellable_on_hand + v_delta
             where warehouse_id = p_wh and sku_id = t.sku_id;
        end if;

        -- The order: still picking while tasks of it are open in the batch; otherwise picked or
        -- backordered.
        update orders
           set status = floor_order_status_after_picks(p_wh, v_order, t.batch_id), updated_at = now()
         where warehouse_id = p_wh and id = v_order and status in ('released', 'picking');
        -- Units freed go to other backordered orders (never back to this one), and every channel
        -- figure of the SKU follows (invariant 4).
        if v_release > 0 or v_delta > 0 then
            perform inv_fill_backorders(p_wh, t.sku_id, v_order);
        end if;
        perform inv_refresh_channel_figures(p_wh, t.sku_id);

        if not exists (select 1 from tasks x
                        where x.warehouse_id = p_wh and x.kind = 'count'
                          and x.from_location_id = t.from_location_id and x.sku_id = t.sku_id
                          and x.status in ('open', 'in_progress')) then
            insert into tasks (warehouse_id, kind, sku_id, lot, quantity, from_location_id, reason)
            values (p_wh, 'count', t.sku_id, t.lot, 1, t.from_location_id,
                    'short pick: ' || v_bin || ' held ' || p_found || ' of ' || v_sku
                        || ', the task needed ' || v_left);
        end if;

        perform floor_advance_batch(p_wh, t.batch_id);
        insert into exceptions (warehouse_id, kind, task_id, batch_id, operator_id, terminal,
                                scan_id, detail)
        values (p_wh, 'short_pick', p_task, t.batch_id, p_operator, p_terminal, p_scan,
                v_bin || ' held ' || p_found || ' of ' || v_sku || ' (task needed ' || v_left
                    || ', stock said ' || coalesce(v_on_hand, 0) || '); '
                    || v_moved || ' sent to other bins, ' || v_short || ' backordered');
        insert into scan_journal (warehouse_id, scan_id, terminal, operator_id, screen, raw, parsed,
                                  outcome)
        values (p_wh, p_scan, p_terminal, p_operator, 'pick', p_raw,
                jsonb_build_object('task', p_task, 'short', true, 'found', p_found,
                                   'new_task', v_first, 'backordered', v_short),
                'applied')
        on conflict (warehouse_id, scan_id) do nothing;
    end if;

    return query
    select x.status::text,
           (j.parsed ->> 'new_task')::bigint,
           coalesce((j.parsed ->> 'backordered')::integer, 0),
           pb.status::text
      from tasks x
      join pick_batches pb on pb.warehouse_id = x.warehouse_id and pb.id = x.batch_id
      left join scan_journal j on j.warehouse_id = x.warehouse_id and j.scan_id = p_scan
                              and (j.parsed ->> 'task')::bigint = x.id
     where x.warehouse_id = p_wh and x.id = p_task;
end $$;

-- Confirm a replenishment (reserve → bin) or a put-back (tote or station → bin): p_qty units
-- from p_from to p_to. The locations must be the task's; a put-back raised by a cancellation
-- names neither, and then any location that is not sellable (a tote, a station) is accepted as
-- the source and any active pick bin as the destination, and both are written to the task.
-- Moves stock with its ledger row ('move') through aisle_move, so sellable stock, reservations
-- and channel figures follow (a replenishment changes none; a put-back makes units sellable).
-- A task in a batch needs the batch to be the operator's (AS007) and advances it. A replayed
-- scan id changes nothing. Returns the task's done quantity and status, and the batch's status
-- (null for a task outside a batch).
create function aisle_confirm_move(p_wh integer, p_task bigint, p_operator integer,
                                   p_from integer, p_to integer, p_qty integer, p_scan uuid,
                                   p_terminal text, p_raw text)
returns table (done_qty integer, task_status text, batch_status text)
language plpgsql as $$
#variable_conflict use_column
declare
    t        tasks;
    b        pick_batches;
    v_from   locations;
    v_to     locations;
    v_lot    text;
    v_status batch_status;
begin
    if p_scan is null then
        raise exception 'a confirm needs the terminal''s scan id' using errcode = 'AS005';
    end if;
    select * into t from tasks where warehouse_id = p_wh and id = p_task for update;
    if not found or t.kind not in ('replenish', 'put_back') then
        raise exception 'no replenishment or put-back task %', p_task using errcode = 'AS005';
    end if;
    -- Checked with the task locked, so that the same scan sent twice at once applies once.
    if not inv_scan_applied(p_wh, p_scan) then
        if t.batch_id is not null then
            select * into b from pick_batches where warehouse_id = p_wh and id = t.batch_id for update;
            if b.status <> 'claimed' or b.claimed_by is distinct from p_operator then
                raise exception 'batch % is no longer yours (%): the move was not applied', b.id, b.status
                    using errcode = 'AS007';
            end if;
        end if;
        if t.status not in ('open', 'in_progress') then
            raise exception 'task % is already %: nothing is left to move', p_task, t.status
                using errcode = 'AS005';
        end if;
        if p_qty is null or p_qty < 1 or p_qty > t.quantity - t.done_qty then
            raise exception 'expected a quantity from 1 to % for this task, got %',
                t.quantity - t.done_qty, coalesce(p_qty::text, 'none')
                using errcode = 'AS005';
        end if;
        if t.from_location_id is not null and p_from is distinct from t.from_location_id then
            raise exception 'wrong location to take from: expected %, scanned %',
                floor_location_code(p_wh, t.from_location_id), floor_location_code(p_wh, p_from)
                using errcode = 'AS005';
        end if;
        if t.to_location_id is not null and p_to is distinct from t.to_location_id then
            raise exception 'wrong location to put to: expected %, scanned %',
                floor_location_code(p_wh, t.to_location_id), floor_location_code(p_wh, p_to)
                using errcode = 'AS005';
        end if;
        select * into v_from from locations where warehouse_id = p_wh and id = p_from;
        if not found then
            raise exception 'expected a location to take from, scanned %', floor_location_code(p_wh, p_from)
                using errcode = 'AS002';
        end if;
        select * into v_to from locations where warehouse_id = p_wh and id = p_to;
        if not found then
            raise exception 'expected a location to put to, scanned %', floor_location_code(p_wh, p_to)
                using errcode = 'AS002';
        end if;
        if t.from_location_id is null and is_sellable_location(v_from.kind) then
            raise exception 'expected the tote or station holding the units, scanned % (a %)',
                v_from.code, v_from.kind using errcode = 'AS005';
        end if;
        if t.to_location_id is null and (v_to.kind <> 'bin' or not v_to.active) then
            raise exception 'expected an active pick bin to put to, scanned % (a %)',
                v_to.code, case when v_to.active then v_to.kind::text else 'inactive ' || v_to.kind end
                using errcode = 'AS005';
        end if;
        -- A put-back raised by a cancellation names no lot: the source's earliest-expiring lot
        -- that holds the units.
        v_lot := t.lot;
        if v_lot = '' and (select lot_controlled from skus where id = t.sku_id) then
            select s.lot into v_lot from stock s
             where s.warehouse_id = p_wh and s.location_id = p_from and s.sku_id = t.sku_id
               and s.on_hand >= p_qty
             order by s.expiry asc nulls last, s.lot
             limit 1;
            if v_lot is null then
                raise exception '% holds no lot of SKU % with % unit(s)', v_from.code,
                    (select code from skus where id = t.sku_id), p_qty using errcode = 'AS003';
            end if;
        end if;

        perform aisle_move(p_wh, t.sku_id, p_from, p_to, p_qty, v_lot, p_operator,
                           replace(t.kind::text, '_', '-') || ' task ' || p_task, p_scan);

        update tasks
           set done_qty = tasks.done_qty + p_qty,
               status = case when tasks.done_qty + p_qty = tasks.quantity then 'done' else 'in_progress' end::task_status,
               from_location_id = p_from,
               to_location_id = p_to,
               lot = v_lot,
               updated_at = now()
         where warehouse_id = p_wh and id = p_task;
        if t.batch_id is not null then
            v_status := floor_advance_batch(p_wh, t.batch_id);
        end if;
        insert into scan_journal (warehouse_id, scan_id, terminal, operator_id, screen, raw, parsed,
                                  outcome)
        values (p_wh, p_scan, p_terminal, p_operator, 'move', p_raw,
                jsonb_build_object('task', p_task, 'from', p_from, 'to', p_to, 'quantity', p_qty),
                'applied')
        on conflict (warehouse_id, scan_id) do nothing;
    end if;

    return query
    select x.done_qty, x.status::text, pb.status::text
      from tasks x
      left join pick_batches pb on pb.warehouse_id = x.warehouse_id and pb.id = x.batch_id
     where x.warehouse_id = p_wh and x.id = p_task;
end $$;

-- Replay a pick confirm a terminal journalled while it was offline. Applied now ('applied'),
-- applied before ('already_applied'), or, when it can no longer apply (the batch is someone
-- else's now, the task was finished or shorted, the quantity no longer fits, the bin no longer
-- holds it), refused: an exception is recorded for the supervisor, the scan is journalled as an
-- exception and 'exception' is returned with the reason; never raised. Replaying it again
-- returns the same exception and records nothing more.
create function aisle_replay_pick(p_wh integer, p_task bigint, p_operator integer,
                                  p_tote integer, p_qty integer, p_scan uuid,
                                  p_terminal text, p_raw text)
returns table (outcome text, done_qty integer, task_status text, order_status text,
               batch_status text, exception_id bigint, detail text)
language plpgsql as $$
#variable_conflict use_column
declare
    t        tasks;
    b        pick_batches;
    v_reason text;
    v_id     bigint;
    v_detail text;
    p        record;
begin
    if p_scan is null then
        raise exception 'a replay needs the terminal''s scan id' using errcode = 'AS005';
    end if;
    select * into t from tasks where warehouse_id = p_wh and id = p_task for update;
    -- With the task locked, a replay of the same scan running at once has committed or not.
    if inv_scan_applied(p_wh, p_scan) then
        select * into p from aisle_confirm_pick(p_wh, p_task, p_operator, p_tote, p_qty, p_scan,
                                                p_terminal, p_raw);
        return query select 'already_applied', p.done_qty, p.task_status, p.order_status,
                            p.batch_status, null::bigint, null::text;
        return;
    end if;
    select e.id, e.detail into v_id, v_detail from exceptions e
     where e.warehouse_id = p_wh and e.scan_id = p_scan and e.kind = 'replay_refused';
    if found then
        return query select 'exception', null::integer, null::text, null::text, null::text,
                            v_id, v_detail;
        return;
    end if;

    if t.id is null or t.kind <> 'pick' or t.batch_id is null then
        v_reason := 'task ' || p_task || ' is not a pick task of a batch';
    else
        select * into b from pick_batches where warehouse_id = p_wh and id = t.batch_id for update;
        if b.status = 'claimed' and b.claimed_by is distinct from p_operator then
            v_reason := 'batch ' || b.id || ' is now held by '
                || (select badge from operators where id = b.claimed_by);
        elsif b.status <> 'claimed' or b.claimed_by is distinct from p_operator then
            v_reason := 'batch ' || b.id || ' is ' || b.status || ', no longer yours';
        elsif t.status not in ('open', 'in_progress') then
            v_reason := 'task ' || p_task || ' is already ' || t.status;
        elsif p_qty is null or p_qty < 1 or p_qty > t.quantity - t.done_qty then
            v_reason := 'the quantity ' || coalesce(p_qty::text, 'none') || ' no longer fits: '
                || (t.quantity - t.done_qty) || ' left on task ' || p_task;
        end if;
    end if;

    if v_reason is null then
        begin
            select * into p from aisle_confirm_pick(p_wh, p_task, p_operator, p_tote, p_qty,
                                                    p_scan, p_terminal, p_raw);
            return query select 'applied', p.done_qty, p.task_status, p.order_status,
                                p.batch_status, null::bigint, null::text;
            return;
        exception
            when sqlstate 'AS002' or sqlstate 'AS003' or sqlstate 'AS004' or sqlstate 'AS005'
                 or sqlstate 'AS006' or sqlstate 'AS007' or check_violation then
                v_reason := sqlerrm;
        end;
    end if;

    v_detail := 'replayed pick refused: ' || v_reason;
    insert into exceptions (warehouse_id, kind, task_id, batch_id, operator_id, terminal, scan_id,
                            detail)
    values (p_wh, 'replay_refused', t.id, t.batch_id, p_operator, p_terminal, p_scan, v_detail)
    on conflict (warehouse_id, scan_id, kind) where scan_id is not null do nothing
    returning id into v_id;
    if v_id is null then
        select e.id, e.detail into v_id, v_detail from exceptions e
         where e.warehouse_id = p_wh and e.scan_id = p_scan and e.kind = 'replay_refused';
    end if;
    insert into scan_journal (warehouse_id, scan_id, terminal, operator_id, screen, raw, parsed,
                              outcome, message)
    values (p_wh, p_scan, coalesce(p_terminal, 'unknown'), p_operator, 'pick', coalesce(p_raw, ''),
            jsonb_build_object('task', p_task, 'tote', p_tote, 'quantity', p_qty, 'replay', true),
            'exception', v_detail)
    on conflict (warehouse_id, scan_id) do update
        set outcome = 'exception', message = excluded.message
        where scan_journal.outcome <> 'applied';
    return query select 'exception', null::integer, null::text, null::text, null::text,
                        v_id, v_detail;
end $$;

-- Binding a tote locks it first, so two pickers scanning the same empty tote at once cannot both
-- take it (found by the simulator): the second waits, then sees it carries another order.
create or replace function aisle_bind_tote(p_wh integer, p_batch bigint, p_slot integer,
                                           p_tote integer, p_operator integer) returns void
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
    select kind into v_kind from locations where warehouse_id = p_wh and id = p_tote and active
       for no key update;
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
    -- Units still in a tote belong to an order that has not been packed: never mix two orders.
    if exists (select 1 from stock
                where warehouse_id = p_wh and location_id = p_tote and on_hand > 0)
       and not exists (select 1 from batch_orders
                        where warehouse_id = p_wh and batch_id = p_batch and slot = p_slot
                          and tote_location_id = p_tote) then
        raise exception 'that tote is not empty: take an empty one' using errcode = 'AS005';
    end if;
    update batch_orders set tote_location_id = p_tote
     where warehouse_id = p_wh and batch_id = p_batch and slot = p_slot;
    if not found then
        raise exception 'batch % has no slot %', p_batch, p_slot using errcode = 'AS005';
    end if;
end $$;

-- A confirm replayed from a terminal's journal that the database refused (a short or a move
-- that no longer fits, a pick refused for a reason the replay could not foresee): recorded for
-- the supervisor once per scan, so the terminal may strike it off its journal. Returns the id.
create function aisle_record_replay_refusal(p_wh integer, p_task bigint, p_operator integer,
                                            p_terminal text, p_scan uuid, p_raw text,
                                            p_detail text) returns bigint
language plpgsql as $$
declare
    v_id    bigint;
    v_batch bigint;
begin
    select batch_id into v_batch from tasks where warehouse_id = p_wh and id = p_task;
    insert into exceptions (warehouse_id, kind, task_id, batch_id, operator_id, terminal, scan_id,
                            detail)
    select p_wh, 'replay_refused', x.id, v_batch, p_operator, p_terminal, p_scan, p_detail
      from (select p_task as id) t
      left join tasks x on x.warehouse_id = p_wh and x.id = t.id
    on conflict (warehouse_id, scan_id, kind) where scan_id is not null do nothing
    returning id into v_id;
    if v_id is null then
        select id into v_id from exceptions
         where warehouse_id = p_wh and scan_id = p_scan and kind = 'replay_refused';
    end if;
    insert into scan_journal (warehouse_id, scan_id, terminal, operator_id, screen, raw, parsed,
                              outcome, message)
    values (p_wh, p_scan, p_terminal, p_operator, 'pick', p_raw,
            jsonb_build_object('task', p_task), 'exception', p_detail)
    on conflict (warehouse_id, scan_id) do nothing;
    return v_id;
end $$;
