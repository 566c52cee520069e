-- Orders from every channel, their lines, and reservations per line.

create type order_status as enum (
    'new', 'held', 'reserved', 'backordered', 'released', 'picking', 'picked', 'packed',
    'partly_shipped', 'shipped', 'cancelled'
);

create table orders (
    warehouse_id       integer not null references warehouses,
    id                 bigint generated always as identity,
    channel_id         integer not null references channels,
    external_id        text not null,
    reference          text,          -- a human reference (Shopify `#1001`) when it differs from the id
    status             order_status not null default 'new',
    hold_reason        text,
    ordered_at         timestamptz not null default now(),
    ship_by            timestamptz,
    due_at             timestamptz,   -- the carrier cutoff the order must make to keep its promise
    service_level      text,
    carrier_service_id integer references carrier_services,
    priority           integer not null default 0,  -- manual override; higher goes first
    ship_to            jsonb,
    intake_fingerprint text,          -- what intake last stored, to tell a repeat from a change
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now(),
    primary key (warehouse_id, id),
    unique (warehouse_id, channel_id, external_id),
    -- A held order always says why.
    check (status <> 'held' or hold_reason is not null)
);
create index orders_open on orders (warehouse_id, status) where status not in ('shipped', 'cancelled');
create index orders_queue on orders (warehouse_id, priority desc, due_at, ordered_at, id)
    where status not in ('shipped', 'cancelled');

create table order_lines (
    warehouse_id      integer not null,
    id                bigint generated always as identity,
    order_id          bigint not null,
    line_no           integer not null,
    external_line_id  text,              -- e.g. Shopify line item id, Amazon orderItemId
    channel_sku       text,
    sku_id            integer references skus,
    quantity          integer not null check (quantity > 0),   -- in eaches
    channel_quantity  integer,                                 -- as the channel sent it
    channel_unit      text not null default 'each' check (channel_unit in ('each', 'case')),
    description       text,
    requires_shipping boolean not null default true,
    picked_qty        integer not null default 0,
    shipped_qty       integer not null default 0,
    cancelled_qty     integer not null default 0,
    primary key (warehouse_id, id),
    foreign key (warehouse_id, order_id) references orders,
    unique (warehouse_id, order_id, line_no),
    -- Invariant 7: never picked or shipped beyond the ordered quantity. Units cancelled are
    -- never also picked (a cancellation after picking cancels only what was not picked, and
    -- puts the picked units back), and only picked units ship.
    constraint order_line_within_ordered check (
        picked_qty >= 0 and shipped_qty >= 0 and cancelled_qty >= 0
        and picked_qty + cancelled_qty <= quantity
        and shipped_qty <= picked_qty
    ),
    check (not requires_shipping or sku_id is not null)
);
create index order_lines_by_order on order_lines (warehouse_id, order_id);
create index order_lines_by_sku on order_lines (warehouse_id, sku_id);

-- Units reserved for a line and not yet picked. A pick lowers it together with stock.
create table reservations (
    warehouse_id  integer not null,
    order_line_id bigint not null,
    sku_id        integer not null references skus,
    quantity      integer not null check (quantity >= 0),
    updated_at    timestamptz not null default now(),
    primary key (warehouse_id, order_line_id),
    foreign key (warehouse_id, order_line_id) references order_lines
);
create index reservations_by_sku on reservations (warehouse_id, sku_id) where quantity > 0;
