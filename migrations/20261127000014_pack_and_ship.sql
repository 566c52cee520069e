-- Pack and ship (issue 5): pack stations, verifying an order unit by unit at a station, units
-- missing at packing, cartons with their SSCC-18 labels, and shipping an order in one transaction
-- with the message its channel needs.
--
-- Every floor action is one function, one round trip and one transaction, idempotent on the
-- terminal's scan id (DESIGN.md invariant 5). Lock order, as migrations 08, 12 and 13, with the
-- station first (it plays the part a task plays in picking: every action at a station locks its
-- row, so two sends of one scan take turns): the station, then stock rows by location id, then
-- SKU positions by SKU id, then orders (and their lines).
--
-- Where units are: a pick moved them from a bin into the order's tote (migration 12: the line's
-- reservation turned into picked units, sellable stock and open reservations went down
-- together). Packing moves them from the tote to the station (ledger 'move'; neither is a
-- sellable location, so no position or channel figure moves). Shipping takes them out of the
-- warehouse from the station (ledger 'ship'); reservations were consumed at picking already, so
-- the positions stay true without a change.

-- GS1 company prefixes are 7 to 10 digits in practice; the SSCC's serial reference fills the
-- rest of its 16 digits after the extension digit.
alter table warehouses
    add constraint warehouses_gs1_company_prefix_length
        check (gs1_company_prefix ~ '^[0-9]{7,10}$');

-- A pack station's settings: its label printer (raw TCP, port 9100 by default; without a host
-- labels are written as files into label_dir, or the data directory's labels/ when unset) and
-- its scale (the unit it reports in, and the weight tolerance of the carton check: a carton
-- passes when it weighs within max(tolerance_min_g, expected * tolerance_pct / 100) of what its
-- items and tare should weigh).
create table pack_stations (
    warehouse_id    integer not null references warehouses,
    location_id     integer not null,
    printer_host    text check (printer_host ~ '^[A-Za-z0-9._:\[\]-]{1,253}$'),
    printer_port    integer not null default 9100 check (printer_port between 1 and 65535),
    label_dir       text check (label_dir <> ''),
    scale_unit      text not null default 'g' check (scale_unit in ('g', 'kg', 'lb')),
    tolerance_pct   double precision not null default 5 check (tolerance_pct between 0 and 100),
    tolerance_min_g integer not null default 50 check (tolerance_min_g >= 0),
    active          boolean not null default true,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    primary key (warehouse_id, location_id),
    foreign key (warehouse_id, location_id) references locations
);

create function pack_station_is_a_station() returns trigger
language plpgsql as $$
declare
    v_kind location_kind;
begin
    select kind into v_kind from locations
     where warehouse_id = new.warehouse_id and id = new.location_id;
    if v_kind is distinct from 'pack_station' then
        raise exception 'location % is a %, not a pack station', new.location_id,
            coalesce(v_kind::text, 'missing location') using errcode = 'AS005';
    end if;
    return new;
end $$;
create trigger pack_stations_are_stations before insert or update of warehouse_id, location_id
    on pack_stations for each row execute function pack_station_is_a_station();

