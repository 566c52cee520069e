-- Where stock is: one row per (location, sku, lot), and the append-only ledger of every change.

create table stock (
    warehouse_id integer not null,
    location_id  integer not null,
    sku_id       integer not null references skus,
    lot          text not null default ''    -- blank for SKUs that are not lot-controlled
                 constraint stock_lot_format check (lot = '' or lot ~ '^[A-Z0-9][A-Z0-9._/-]{0,19}$'),
    expiry       date,
    on_hand      integer not null,
    updated_at   timestamptz not null default now(),
    primary key (warehouse_id, location_id, sku_id, lot),
    foreign key (warehouse_id, location_id) references locations,
    constraint stock_on_hand_not_negative check (on_hand >= 0)
) with (fillfactor = 70);  -- room on each page for HOT updates: stock rows change on every scan
create index stock_by_sku on stock (warehouse_id, sku_id);

-- Per (warehouse, sku): sellable on hand (bins and reserve) and reserved-not-yet-picked.
-- Kept in the same transactions as stock and reservations; it is also the row every change of a
-- SKU's availability locks, so the reservation rule below is enforced by a constraint.
create table sku_positions (
    warehouse_id     integer not null references warehouses,
    sku_id           integer not null references skus,
    sellable_on_hand integer not null default 0 check (sellable_on_hand >= 0),
    open_reserved    integer not null default 0 check (open_reserved >= 0),
    primary key (warehouse_id, sku_id),
    constraint reservations_within_stock check (open_reserved <= sellable_on_hand)
) with (fillfactor = 50);  -- updated by every change of a SKU's availability: keep updates HOT

create type ledger_kind as enum ('receive', 'move', 'adjust', 'count', 'ship');

-- One row per change: units leave from_location and/or arrive at to_location. For every
-- (location, sku, lot), arrivals minus departures equal stock.on_hand.
create table ledger (
    warehouse_id     integer not null references warehouses,
    id               bigint generated always as identity,
    at               timestamptz not null default now(),
    kind             ledger_kind not null,
    sku_id           integer not null references skus,
    lot              text not null default '',
    quantity         integer not null check (quantity > 0),
    from_location_id integer,
    to_location_id   integer,
    reason           text,
    actor_id         integer not null references operators,
    scan_id          uuid,
    primary key (warehouse_id, id),
    foreign key (warehouse_id, from_location_id) references locations,
    foreign key (warehouse_id, to_location_id) references locations,
    check (from_location_id is distinct from to_location_id),
    check (case kind
               when 'receive' then from_location_id is null and to_location_id is not null
               when 'ship'    then from_location_id is not null and to_location_id is null
               when 'move'    then from_location_id is not null and to_location_id is not null
               else num_nonnulls(from_location_id, to_location_id) = 1
           end)
);
create index ledger_by_sku on ledger (warehouse_id, sku_id);
-- A scan applies once: a replay of the same scan id writes nothing (NULL locations of a receipt
-- or an adjustment count as equal here).
create unique index ledger_scan_once on ledger (warehouse_id, scan_id, sku_id, lot, from_location_id, to_location_id)
    nulls not distinct where scan_id is not null;

create function refuse_ledger_rewrite() returns trigger language plpgsql as $$
begin
    raise exception 'the ledger is append-only: % is not allowed', tg_op;
end $$;
create trigger ledger_append_only before update or delete or truncate on ledger
    for each statement execute function refuse_ledger_rewrite();
