-- Warehouses, their layout (aisles, cross-aisles, depot) and every kind of location.
-- Every floor table carries warehouse_id and is keyed by it, so that a deployment can later shard
-- by warehouse (Citus distribution column); catalogue tables are global (reference tables).

-- A time zone is valid when Postgres knows it; "today" and carrier cutoffs are in it.
create function is_time_zone(tz text) returns boolean
language plpgsql immutable strict as $$
begin
    perform now() at time zone tz;
    return true;
exception when invalid_parameter_value then
    return false;
end $$;

create table warehouses (
    id                 integer generated always as identity primary key,
    code               text not null unique check (code ~ '^[A-Z0-9][A-Z0-9-]{0,15}$'),
    name               text not null,
    time_zone          text not null check (is_time_zone(time_zone)),
    cart_size          integer not null default 8 check (cart_size between 1 and 48),
    gs1_company_prefix text check (gs1_company_prefix ~ '^[0-9]{6,12}$'),
    -- Orders are flagged at risk of missing their cutoff this long before it.
    at_risk_minutes    integer not null default 120 check (at_risk_minutes >= 0),
    created_at         timestamptz not null default now()
);

-- Single-block layout in metres: parallel aisles running along y between a front and a back
-- cross-aisle, and the depot where carts start and end. Routing reads this.
create table warehouse_layouts (
    warehouse_id        integer primary key references warehouses,
    front_cross_aisle_y double precision not null,
    back_cross_aisle_y  double precision not null,
    depot_x             double precision not null,
    depot_y             double precision not null,
    check (back_cross_aisle_y > front_cross_aisle_y)
);

create table aisles (
    warehouse_id integer not null references warehouses,
    code         text not null,
    x            double precision not null,  -- centre line of the aisle
    primary key (warehouse_id, code)
);

create type location_kind as enum ('bin', 'reserve', 'tote', 'cart', 'pack_station', 'dock');

create table locations (
    warehouse_id  integer not null references warehouses,
    id            integer generated always as identity,
    code          text not null check (code ~ '^[A-Z0-9][A-Z0-9-]{0,23}$'),
    kind          location_kind not null,
    aisle         text,
    bay           integer,
    level         integer,
    x             double precision,
    y             double precision,
    pick_sequence integer,
    active        boolean not null default true,
    primary key (warehouse_id, id),
    unique (warehouse_id, code),
    foreign key (warehouse_id, aisle) references aisles,
    -- Shelf locations must be placed on the layout: routing and batching depend on it.
    check (kind not in ('bin', 'reserve') or (aisle is not null and x is not null and y is not null))
);

-- Pickable bins and reserve (bulk) locations hold sellable stock; totes, carts, stations and
-- docks hold units already picked for an order.
create function is_sellable_location(kind location_kind) returns boolean
language sql immutable strict parallel safe as $$ select kind in ('bin', 'reserve') $$;