-- Units of an order line packed at a station, per lot (the station's stock rows are per lot, and
-- the shipment's ledger rows leave them lot by lot). packed_qty - shipped_qty are at the station
-- waiting to ship.
create table pack_lines (
    warehouse_id  integer not null,
    order_line_id bigint not null,
    station_id    integer not null,
    lot           text not null default '',
    order_id      bigint not null,
    sku_id        integer not null references skus,
    packed_qty    integer not null default 0,
    shipped_qty   integer not null default 0,
    updated_at    timestamptz not null default now(),
    primary key (warehouse_id, order_line_id, station_id, lot),
    foreign key (warehouse_id, order_line_id) references order_lines,
    foreign key (warehouse_id, station_id) references pack_stations,
    check (shipped_qty >= 0 and shipped_qty <= packed_qty)
);
create index pack_lines_by_order on pack_lines (warehouse_id, order_id);

-- SSCC serial references (GS1 "serial reference"): one sequence for every warehouse, so that a
-- serial is never handed out twice.
create sequence sscc_serial as bigint minvalue 1 no cycle;

create table shipments (
    warehouse_id       integer not null references warehouses,
    id                 bigint generated always as identity,
    order_id           bigint not null,
    station_id         integer not null,
    carrier_service_id integer references carrier_services,
    tracking_number    text,          -- the first carton's
    shipped_at         timestamptz not null default now(),
    shipped_by         integer not null references operators,
    scan_id            uuid not null,
    outbox_id          bigint,        -- the channel's message (none for manual channels)
    primary key (warehouse_id, id),
    unique (warehouse_id, scan_id),
    foreign key (warehouse_id, order_id) references orders,
    foreign key (warehouse_id, station_id) references pack_stations
);
create index shipments_by_time on shipments (warehouse_id, shipped_at);
create index shipments_by_order on shipments (warehouse_id, order_id);

-- A carton is recorded when its label is made (the weight passed); it joins a shipment when the
-- order ships. A label may be voided until then; the ZPL is kept for reprints.
create table cartons (
    warehouse_id      integer not null references warehouses,
    id                bigint generated always as identity,
    order_id          bigint not null,
    station_id        integer not null,
    shipment_id       bigint,
    sscc              text not null unique
                      check (sscc ~ '^[0-9]{18}$' and gs1_check_digit_valid(sscc)),
    carton_code       text not null check (carton_code <> ''),
    suggested_code    text,           -- cartonization's suggestion; differs when overridden
    weight_g          integer not null check (weight_g > 0),
    expected_weight_g integer not null check (expected_weight_g > 0),
    tracking_number   text,
    label_status      text not null default 'printed' check (label_status in ('printed', 'voided')),
    zpl               text not null,
    reprints          integer not null default 0 check (reprints >= 0),
    created_at        timestamptz not null default now(),
    created_by        integer not null references operators,
    voided_at         timestamptz,
    voided_by         integer references operators,
    void_reason       text,
    scan_id           uuid not null,
    primary key (warehouse_id, id),
    unique (warehouse_id, scan_id),
    foreign key (warehouse_id, order_id) references orders,
    foreign key (warehouse_id, station_id) references pack_stations,
    foreign key (warehouse_id, shipment_id) references shipments,
    check ((label_status = 'voided') = (voided_at is not null and voided_by is not null)),
    check (label_status = 'printed' or shipment_id is null)
);
create index cartons_by_order on cartons (warehouse_id, order_id);
create index cartons_by_shipment on cartons (warehouse_id, shipment_id) where shipment_id is not null;

create table carton_lines (
    warehouse_id  integer not null,
    carton_id     bigint not null,
    order_line_id bigint not null,
    quantity      integer not null check (quantity > 0),
    primary key (warehouse_id, carton_id, order_line_id),
    foreign key (warehouse_id, carton_id) references cartons,
    foreign key (warehouse_id, order_line_id) references order_lines
);

-- A unit missing at packing is an exception for the supervisor, as a short pick is.
alter table exceptions
    drop constraint exceptions_kind_check,
    add constraint exceptions_kind_check
        check (kind in ('replay_refused', 'short_pick', 'pack_short')),
    add column order_id bigint;

-- The totes holding an order's picked units: those bound to it in its batches, unless a later
-- batch bound the tote to another order (the tote was emptied at packing and went round again).
create function pack_order_totes(p_wh integer, p_order bigint) returns setof integer
language sql stable as $$
    select distinct bo.tote_location_id
      from batch_orders bo
     where bo.warehouse_id = p_wh and bo.order_id = p_order and bo.tote_location_id is not null
       and not exists (select 1 from batch_orders later
                        where later.warehouse_id = bo.warehouse_id
                          and later.tote_location_id = bo.tote_location_id
                          and later.batch_id > bo.batch_id and later.order_id <> p_order)
$$;

-- The station's row, locked: every action at a station takes it first.
create function pack_lock_station(p_wh integer, p_station integer) returns pack_stations
language plpgsql as $$
declare
    v pack_stations;
begin
    select * into v from pack_stations
     where warehouse_id = p_wh and location_id = p_station
       for no key update;
    if not found then
        raise exception 'no pack station % in warehouse %: scan a station''s barcode', p_station, p_wh
            using errcode = 'AS002';
    end if;
    if not v.active then
        raise exception 'pack station % is inactive', floor_location_code(p_wh, p_station)
            using errcode = 'AS005';
    end if;
    return v;
end $$;

-- Units of a line packed and not yet shipped: at one station, or (p_station null) at any.
create function pack_open_qty(p_wh integer, p_line bigint, p_station integer default null)
returns integer
language sql stable as $$
    select coalesce(sum(packed_qty - shipped_qty), 0)::integer from pack_lines
     where warehouse_id = p_wh and order_line_id = p_line
       and (p_station is null or station_id = p_station)
$$;

-- Units of a line in cartons labelled at a station and not yet shipped.
create function pack_cartoned_qty(p_wh integer, p_line bigint, p_station integer) returns integer
language sql stable as $$
    select coalesce(sum(cl.quantity), 0)::integer
      from carton_lines cl
      join cartons c on c.warehouse_id = cl.warehouse_id and c.id = cl.carton_id
     where cl.warehouse_id = p_wh and cl.order_line_id = p_line and c.station_id = p_station
       and c.label_status = 'printed' and c.shipment_id is null
$$;

-- An order's status while at packing: packed once every unit still to ship is packed, picked
-- otherwise.
create function pack_status_of(p_wh integer, p_order bigint) returns order_status
language sql stable as $$
    select case when not exists (
                    select 1 from order_lines l
                     where l.warehouse_id = p_wh and l.order_id = p_order and l.requires_shipping
                       and l.quantity - l.cancelled_qty - l.shipped_qty <> pack_open_qty(p_wh, l.id))
                then 'packed' else 'picked' end::order_status
$$;

-- What a packer at a station sees after scanning a tote or an order number: the order, its
-- totes and, per shipping line still to ship, what is expected (picked, not shipped), what is
-- packed at this station and in its cartons; and the station's open cartons for the order. One
-- round trip; an order that is not picked is refused with its status.
create function aisle_pack_open_order(p_wh integer, p_station integer, p_code text)
returns jsonb
language plpgsql stable as $$
declare
    v_code  text := btrim(coalesce(p_code, ''));
    v_tote  integer;
    v_order orders;
begin
    if v_code = '' then
        raise exception 'scan a tote or an order number' using errcode = 'AS005';
    end if;
    perform 1 from pack_stations where warehouse_id = p_wh and location_id = p_station;
    if not found then
        raise exception 'no pack station % in warehouse %: scan a station''s barcode', p_station, p_wh
            using errcode = 'AS002';
    end if;
    select id into v_tote from locations
     where warehouse_id = p_wh and code = upper(v_code) and kind = 'tote';
    if v_tote is not null then
        select o.* into v_order from batch_orders bo
          join orders o on o.warehouse_id = bo.warehouse_id and o.id = bo.order_id
         where bo.warehouse_id = p_wh and bo.tote_location_id = v_tote
         order by bo.batch_id desc limit 1;
        if v_order.id is null then
            raise exception 'tote % carries no order', upper(v_code) using errcode = 'AS005';
        end if;
        if v_order.status in ('picked', 'packed')
           and not exists (select 1 from pack_order_totes(p_wh, v_order.id) t where t = v_tote) then
            raise exception 'tote % carries no order', upper(v_code) using errcode = 'AS005';
        end if;
    else
        select o.* into v_order from orders o
         where o.warehouse_id = p_wh and (o.external_id = v_code or o.reference = v_code)
         order by (o.status in ('picked', 'packed')) desc, o.id desc limit 1;
        if v_order.id is null then
            raise exception 'no tote or order %: scan the tote or type the order number', v_code
                using errcode = 'AS005';
        end if;
    end if;
    if v_order.status not in ('picked', 'packed') then
        raise exception 'order % is %: only picked orders are packed',
            coalesce(v_order.reference, v_order.external_id), v_order.status
            using errcode = 'AS005';
    end if;

    return (
        select jsonb_build_object(
            'order_id', v_order.id,
            'external_id', v_order.external_id,
            'reference', coalesce(v_order.reference, v_order.external_id),
            'status', v_order.status,
            'channel', c.name,
            'channel_kind', c.kind,
            'allows_partial_shipment', c.allows_partial_shipment,
            'ship_to', v_order.ship_to,
            'ship_by', v_order.ship_by,
            'service_level', v_order.service_level,
            'carrier_service', (
                select jsonb_build_object('id', cs.id, 'carrier', ca.code, 'service', cs.code,
                                          'name', cs.name)
                  from carrier_services cs join carriers ca on ca.id = cs.carrier_id
                 where cs.id = v_order.carrier_service_id),
            'totes', coalesce((
                select jsonb_agg(jsonb_build_object('id', l.id, 'code', l.code) order by l.code)
                  from pack_order_totes(p_wh, v_order.id) t
                  join locations l on l.warehouse_id = p_wh and l.id = t), '[]'),
            'lines', coalesce((
                select jsonb_agg(jsonb_build_object(
                           'order_line_id', ol.id,
                           'line_no', ol.line_no,
                           'external_line_id', ol.external_line_id,
                           'sku_id', k.id,
                           'sku_code', k.code,
                           'sku_name', k.name,
                           'unit_weight_g', k.unit_weight_g,
                           'length_mm', k.length_mm,
                           'width_mm', k.width_mm,
                           'height_mm', k.height_mm,
                           'barcodes', coalesce((
                               select jsonb_agg(jsonb_build_object('gtin', b.gtin, 'units', b.units)
                                                order by b.units, b.gtin)
                                 from barcodes b where b.sku_id = k.id), '[]'),
                           'lots', coalesce((
                               select jsonb_agg(distinct s.lot)
                                 from stock s
                                where s.warehouse_id = p_wh and s.sku_id = k.id and s.on_hand > 0
                                  and s.lot <> ''
                                  and s.location_id in (select pack_order_totes(p_wh, v_order.id))),
                               '[]'),
                           'expected', ol.picked_qty - ol.shipped_qty,
                           'packed', pack_open_qty(p_wh, ol.id, p_station),
                           'in_cartons', pack_cartoned_qty(p_wh, ol.id, p_station))
                       order by ol.line_no)
                  from order_lines ol
                  join skus k on k.id = ol.sku_id
                 where ol.warehouse_id = p_wh and ol.order_id = v_order.id and ol.requires_shipping
                   and ol.quantity - ol.cancelled_qty - ol.shipped_qty > 0), '[]'),
            'cartons', coalesce((
                select jsonb_agg(jsonb_build_object(
                           'id', ct.id, 'sscc', ct.sscc, 'carton_code', ct.carton_code,
                           'weight_g', ct.weight_g, 'tracking_number', ct.tracking_number)
                       order by ct.id)
                  from cartons ct
                 where ct.warehouse_id = p_wh and ct.order_id = v_order.id
                   and ct.station_id = p_station and ct.label_status = 'printed'
                   and ct.shipment_id is null), '[]'))
          from channels c where c.id = v_order.channel_id
    );
end $$;

-- Pack p_qty units of an order line: they move from the order's tote(s) to the station (stock
-- and ledger 'move', lot by lot, earliest expiry first, or only p_lot when given) and count as
-- packed at the station. Refuses an order that is not picked, and an over-scan (more units than
-- were picked and not shipped) saying how many were expected. A replayed scan id changes nothing.
-- Returns the line's expected and packed units and the order's status (packed once every unit
-- still to ship is packed).
create function aisle_pack_unit(p_wh integer, p_station integer, p_order_line bigint, p_qty integer,
                                p_operator integer, p_scan uuid, p_terminal text, p_raw text,
                                p_lot text default null)
