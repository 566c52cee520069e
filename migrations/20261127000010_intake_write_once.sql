-- Bulk intake writes every row once: new orders are reserved before they are stored, so each
-- order is inserted with its final status and each line's reservation with it, instead of being
-- inserted, then reserved, then updated. Measured on the 2-core reference machine, the old path
-- (insert, then aisle_reserve_lines, which rewrote every order's status and looked reservations up
-- line by line) spent about 100 µs per line; see README "Intake speed".

-- `order_lines (warehouse_id, order_id, line_no)` is unique already and serves every lookup by
-- order; a second index only cost an entry per line.
drop index order_lines_by_order;

-- Stock figures are rewritten in place as availability moves. A figure already pending and due
-- keeps its `next_attempt_at`, so the rewrite changes no indexed column and stays a HOT update
-- (no new index entries) instead of three index inserts per figure.
create or replace function inv_refresh_channel_figures_of(p_wh integer, p_skus integer[]) returns integer
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
                next_attempt_at = case when o.status = 'pending' and o.next_attempt_at <= now()
                                       then o.next_attempt_at else now() end,
                last_error = null,
                updated_at = now()
          where o.quantity is distinct from excluded.quantity
        returning 1
    )
    select count(*)::integer from changed
$$;

-- Store and reserve a batch of new orders of one channel in one pass. Orders arrive as parallel
-- arrays; lines point at their order by its 1-based index in them. Orders already stored (the same
-- external id) are skipped: intake is idempotent.
--
-- The SKUs' positions are locked first, in id order (the lock order of migration 08), so the free
-- units read are the units granted. Each SKU's free units go to the batch's shipping lines in
-- queue order (due time, ship-by, order time, then arrival) by a running sum. An order is stored
-- held when it has a hold reason, backordered when a shipping line is short, reserved when all
-- are covered, and new when it has no shipping line. Reservations are written for granted units
-- only (a missing row means nothing reserved), positions and moved channel figures are updated.
-- Returns one row per stored order.
create function aisle_intake_orders(
    p_wh integer, p_channel integer,
    p_external_ids text[], p_references text[], p_holds text[], p_ordered_at timestamptz[],
    p_ship_by timestamptz[], p_service_levels text[], p_ship_to jsonb[], p_fingerprints text[],
    p_line_orders integer[], p_line_nos integer[], p_external_line_ids text[],
    p_channel_skus text[], p_sku_ids integer[], p_quantities integer[],
    p_channel_quantities integer[], p_channel_units text[], p_requires_shipping boolean[],
    p_descriptions text[])
returns table (external_id text, order_id bigint, status text, lines integer, units_reserved bigint)
language plpgsql
-- The arrays' sizes must reach the planner: a generic plan assumes ten rows each and joins the
-- batch's thousands of rows by nested loops.
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
    v_skus       integer[];
    v_order_ids  regclass := pg_get_serial_sequence('orders', 'id')::regclass;
    v_line_ids   regclass := pg_get_serial_sequence('order_lines', 'id')::regclass;