returns table (order_line_id bigint, expected integer, packed integer, order_status text)
language plpgsql as $$
#variable_conflict use_column
declare
    v_line   order_lines;
    v_order  orders;
    v_sku    text;
    v_lot    text := nullif(upper(btrim(coalesce(p_lot, ''))), '');
    v_left   integer;
    v_take   integer;
    v_totes  integer[] := '{}';
    v_lots   text[] := '{}';
    v_takes  integer[] := '{}';
    v_open   integer;
    v_expiry date;
    r        record;
begin
    if p_scan is null then
        raise exception 'a pack scan needs the terminal''s scan id' using errcode = 'AS005';
    end if;
    perform pack_lock_station(p_wh, p_station);
    if not inv_scan_applied(p_wh, p_scan) then
        perform inv_check_quantity(p_qty, 'the units to pack');
        select * into v_line from order_lines where warehouse_id = p_wh and id = p_order_line;
        if not found or not v_line.requires_shipping then
            raise exception 'no order line % to pack', p_order_line using errcode = 'AS005';
        end if;
        select code into v_sku from skus where id = v_line.sku_id;
        -- Checked before anything moves for a plain answer, and again with the order locked.
        select * into v_order from orders where warehouse_id = p_wh and id = v_line.order_id;
        if v_order.status not in ('picked', 'packed') then
            raise exception 'order % is %: only picked orders are packed',
                coalesce(v_order.reference, v_order.external_id), v_order.status
                using errcode = 'AS005';
        end if;
        v_open := pack_open_qty(p_wh, v_line.id);
        if v_open + p_qty > v_line.picked_qty - v_line.shipped_qty then
            raise exception 'over-scan: line % expected % unit(s) of % for order %, % packed already',
                v_line.line_no, v_line.picked_qty - v_line.shipped_qty, v_sku,
                coalesce(v_order.reference, v_order.external_id), v_open
                using errcode = 'AS005';
        end if;

        -- Where the units are: the order's totes, earliest expiry first.
        v_left := p_qty;
        for r in
            select s.location_id, s.lot, s.on_hand from stock s
             where s.warehouse_id = p_wh and s.sku_id = v_line.sku_id and s.on_hand > 0
               and s.location_id in (select pack_order_totes(p_wh, v_line.order_id))
               and (v_lot is null or s.lot = v_lot)
             order by s.expiry asc nulls last, s.lot, s.location_id
        loop
            exit when v_left <= 0;
            v_take := least(v_left, r.on_hand);
            v_totes := v_totes || r.location_id;
            v_lots := v_lots || r.lot;
            v_takes := v_takes || v_take;
            v_left := v_left - v_take;
        end loop;
        if v_left > 0 then
            raise exception 'the order''s tote holds % unit(s) of %, not %: declare the missing unit(s) short',
                p_qty - v_left, v_sku || case when v_lot is null then '' else ' lot ' || v_lot end, p_qty
                using errcode = 'AS003';
        end if;

        -- Stock rows in location id order: the station's and each tote's.
        for r in
            select t.tote, t.lot, t.take from unnest(v_totes, v_lots, v_takes) as t(tote, lot, take)
             order by t.tote, t.lot
        loop
            select expiry into v_expiry from stock
             where warehouse_id = p_wh and location_id = r.tote and sku_id = v_line.sku_id
               and lot = r.lot;
            if r.tote < p_station then
                perform inv_change_stock(p_wh, r.tote, v_line.sku_id, r.lot, null, -r.take);
                perform inv_change_stock(p_wh, p_station, v_line.sku_id, r.lot, v_expiry, r.take);
            else
                perform inv_change_stock(p_wh, p_station, v_line.sku_id, r.lot, v_expiry, r.take);
                perform inv_change_stock(p_wh, r.tote, v_line.sku_id, r.lot, null, -r.take);
            end if;
            insert into ledger (warehouse_id, kind, sku_id, lot, quantity, from_location_id,
                                to_location_id, reason, actor_id, scan_id)
            values (p_wh, 'move', v_line.sku_id, r.lot, r.take, r.tote, p_station,
                    'pack order ' || v_line.order_id, p_operator, p_scan);
            insert into pack_lines as pl (warehouse_id, order_line_id, station_id, lot, order_id,
                                          sku_id, packed_qty)
            values (p_wh, v_line.id, p_station, r.lot, v_line.order_id, v_line.sku_id, r.take)
            on conflict (warehouse_id, order_line_id, station_id, lot) do update
                set packed_qty = pl.packed_qty + excluded.packed_qty, updated_at = now();
        end loop;

        -- The order, locked last: checked now, so that two stations cannot over-pack one line.
        select * into v_order from orders where warehouse_id = p_wh and id = v_line.order_id for update;
        if v_order.status not in ('picked', 'packed') then
            raise exception 'order % is %: only picked orders are packed',
                coalesce(v_order.reference, v_order.external_id), v_order.status
                using errcode = 'AS005';
        end if;
        select * into v_line from order_lines where warehouse_id = p_wh and id = p_order_line;
        v_open := pack_open_qty(p_wh, v_line.id);
        if v_open > v_line.picked_qty - v_line.shipped_qty then
            raise exception 'over-scan: line % expected % unit(s) of % for order %, % packed already',
                v_line.line_no, v_line.picked_qty - v_line.shipped_qty, v_sku,
                coalesce(v_order.reference, v_order.external_id), v_open - p_qty
                using errcode = 'AS005';
        end if;
        update orders set status = pack_status_of(p_wh, v_order.id), updated_at = now()
         where warehouse_id = p_wh and id = v_order.id
           and status is distinct from pack_status_of(p_wh, v_order.id);
        insert into scan_journal (warehouse_id, scan_id, terminal, operator_id, screen, raw, parsed,
                                  outcome)
        values (p_wh, p_scan, coalesce(p_terminal, 'unknown'), p_operator, 'pack', coalesce(p_raw, ''),
                jsonb_build_object('order_line', p_order_line, 'station', p_station,
                                   'quantity', p_qty, 'lot', v_lot),
                'applied')
        on conflict (warehouse_id, scan_id) do nothing;
    end if;

    return query
    select l.id, l.picked_qty - l.shipped_qty, pack_open_qty(p_wh, l.id, p_station), o.status::text
      from order_lines l
      join orders o on o.warehouse_id = l.warehouse_id and o.id = l.order_id
     where l.warehouse_id = p_wh and l.id = p_order_line;
end $$;

-- A unit missing at packing: the tote should hold p_missing more units of the line than it does.
-- In one transaction: the tote's stock is corrected (ledger 'count', reason 'pack short'), the
-- line's picked quantity goes down by p_missing, and that part goes back to the queue:
-- re-reserved as far as sellable stock not reserved allows (the position's CHECK holds and the
-- channel figures follow), backordered otherwise. The order returns to the queue (reserved or
-- backordered) unless its channel ships in parts and it still has picked units to ship; an
-- exception is raised for the supervisor. A replayed scan id changes nothing and returns the
-- outcome as recorded.
create function aisle_pack_short(p_wh integer, p_station integer, p_order_line bigint,
                                 p_missing integer, p_operator integer, p_scan uuid,
                                 p_terminal text, p_raw text, p_lot text default null)
returns table (order_line_id bigint, picked_qty integer, reserved_qty integer,
               backordered_qty integer, order_status text, exception_id bigint)
language plpgsql as $$
#variable_conflict use_column
declare
    v_line    order_lines;
    v_order   orders;
    v_channel channels;
    v_sku     text;
    v_lot     text := nullif(upper(btrim(coalesce(p_lot, ''))), '');
    v_in_tote integer;
    v_left    integer;
    v_take    integer;
    v_pos     sku_positions;
    v_grant   integer;
    v_status  order_status;
    v_totes   text;
    v_batch   bigint;
    v_id      bigint;
    r         record;
begin
    if p_scan is null then
        raise exception 'a pack short needs the terminal''s scan id' using errcode = 'AS005';
    end if;
    perform pack_lock_station(p_wh, p_station);
    if not exists (select 1 from exceptions
                    where warehouse_id = p_wh and scan_id = p_scan and kind = 'pack_short') then
        select * into v_line from order_lines where warehouse_id = p_wh and id = p_order_line;
        if not found or not v_line.requires_shipping then
            raise exception 'no order line % to pack', p_order_line using errcode = 'AS005';
        end if;
        select code into v_sku from skus where id = v_line.sku_id;
        v_in_tote := v_line.picked_qty - v_line.shipped_qty - pack_open_qty(p_wh, v_line.id);
        if p_missing is null or p_missing < 1 or p_missing > v_in_tote then
            raise exception 'expected the missing units from 1 to % (picked and not yet packed), got %',
                v_in_tote, coalesce(p_missing::text, 'none') using errcode = 'AS005';
        end if;

        -- The tote's stock, counted down (stock rows in location id order).
        v_left := p_missing;
        for r in
            select s.location_id, s.lot, s.on_hand from stock s
             where s.warehouse_id = p_wh and s.sku_id = v_line.sku_id and s.on_hand > 0
               and s.location_id in (select pack_order_totes(p_wh, v_line.order_id))
               and (v_lot is null or s.lot = v_lot)
             order by s.location_id, s.lot
        loop
            exit when v_left <= 0;
            v_take := least(v_left, r.on_hand);
            perform inv_change_stock(p_wh, r.location_id, v_line.sku_id, r.lot, null, -v_take);
            insert into ledger (warehouse_id, kind, sku_id, lot, quantity, from_location_id,
                                reason, actor_id, scan_id)
            values (p_wh, 'count', v_line.sku_id, r.lot, v_take, r.location_id,
                    'pack short: order ' || v_line.order_id, p_operator, p_scan);
            v_totes := coalesce(v_totes || ', ', '') || floor_location_code(p_wh, r.location_id);
            v_left := v_left - v_take;
        end loop;
        if v_left > 0 then
            raise exception 'the order''s tote holds only % unit(s) of % still to pack, not %',
                p_missing - v_left, v_sku, p_missing using errcode = 'AS003';
        end if;

        -- The position, then the line and its reservation: re-reserve what is free.
        v_pos := inv_lock_position(p_wh, v_line.sku_id);
        update order_lines set picked_qty = order_lines.picked_qty - p_missing
         where warehouse_id = p_wh and id = v_line.id;
        v_grant := greatest(0, least(p_missing, v_pos.sellable_on_hand - v_pos.open_reserved));
        insert into reservations as res (warehouse_id, order_line_id, sku_id, quantity)
        values (p_wh, v_line.id, v_line.sku_id, v_grant)
        on conflict (warehouse_id, order_line_id) do update
            set quantity = res.quantity + excluded.quantity, updated_at = now();
        if v_grant > 0 then
            update sku_positions set open_reserved = open_reserved + v_grant
             where warehouse_id = p_wh and sku_id = v_line.sku_id;
            perform inv_refresh_channel_figures(p_wh, v_line.sku_id);
        end if;

        -- The order: back to the queue, unless it ships in parts and picked units remain.
        select * into v_order from orders where warehouse_id = p_wh and id = v_line.order_id for update;
        if v_order.status not in ('picked', 'packed') then
            raise exception 'order % is %: only picked orders are packed',
                coalesce(v_order.reference, v_order.external_id), v_order.status
                using errcode = 'AS005';
        end if;
        select * into v_channel from channels where id = v_order.channel_id;
        if v_channel.allows_partial_shipment
           and exists (select 1 from order_lines l
                        where l.warehouse_id = p_wh and l.order_id = v_order.id
                          and l.picked_qty > l.shipped_qty) then
            v_status := pack_status_of(p_wh, v_order.id);
        elsif exists (select 1 from order_lines l
                        left join reservations res on res.warehouse_id = l.warehouse_id
                                                  and res.order_line_id = l.id
                       where l.warehouse_id = p_wh and l.order_id = v_order.id and l.requires_shipping
                         and l.quantity - l.cancelled_qty - l.picked_qty - coalesce(res.quantity, 0) > 0) then
            v_status := 'backordered';
        else
            v_status := 'reserved';
        end if;
        update orders set status = v_status, updated_at = now()
         where warehouse_id = p_wh and id = v_order.id;

        select max(bo.batch_id) into v_batch from batch_orders bo
         where bo.warehouse_id = p_wh and bo.order_id = v_order.id;
        insert into exceptions (warehouse_id, kind, batch_id, order_id, operator_id, terminal,
                                scan_id, detail)
        values (p_wh, 'pack_short', v_batch, v_order.id, p_operator, p_terminal, p_scan,
                v_totes || ' lacked ' || p_missing || ' of ' || v_sku || ' for order '
                    || coalesce(v_order.reference, v_order.external_id) || ' line ' || v_line.line_no
                    || ' at ' || floor_location_code(p_wh, p_station) || '; ' || v_grant
                    || ' re-reserved, ' || (p_missing - v_grant) || ' backordered')
        returning id into v_id;
        insert into scan_journal (warehouse_id, scan_id, terminal, operator_id, screen, raw, parsed,
                                  outcome)
        values (p_wh, p_scan, coalesce(p_terminal, 'unknown'), p_operator, 'pack', coalesce(p_raw, ''),
                jsonb_build_object('order_line', p_order_line, 'station', p_station, 'short', true,
                                   'missing', p_missing, 'reserved', v_grant,
                                   'backordered', p_missing - v_grant, 'exception', v_id),
                'applied')
        on conflict (warehouse_id, scan_id) do nothing;
    end if;

    return query
    select l.id, l.picked_qty,
           coalesce((j.parsed ->> 'reserved')::integer, 0),
           coalesce((j.parsed ->> 'backordered')::integer, 0),
           o.status::text,
           e.id
      from order_lines l
      join orders o on o.warehouse_id = l.warehouse_id and o.id = l.order_id
      left join exceptions e on e.warehouse_id = l.warehouse_id and e.scan_id = p_scan
                            and e.kind = 'pack_short'
      left join scan_journal j on j.warehouse_id = l.warehouse_id and j.scan_id = p_scan
     where l.warehouse_id = p_wh and l.id = p_order_line;