begin
    select array_agg(distinct x.sku_id order by x.sku_id) into v_skus
      from unnest(p_sku_ids, p_requires_shipping) as x(sku_id, ships)
     where x.ships and x.sku_id is not null;
    if v_skus is not null then
        perform inv_lock_positions(p_wh, v_skus);
    end if;

    -- Ids are drawn up front, in the batch's order, so that lines and reservations are built
    -- from the input rather than joined back to what the inserts return.
    return query
    with arriving as (
        select i.*, cs.id as service_id,
               aisle_due_at(w.time_zone, cs.cutoff_local, i.ship_by, now()) as due_at
          from unnest(p_external_ids, p_references, p_holds, p_ordered_at, p_ship_by,
                      p_service_levels, p_ship_to, p_fingerprints)
               with ordinality as i(external_id, reference, hold_reason, ordered_at, ship_by,
                                    service_level, ship_to, fingerprint, idx)
          join warehouses w on w.id = p_wh
          left join shipping_rules sr on sr.channel_id = p_channel
                                     and lower(sr.service_level) = lower(i.service_level)
          left join carrier_services cs on cs.id = sr.carrier_service_id
         -- Probed by key, order by order: as a join, the planner hashes the whole orders table.
         where (select true from orders e
                 where e.warehouse_id = p_wh and e.channel_id = p_channel
                   and e.external_id = i.external_id limit 1) is null
    ), input_orders as (
        select a.*, nextval(v_order_ids) as id from arriving a order by a.idx
    ), input_lines as (
        select l.*, o.id as order_id, o.due_at, o.ship_by, o.ordered_at,
               nextval(v_line_ids) as id
          from unnest(p_line_orders, p_line_nos, p_external_line_ids, p_channel_skus, p_sku_ids,
                      p_quantities, p_channel_quantities, p_channel_units, p_requires_shipping,
                      p_descriptions)
               with ordinality as l(order_idx, line_no, external_line_id, channel_sku, sku_id,
                                    quantity, channel_quantity, channel_unit, requires_shipping,
                                    description, place)
          join input_orders o on o.idx = l.order_idx
         order by l.place
    ), granted as (
        select r.id, r.order_idx, r.sku_id, r.quantity as wanted,
               greatest(0, least(r.quantity,
                                 (p.sellable_on_hand - p.open_reserved) - (r.running - r.quantity)))::integer
                   as quantity
          from (select l.*, sum(l.quantity) over (
                           partition by l.sku_id
                           order by l.due_at asc nulls last, l.ship_by asc nulls last, l.ordered_at,
                                    l.order_idx, l.line_no
                           rows unbounded preceding) as running
                  from input_lines l where l.requires_shipping) r
          join sku_positions p on p.warehouse_id = p_wh and p.sku_id = r.sku_id
    ), per_order as (
        select g.order_idx, bool_or(g.quantity < g.wanted) as short, sum(g.quantity) as reserved
          from granted g group by g.order_idx
    ), per_order_lines as (
        select l.order_idx, count(*)::integer as lines from input_lines l group by l.order_idx
    ), new_orders as (
        insert into orders (warehouse_id, id, channel_id, external_id, reference, status,
                            hold_reason, ordered_at, ship_by, service_level, carrier_service_id,
                            due_at, ship_to, intake_fingerprint)
        overriding system value
        select p_wh, o.id, p_channel, o.external_id, o.reference,
               case when o.hold_reason is not null then 'held'
                    when po.order_idx is null then 'new'
                    when po.short then 'backordered'
                    else 'reserved' end::order_status,
               o.hold_reason, o.ordered_at, o.ship_by, o.service_level, o.service_id, o.due_at,
               o.ship_to, o.fingerprint
          from input_orders o
          left join per_order po on po.order_idx = o.idx
        returning orders.id, orders.status
    ), new_lines as (
        insert into order_lines (warehouse_id, id, order_id, line_no, external_line_id,
                                 channel_sku, sku_id, quantity, channel_quantity, channel_unit,
                                 requires_shipping, description)
        overriding system value
        select p_wh, l.id, l.order_id, l.line_no, l.external_line_id, l.channel_sku, l.sku_id,
               l.quantity, l.channel_quantity, l.channel_unit, l.requires_shipping, l.description
          from input_lines l
        returning 1
    ), new_reservations as (
        insert into reservations (warehouse_id, order_line_id, sku_id, quantity)
        select p_wh, g.id, g.sku_id, g.quantity from granted g where g.quantity > 0
        returning 1
    ), moved_positions as (
        update sku_positions p set open_reserved = p.open_reserved + g.quantity
          from (select sku_id, sum(quantity)::integer as quantity from granted group by sku_id) g
         where p.warehouse_id = p_wh and p.sku_id = g.sku_id and g.quantity > 0
        returning 1
    )
    select o.external_id, o.id, n.status::text, coalesce(pl.lines, 0),
           coalesce(po.reserved, 0)::bigint
      from input_orders o
      join new_orders n on n.id = o.id
      left join per_order_lines pl on pl.order_idx = o.idx
      left join per_order po on po.order_idx = o.idx
     order by o.id;

    if v_skus is not null then
        perform inv_refresh_channel_figures_of(p_wh, v_skus);
    end if;
end $$;

-- Referential integrity of the intake tables, checked once per statement instead of once per row.
--
-- A foreign key checks each inserted row with a query of its own: on the 2-core reference machine
-- 10–25 µs a row, and intake writes an order, its lines and their reservations — about 26,000
-- checks per 2,000-order chunk, 600 ms, three times the rest of the chunk. The checks below do the
-- same work set-wise: the distinct parent keys of the statement's new rows are locked FOR KEY SHARE
-- (as a foreign key does, so a parent cannot be deleted underneath), then one anti-join refuses
-- any that is missing, with SQLSTATE 23503 like a foreign key. A parent is deleted only when no
-- row refers to it; the checks on the parent side run after the parent row is locked, so they see
-- any child committed meanwhile. Row identities (which order a line belongs to, which line a
-- reservation is for) never change; a change of SKU or carrier service is checked as an insert is.