end $$;

-- The next SSCC serial reference for a warehouse, with its GS1 company prefix: the caller
-- composes the SSCC-18 (extension digit, prefix, serial padded to 16 - length(prefix) digits,
-- check digit; labels::sscc) and hands it to aisle_add_carton with the label. Serials wrap
-- within the digits the prefix leaves (GS1 asks that an SSCC is not reused within a year; a
-- reused one is refused by cartons' unique SSCC).
create function aisle_next_sscc_serial(p_wh integer)
returns table (serial bigint, company_prefix text)
language plpgsql as $$
declare
    v_prefix text;
    v_cap    bigint;
begin
    select gs1_company_prefix into v_prefix from warehouses where id = p_wh;
    if v_prefix is null then
        raise exception 'warehouse % has no GS1 company prefix: set warehouses.gs1_company_prefix', p_wh
            using errcode = 'AS005';
    end if;
    v_cap := (10::bigint ^ (16 - length(v_prefix)))::bigint - 1;
    return query select ((nextval('sscc_serial') - 1) % v_cap) + 1, v_prefix;
end $$;

-- The weight check of a carton at a station: within max(tolerance_min_g, expected * pct / 100).
create function pack_weight_within(p_station pack_stations, p_weight_g integer,
                                   p_expected_g integer) returns boolean
language sql immutable as $$
    select abs(p_weight_g - p_expected_g)
           <= greatest(p_station.tolerance_min_g::double precision,
                       p_expected_g * p_station.tolerance_pct / 100)
$$;

-- Record a carton when its label is made (its weight passed): its SSCC (composed by the caller
-- from aisle_next_sscc_serial, with this warehouse's company prefix), the carton used and the one
-- suggested, its order lines and quantities (packed at this station and not in another open
-- carton), measured and expected weights (refused beyond the station's tolerance), the carrier's
-- tracking number and the label's ZPL for reprints. A replayed scan id returns the carton
-- recorded. Returns the carton's id.
create function aisle_add_carton(p_wh integer, p_station integer, p_order bigint, p_sscc text,
                                 p_carton_code text, p_suggested_code text, p_lines bigint[],
                                 p_quantities integer[], p_weight_g integer,
                                 p_expected_weight_g integer, p_tracking text, p_zpl text,
                                 p_operator integer, p_scan uuid)
returns bigint
language plpgsql as $$
declare
    v_station pack_stations;
    v_order   orders;
    v_prefix  text;
    v_id      bigint;
    v_tol     double precision;
    r         record;
begin
    if p_scan is null then
        raise exception 'a carton needs the terminal''s scan id' using errcode = 'AS005';
    end if;
    v_station := pack_lock_station(p_wh, p_station);
    select id into v_id from cartons where warehouse_id = p_wh and scan_id = p_scan;
    if found then
        return v_id;
    end if;
    if p_sscc is null or p_sscc !~ '^[0-9]{18}$' or not gs1_check_digit_valid(p_sscc) then
        raise exception 'expected an SSCC of 18 digits with a valid check digit, got %',
            coalesce(p_sscc, 'none') using errcode = 'AS005';
    end if;
    select gs1_company_prefix into v_prefix from warehouses where id = p_wh;
    if v_prefix is null or substr(p_sscc, 2, length(v_prefix)) <> v_prefix then
        raise exception 'SSCC % does not carry this warehouse''s GS1 company prefix %', p_sscc,
            coalesce(v_prefix, '(none set)') using errcode = 'AS005';
    end if;
    select id into v_id from cartons where sscc = p_sscc;
    if found then
        raise exception 'SSCC % is already on carton %: take the next serial', p_sscc, v_id
            using errcode = 'AS005';
    end if;
    if coalesce(btrim(p_carton_code), '') = '' then
        raise exception 'a carton needs the code of the carton used' using errcode = 'AS005';
    end if;
    if coalesce(btrim(p_zpl), '') = '' then
        raise exception 'a carton needs its label''s ZPL' using errcode = 'AS005';
    end if;
    if coalesce(cardinality(p_lines), 0) = 0
       or cardinality(p_lines) <> coalesce(cardinality(p_quantities), 0) then
        raise exception 'a carton needs its order lines and as many quantities' using errcode = 'AS005';
    end if;
    if (select count(distinct x) from unnest(p_lines) x) <> cardinality(p_lines) then
        raise exception 'a carton names each order line once' using errcode = 'AS005';
    end if;
    if p_weight_g is null or p_weight_g <= 0 or p_expected_weight_g is null or p_expected_weight_g <= 0 then
        raise exception 'a carton needs its measured and expected weights in grams' using errcode = 'AS005';
    end if;
    if not pack_weight_within(v_station, p_weight_g, p_expected_weight_g) then
        v_tol := greatest(v_station.tolerance_min_g::double precision,
                          p_expected_weight_g * v_station.tolerance_pct / 100);
        raise exception 'the carton weighs % g, expected % g (tolerance % g): check its contents',
            p_weight_g, p_expected_weight_g, round(v_tol::numeric) using errcode = 'AS005';
    end if;

    select * into v_order from orders where warehouse_id = p_wh and id = p_order for update;
    if not found then
        raise exception 'no order % in warehouse %', p_order, p_wh using errcode = 'AS005';
    end if;
    if v_order.status not in ('picked', 'packed') then
        raise exception 'order % is %: only picked orders are packed',
            coalesce(v_order.reference, v_order.external_id), v_order.status
            using errcode = 'AS005';
    end if;
    for r in
        select t.line, t.qty, l.id, l.line_no, l.order_id, k.code as sku
          from unnest(p_lines, p_quantities) as t(line, qty)
          left join order_lines l on l.warehouse_id = p_wh and l.id = t.line
          left join skus k on k.id = l.sku_id
    loop
        if r.id is null or r.order_id <> p_order then
            raise exception 'order line % is not a line of order %', r.line,
                coalesce(v_order.reference, v_order.external_id) using errcode = 'AS005';
        end if;
        if r.qty is null or r.qty < 1 then
            raise exception 'expected a positive quantity for line %, got %', r.line_no,
                coalesce(r.qty::text, 'none') using errcode = 'AS005';
        end if;
        if pack_cartoned_qty(p_wh, r.id, p_station) + r.qty > pack_open_qty(p_wh, r.id, p_station) then
            raise exception 'line % (%): % unit(s) packed at this station, % in other cartons: % more do not fit',
                r.line_no, r.sku, pack_open_qty(p_wh, r.id, p_station),
                pack_cartoned_qty(p_wh, r.id, p_station), r.qty using errcode = 'AS005';
        end if;
    end loop;

    insert into cartons (warehouse_id, order_id, station_id, sscc, carton_code, suggested_code,
                         weight_g, expected_weight_g, tracking_number, zpl, created_by, scan_id)
    values (p_wh, p_order, p_station, p_sscc, btrim(p_carton_code), nullif(btrim(p_suggested_code), ''),
            p_weight_g, p_expected_weight_g, nullif(btrim(p_tracking), ''), p_zpl, p_operator, p_scan)
    returning id into v_id;
    insert into carton_lines (warehouse_id, carton_id, order_line_id, quantity)
    select p_wh, v_id, t.line, t.qty from unnest(p_lines, p_quantities) as t(line, qty);
    return v_id;
end $$;

-- Void a carton's label before its order ships: who and when are recorded; its units are free
-- for another carton. Voiding a voided carton changes nothing. Returns the carton's SSCC.
create function aisle_void_carton(p_wh integer, p_carton bigint, p_operator integer, p_reason text)
returns text
language plpgsql as $$
declare
    v cartons;
begin
    select * into v from cartons where warehouse_id = p_wh and id = p_carton for update;
    if not found then
        raise exception 'no carton % in warehouse %', p_carton, p_wh using errcode = 'AS005';
    end if;
    if v.shipment_id is not null then
        raise exception 'carton % (SSCC %) left with shipment %: its label can no longer be voided',
            p_carton, v.sscc, v.shipment_id using errcode = 'AS005';
    end if;
    if v.label_status = 'printed' then
        update cartons
           set label_status = 'voided', voided_at = now(), voided_by = p_operator,
               void_reason = nullif(btrim(p_reason), '')
         where warehouse_id = p_wh and id = p_carton;
    end if;
    return v.sscc;
end $$;

-- How a carrier is named to Shopify and Amazon (their carrier lists), else its own name.
create function pack_channel_carrier_name(p_code text, p_name text) returns text
language sql immutable as $$
    select case upper(coalesce(p_code, ''))
               when 'UPS' then 'UPS' when 'USPS' then 'USPS' when 'FEDEX' then 'FedEx'
               when 'DHL' then 'DHL Express' when 'ONTRAC' then 'OnTrac'
               else coalesce(p_name, p_code) end
$$;

-- The UPC (or other GTIN, without its leading zeros of padding) an item is identified by in an
-- 856: its each barcode, UPC-A first.
create function pack_item_upc(p_sku integer) returns text
language sql stable as $$
    select case when b.symbology = 'upc_a' then right(b.gtin, 12)
                when b.symbology = 'ean13' then right(b.gtin, 13)
                when b.symbology = 'gtin8' then right(b.gtin, 8)
                else b.gtin end
      from barcodes b where b.sku_id = p_sku and b.units = 1
     order by case b.symbology when 'upc_a' then 0 when 'ean13' then 1 when 'gtin8' then 2 else 3 end,
              b.gtin
     limit 1
$$;

-- The channel's message for one shipment: its own lines and quantities, cartons and tracking.
--   shopify: a fulfillment create body: line items by the line's external_line_id (the Shopify
--            line item id) with quantities, and tracking_info (number, company);
--   amazon:  a confirmShipment body: amazonOrderId, marketplaceId, packageDetail (carrierCode,
--            shippingMethod, trackingNumber, shipDate, orderItems [{orderItemId, quantity}]);
--            with several cartons, packages lists each carton's own items and tracking (one
--            confirmShipment per package);
--   edi:     the 856 ship notice's hierarchy: shipment (S), order (O) with the PO number, packs
--            (P) with their SSCC-18 (MAN*GM), items (I) with UPC, SKU and quantity.
create function pack_shipment_payload(p_wh integer, p_shipment bigint) returns jsonb
language plpgsql stable as $$
declare
    s         shipments;
    o         orders;
    c         channels;
    v_carrier record;
    v_date    text;
    v_items   jsonb;
    v_packs   jsonb := '[]';
    v_hl      integer := 2;
    v_pack_hl integer;
    v_pitems  jsonb;
    v_weight  bigint;
    v_tracks  jsonb;
    p         record;
    i         record;
begin
    select * into s from shipments where warehouse_id = p_wh and id = p_shipment;
    select * into o from orders where warehouse_id = p_wh and id = s.order_id;
    select * into c from channels where id = o.channel_id;
    select ca.code, ca.name, ca.scac, cs.code as service, cs.name as service_name into v_carrier
      from carrier_services cs join carriers ca on ca.id = cs.carrier_id
     where cs.id = s.carrier_service_id;
    v_date := to_char(s.shipped_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');
    select coalesce(jsonb_agg(ct.tracking_number order by ct.id)
                        filter (where ct.tracking_number is not null), '[]'),
           coalesce(sum(ct.weight_g), 0)
      into v_tracks, v_weight
      from cartons ct where ct.warehouse_id = p_wh and ct.shipment_id = p_shipment;

    if c.kind = 'shopify' then
        select coalesce(jsonb_agg(jsonb_build_object('id', l.external_line_id, 'quantity', x.qty)
                                  order by l.line_no), '[]')
          into v_items
          from (select cl.order_line_id, sum(cl.quantity)::integer as qty
                  from carton_lines cl
                  join cartons ct on ct.warehouse_id = cl.warehouse_id and ct.id = cl.carton_id
                 where ct.warehouse_id = p_wh and ct.shipment_id = p_shipment
                 group by cl.order_line_id) x
          join order_lines l on l.warehouse_id = p_wh and l.id = x.order_line_id;
        return jsonb_build_object(
            'shipment_id', s.id,
            'order_id', o.external_id,
            'order_name', coalesce(o.reference, o.external_id),
            'fulfillment', jsonb_build_object(
                'line_items', v_items,
                'tracking_info', jsonb_build_object(
                    'number', s.tracking_number,
                    'company', pack_channel_carrier_name(v_carrier.code, v_carrier.name)),
                'tracking_numbers', v_tracks,
                'notify_customer', true));
    elsif c.kind = 'amazon' then
        for p in
            select ct.id, ct.tracking_number from cartons ct
             where ct.warehouse_id = p_wh and ct.shipment_id = p_shipment order by ct.id
        loop
            select coalesce(jsonb_agg(jsonb_build_object('orderItemId', l.external_line_id,
                                                         'quantity', cl.quantity)
                                      order by l.line_no), '[]')
              into v_pitems
              from carton_lines cl
              join order_lines l on l.warehouse_id = cl.warehouse_id and l.id = cl.order_line_id
             where cl.warehouse_id = p_wh and cl.carton_id = p.id;
            v_packs := v_packs || jsonb_build_array(jsonb_build_object(
                'packageReferenceId', p.id::text,
                'carrierCode', pack_channel_carrier_name(v_carrier.code, v_carrier.name),
                'shippingMethod', v_carrier.service_name,
                'trackingNumber', p.tracking_number,
                'shipDate', v_date,
                'orderItems', v_pitems));
        end loop;
        select coalesce(jsonb_agg(jsonb_build_object('orderItemId', l.external_line_id,
                                                     'quantity', x.qty) order by l.line_no), '[]')
          into v_items
          from (select cl.order_line_id, sum(cl.quantity)::integer as qty
                  from carton_lines cl
                  join cartons ct on ct.warehouse_id = cl.warehouse_id and ct.id = cl.carton_id
                 where ct.warehouse_id = p_wh and ct.shipment_id = p_shipment
                 group by cl.order_line_id) x
          join order_lines l on l.warehouse_id = p_wh and l.id = x.order_line_id;
        return jsonb_build_object(
            'shipment_id', s.id,
            'amazonOrderId', o.external_id,
            'marketplaceId', c.settings ->> 'marketplace_id',
            'packageDetail', jsonb_build_object(
                'packageReferenceId', s.id::text,
                'carrierCode', pack_channel_carrier_name(v_carrier.code, v_carrier.name),
                'shippingMethod', v_carrier.service_name,
                'trackingNumber', s.tracking_number,
                'shipDate', v_date,
                'orderItems', v_items),
            'packages', v_packs);
    else
        -- EDI 856: HL 1 is the shipment, HL 2 the order, then each pack followed by its items.
        for p in
            select ct.id, ct.sscc, ct.tracking_number, ct.weight_g, ct.carton_code from cartons ct
             where ct.warehouse_id = p_wh and ct.shipment_id = p_shipment order by ct.id
        loop
            v_hl := v_hl + 1;
            v_pack_hl := v_hl;
            v_pitems := '[]';
            for i in
                select l.line_no, l.external_line_id, l.channel_sku, l.channel_unit, k.code as sku,
                       k.case_pack, pack_item_upc(k.id) as upc, cl.quantity
                  from carton_lines cl
                  join order_lines l on l.warehouse_id = cl.warehouse_id and l.id = cl.order_line_id
                  join skus k on k.id = l.sku_id
                 where cl.warehouse_id = p_wh and cl.carton_id = p.id
                 order by l.line_no
            loop
                v_hl := v_hl + 1;
                v_pitems := v_pitems || jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
                    'hl', v_hl, 'parent', v_pack_hl, 'level', 'I',
                    'line', coalesce(i.external_line_id, i.line_no::text),
                    'upc', i.upc, 'sku', i.sku, 'buyer_sku', i.channel_sku,
                    'quantity', i.quantity, 'unit', 'EA',
                    'cases', case when i.channel_unit = 'case' then i.quantity / i.case_pack end,
                    'lin', 'LIN**UP*' || coalesce(i.upc, '') || '*VP*' || i.sku,
                    'sn1', 'SN1**' || i.quantity || '*EA')));
            end loop;
            v_packs := v_packs || jsonb_build_array(jsonb_build_object(
                'hl', v_pack_hl, 'parent', 2, 'level', 'P',
                'sscc', p.sscc, 'man', 'MAN*GM*' || p.sscc,
                'tracking_number', p.tracking_number, 'weight_g', p.weight_g,
                'carton_code', p.carton_code, 'items', v_pitems));
        end loop;
        return jsonb_build_object(
            'transaction_set', '856',
            'bsn', jsonb_build_object(
                'purpose', '00', 'shipment_id', s.id::text,
                'date', to_char(s.shipped_at at time zone 'UTC', 'YYYYMMDD'),
                'time', to_char(s.shipped_at at time zone 'UTC', 'HH24MI'),
                'structure', '0001'),
            'shipment', jsonb_build_object(
                'hl', 1, 'level', 'S',
                'carrier_scac', v_carrier.scac, 'carrier', v_carrier.code,
                'service', v_carrier.service,
                'tracking_number', s.tracking_number, 'tracking_numbers', v_tracks,
                'ship_date', v_date,
                'cartons', jsonb_array_length(v_packs), 'weight_g', v_weight,
                'ship_to', o.ship_to,
                'ship_from', (select jsonb_build_object('code', w.code, 'name', w.name)
                                from warehouses w where w.id = p_wh)),
            'order', jsonb_build_object(
                'hl', 2, 'parent', 1, 'level', 'O',
                'po_number', o.external_id, 'prf', 'PRF*' || o.external_id),
            'packs', v_packs,
            'hl_count', v_hl);
    end if;
end $$;

-- Ship what an order has packed and labelled at a station, in one transaction: the shipment
-- and its cartons (every printed, unshipped carton of the order at the station; together they
-- must hold exactly the units packed there), a ledger 'ship' row per SKU and lot leaving the
-- station, the stock gone, the lines' shipped quantities, the order shipped or partly shipped,
-- and the channel's message in the outbox ('shipment' for Shopify and Amazon, 'edi_856' for EDI;
-- none for manual orders). Reservations were consumed at picking (migration 12), and the
-- station is not sellable stock: positions and channel figures do not move. An order whose
-- channel does not ship in parts must have every unit still to ship packed. A replayed scan id
-- changes nothing and returns the shipment recorded.
create function aisle_ship_order(p_wh integer, p_order bigint, p_station integer, p_operator integer,
                                 p_scan uuid, p_terminal text, p_raw text,
                                 p_carrier_service integer default null)
returns table (shipment_id bigint, order_status text, units integer, cartons integer,
               outbox_id bigint)
language plpgsql as $$
#variable_conflict use_column
declare
    v_order    orders;
    v_channel  channels;
    v_ship     bigint;
    v_service  integer;
    v_tracking text;
    v_status   order_status;
    v_outbox   bigint;
    v_units    integer := 0;
    v_short    text;
    r          record;