alter table orders
    drop constraint orders_warehouse_id_fkey,
    drop constraint orders_channel_id_fkey,
    drop constraint orders_carrier_service_id_fkey;
alter table order_lines
    drop constraint order_lines_sku_id_fkey,
    drop constraint order_lines_warehouse_id_order_id_fkey;
alter table reservations
    drop constraint reservations_sku_id_fkey,
    drop constraint reservations_warehouse_id_order_line_id_fkey;

create function ri_missing(p_what text, p_keys text) returns void
language plpgsql as $$
begin
    raise exception '% % does not exist', p_what, p_keys
        using errcode = '23503', hint = 'every order, line and reservation must refer to a stored row';
end $$;

-- Each distinct parent key of the statement's new rows is probed by key (a LATERAL lookup, so
-- never a scan of the parent table) and locked FOR KEY SHARE; a key whose row is not there, or was
-- deleted by a transaction that committed while we waited, is missing.
create function ri_orders_refer() returns trigger
language plpgsql as $$
declare
    v_missing text;
begin
    select string_agg(k.what, ', ') into v_missing
      from (select 'warehouse ' || k.id as what from (select distinct warehouse_id from new_rows) k(id)
              left join lateral (select true as found from warehouses w where w.id = k.id
                                    for key share) x on true
             where x.found is null
            union all
            select 'channel ' || k.id from (select distinct channel_id from new_rows) k(id)
              left join lateral (select true as found from channels c where c.id = k.id
                                    for key share) x on true
             where x.found is null
            union all
            select 'carrier service ' || k.id
              from (select distinct carrier_service_id from new_rows
                     where carrier_service_id is not null) k(id)
              left join lateral (select true as found from carrier_services s where s.id = k.id
                                    for key share) x on true
             where x.found is null) k;
    if v_missing is not null then
        perform ri_missing('an order refers to', v_missing);
    end if;
    return null;
end $$;
create trigger orders_refer after insert on orders
    referencing new table as new_rows for each statement execute function ri_orders_refer();

create function ri_order_lines_refer() returns trigger
language plpgsql as $$
declare
    v_missing text;
begin
    select string_agg(k.what, ', ') into v_missing
      from (select 'order ' || k.order_id as what
              from (select distinct warehouse_id, order_id from new_rows) k
              left join lateral (select true as found from orders o
                                  where o.warehouse_id = k.warehouse_id and o.id = k.order_id
                                    for key share) x on true
             where x.found is null
            union all
            select 'SKU ' || k.id
              from (select distinct sku_id from new_rows where sku_id is not null) k(id)
              left join lateral (select true as found from skus s where s.id = k.id
                                    for key share) x on true
             where x.found is null) k;
    if v_missing is not null then
        perform ri_missing('an order line refers to', v_missing);
    end if;
    return null;
end $$;
create trigger order_lines_refer after insert on order_lines
    referencing new table as new_rows for each statement execute function ri_order_lines_refer();

create function ri_reservations_refer() returns trigger
language plpgsql as $$
declare
    v_missing text;
begin
    select string_agg(k.what, ', ') into v_missing
      from (select 'order line ' || k.order_line_id as what
              from (select distinct warehouse_id, order_line_id from new_rows) k
              left join lateral (select true as found from order_lines l
                                  where l.warehouse_id = k.warehouse_id and l.id = k.order_line_id
                                    for key share) x on true
             where x.found is null
            union all
            select 'SKU ' || k.id
              from (select distinct sku_id from new_rows) k(id)
              left join lateral (select true as found from skus s where s.id = k.id
                                    for key share) x on true
             where x.found is null) k;
    if v_missing is not null then
        perform ri_missing('a reservation refers to', v_missing);
    end if;
    return null;
end $$;
create trigger reservations_refer after insert on reservations
    referencing new table as new_rows for each statement execute function ri_reservations_refer();