begin
    if p_scan is null then
        raise exception 'a shipment needs the terminal''s scan id' using errcode = 'AS005';
    end if;
    perform pack_lock_station(p_wh, p_station);
    select id into v_ship from shipments where warehouse_id = p_wh and scan_id = p_scan;
    if v_ship is null then
        select * into v_order from orders where warehouse_id = p_wh and id = p_order;
        if not found then
            raise exception 'no order % in warehouse %', p_order, p_wh using errcode = 'AS005';
        end if;
        if not exists (select 1 from cartons c
                        where c.warehouse_id = p_wh and c.order_id = p_order and c.station_id = p_station
                          and c.label_status = 'printed' and c.shipment_id is null) then
            raise exception 'order % has no labelled carton at %: pack and label a carton first',
                coalesce(v_order.reference, v_order.external_id), floor_location_code(p_wh, p_station)
                using errcode = 'AS005';
        end if;
        -- The cartons hold exactly what is packed here.
        select string_agg('line ' || l.line_no || ' (' || k.code || '): ' || x.packed
                              || ' packed, ' || x.cartoned || ' in cartons', '; ' order by l.line_no)
          into v_short
          from (select pl.order_line_id,
                       sum(pl.packed_qty - pl.shipped_qty)::integer as packed,
                       pack_cartoned_qty(p_wh, pl.order_line_id, p_station) as cartoned
                  from pack_lines pl
                 where pl.warehouse_id = p_wh and pl.order_id = p_order and pl.station_id = p_station
                 group by pl.order_line_id) x
          join order_lines l on l.warehouse_id = p_wh and l.id = x.order_line_id
          join skus k on k.id = l.sku_id
         where x.packed <> x.cartoned;
        if v_short is not null then
            raise exception 'every packed unit ships in a labelled carton: %', v_short
                using errcode = 'AS005';
        end if;

        -- The units leave the station: its stock rows (one location), SKU and lot order.
        for r in
            select pl.sku_id, pl.lot, sum(pl.packed_qty - pl.shipped_qty)::integer as qty
              from pack_lines pl
             where pl.warehouse_id = p_wh and pl.order_id = p_order and pl.station_id = p_station
               and pl.packed_qty > pl.shipped_qty
             group by pl.sku_id, pl.lot
             order by pl.sku_id, pl.lot
        loop
            perform inv_change_stock(p_wh, p_station, r.sku_id, r.lot, null, -r.qty);
            insert into ledger (warehouse_id, kind, sku_id, lot, quantity, from_location_id,
                                reason, actor_id, scan_id)
            values (p_wh, 'ship', r.sku_id, r.lot, r.qty, p_station,
                    'ship order ' || p_order, p_operator, p_scan);
            v_units := v_units + r.qty;
        end loop;

        -- The order, locked last.
        select * into v_order from orders where warehouse_id = p_wh and id = p_order for update;
        if v_order.status not in ('picked', 'packed') then
            raise exception 'order % is %: only picked and packed orders ship',
                coalesce(v_order.reference, v_order.external_id), v_order.status
                using errcode = 'AS005';
        end if;
        select * into v_channel from channels where id = v_order.channel_id;
        if not v_channel.allows_partial_shipment then
            select string_agg('line ' || l.line_no || ' (' || k.code || ') '
                                  || (l.quantity - l.cancelled_qty - l.shipped_qty
                                      - pack_open_qty(p_wh, l.id, p_station)), ', ' order by l.line_no)
              into v_short
              from order_lines l join skus k on k.id = l.sku_id
             where l.warehouse_id = p_wh and l.order_id = p_order and l.requires_shipping
               and l.quantity - l.cancelled_qty - l.shipped_qty <> pack_open_qty(p_wh, l.id, p_station);
            if v_short is not null then
                raise exception 'order % has units not packed here (%): channel % does not ship in parts',
                    coalesce(v_order.reference, v_order.external_id), v_short, v_channel.name
                    using errcode = 'AS005';
            end if;
        end if;

        v_service := coalesce(p_carrier_service, v_order.carrier_service_id);
        select c.tracking_number into v_tracking from cartons c
         where c.warehouse_id = p_wh and c.order_id = p_order and c.station_id = p_station
           and c.label_status = 'printed' and c.shipment_id is null
         order by c.id limit 1;
        insert into shipments (warehouse_id, order_id, station_id, carrier_service_id,
                               tracking_number, shipped_by, scan_id)
        values (p_wh, p_order, p_station, v_service, v_tracking, p_operator, p_scan)
        returning id into v_ship;
        update cartons c set shipment_id = v_ship
         where c.warehouse_id = p_wh and c.order_id = p_order and c.station_id = p_station
           and c.label_status = 'printed' and c.shipment_id is null;
        update order_lines l
           set shipped_qty = l.shipped_qty + x.qty
          from (select order_line_id, sum(packed_qty - shipped_qty)::integer as qty
                  from pack_lines
                 where warehouse_id = p_wh and order_id = p_order and station_id = p_station
                 group by order_line_id) x
         where l.warehouse_id = p_wh and l.id = x.order_line_id and x.qty > 0;
        update pack_lines set shipped_qty = packed_qty, updated_at = now()
         where warehouse_id = p_wh and order_id = p_order and station_id = p_station
           and packed_qty > shipped_qty;

        v_status := case when exists (
                             select 1 from order_lines l
                              where l.warehouse_id = p_wh and l.order_id = p_order
                                and l.requires_shipping
                                and l.quantity - l.cancelled_qty - l.shipped_qty > 0)
                         then 'partly_shipped' else 'shipped' end;
        update orders set status = v_status, updated_at = now()
         where warehouse_id = p_wh and id = p_order;

        if v_channel.kind in ('shopify', 'amazon', 'edi') then
            insert into outbox (warehouse_id, channel_id, kind, payload)
            values (p_wh, v_channel.id,
                    case when v_channel.kind = 'edi' then 'edi_856' else 'shipment' end::outbox_kind,
                    pack_shipment_payload(p_wh, v_ship))
            returning id into v_outbox;
            update shipments set outbox_id = v_outbox where warehouse_id = p_wh and id = v_ship;
        end if;
        insert into scan_journal (warehouse_id, scan_id, terminal, operator_id, screen, raw, parsed,
                                  outcome)
        values (p_wh, p_scan, coalesce(p_terminal, 'unknown'), p_operator, 'pack', coalesce(p_raw, ''),
                jsonb_build_object('ship', p_order, 'station', p_station, 'shipment', v_ship,
                                   'units', v_units),
                'applied')
        on conflict (warehouse_id, scan_id) do nothing;
    end if;

    return query
    select s.id, o.status::text,
           (select coalesce(sum(cl.quantity), 0)::integer from carton_lines cl
              join cartons c on c.warehouse_id = cl.warehouse_id and c.id = cl.carton_id
             where c.warehouse_id = s.warehouse_id and c.shipment_id = s.id),
           (select count(*)::integer from cartons c
             where c.warehouse_id = s.warehouse_id and c.shipment_id = s.id),
           s.outbox_id
      from shipments s
      join orders o on o.warehouse_id = s.warehouse_id and o.id = s.order_id
     where s.warehouse_id = p_wh and s.id = v_ship;
end $$;