-- Updates: a row's identity never moves; a new SKU or carrier service must exist (and is locked).
create function ri_refuse_identity_change() returns trigger
language plpgsql as $$
begin
    raise exception '%: which warehouse, order or line a row belongs to never changes', tg_table_name
        using errcode = '23503';
end $$;
create trigger orders_identity before update of warehouse_id, channel_id on orders
    for each row when (old.warehouse_id <> new.warehouse_id or old.channel_id <> new.channel_id)
    execute function ri_refuse_identity_change();
create trigger order_lines_identity before update of warehouse_id, order_id on order_lines
    for each row when (old.warehouse_id <> new.warehouse_id or old.order_id <> new.order_id)
    execute function ri_refuse_identity_change();
create trigger reservations_identity before update of warehouse_id, order_line_id on reservations
    for each row when (old.warehouse_id <> new.warehouse_id or old.order_line_id <> new.order_line_id)
    execute function ri_refuse_identity_change();

create function ri_order_service_refers() returns trigger
language plpgsql as $$
begin
    if new.carrier_service_id is not null then
        perform 1 from carrier_services where id = new.carrier_service_id for key share;
        if not found then
            perform ri_missing('an order refers to', 'carrier service ' || new.carrier_service_id);
        end if;
    end if;
    return new;
end $$;
create function ri_sku_refers() returns trigger
language plpgsql as $$
begin
    if new.sku_id is not null then
        perform 1 from skus where id = new.sku_id for key share;
        if not found then
            perform ri_missing('a row of ' || tg_table_name || ' refers to', 'SKU ' || new.sku_id);
        end if;
    end if;
    return new;
end $$;
create trigger orders_service_refers before update of carrier_service_id on orders
    for each row when (old.carrier_service_id is distinct from new.carrier_service_id)
    execute function ri_order_service_refers();
create trigger order_lines_sku_refers before update of sku_id on order_lines
    for each row when (old.sku_id is distinct from new.sku_id)
    execute function ri_sku_refers();
create trigger reservations_sku_refers before update of sku_id on reservations
    for each row when (old.sku_id is distinct from new.sku_id)
    execute function ri_sku_refers();

-- Parents: refused while referred to. Orders and order lines leave by statement (an update
-- before release replaces its lines); reference data (warehouses, channels, carrier services,
-- SKUs) is retired rather than deleted, so a row-level check is enough there.
create function ri_orders_still_referred() returns trigger
language plpgsql as $$
begin
    if exists (select 1 from old_rows o
                 join order_lines l on l.warehouse_id = o.warehouse_id and l.order_id = o.id) then
        raise exception 'an order with lines cannot be deleted' using errcode = '23503';
    end if;
    return null;
end $$;
create trigger orders_still_referred after delete on orders
    referencing old table as old_rows for each statement execute function ri_orders_still_referred();

create function ri_order_lines_still_referred() returns trigger
language plpgsql as $$
begin
    if exists (select 1 from old_rows o
                 join reservations r on r.warehouse_id = o.warehouse_id and r.order_line_id = o.id) then
        raise exception 'an order line with a reservation cannot be deleted' using errcode = '23503';
    end if;
    return null;
end $$;
create trigger order_lines_still_referred after delete on order_lines
    referencing old table as old_rows for each statement
    execute function ri_order_lines_still_referred();

create function ri_reference_row_still_referred() returns trigger
language plpgsql as $$
declare
    v_referred boolean;
begin
    v_referred := case tg_table_name
        when 'warehouses' then exists (select 1 from orders where warehouse_id = old.id)
        when 'channels' then exists (select 1 from orders where channel_id = old.id)
        when 'carrier_services' then exists (select 1 from orders where carrier_service_id = old.id)
        when 'skus' then exists (select 1 from order_lines where sku_id = old.id)
                      or exists (select 1 from reservations where sku_id = old.id)
    end;
    if v_referred then
        raise exception '% % is referred to by orders: retire it instead of deleting it',
            tg_table_name, old.id using errcode = '23503';
    end if;
    return old;
end $$;
create trigger warehouses_still_referred before delete or update of id on warehouses
    for each row execute function ri_reference_row_still_referred();
create trigger channels_still_referred before delete or update of id on channels
    for each row execute function ri_reference_row_still_referred();
create trigger carrier_services_still_referred before delete or update of id on carrier_services
    for each row execute function ri_reference_row_still_referred();
create trigger skus_still_referred before delete or update of id on skus
    for each row execute function ri_reference_row_still_referred();
