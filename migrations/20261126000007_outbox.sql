-- Messages to channels, appended in the transaction that causes them and delivered after commit.
-- Stock figures are one row per (warehouse, channel, sku), upserted with a new version whenever
-- the figure changes; delivery marks a figure delivered only if the row still holds the version
-- it sent.

create type outbox_kind as enum ('stock', 'shipment', 'edi_997', 'edi_846', 'edi_856');
create type outbox_status as enum ('pending', 'in_flight', 'delivered', 'dead');

create table outbox (
    warehouse_id      integer not null references warehouses,
    id                bigint generated always as identity,
    channel_id        integer not null references channels,
    kind              outbox_kind not null,
    sku_id            integer references skus,
    quantity          integer,
    version           bigint not null default 1,
    delivered_version bigint,
    payload           jsonb,
    status            outbox_status not null default 'pending',
    attempts          integer not null default 0,
    next_attempt_at   timestamptz not null default now(),
    lease_until       timestamptz,
    last_error        text,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now(),
    delivered_at      timestamptz,
    primary key (warehouse_id, id),
    check ((kind = 'stock') = (sku_id is not null)),
    check (kind <> 'stock' or quantity >= 0)
) with (fillfactor = 70);  -- stock figures are rewritten in place as availability moves
create unique index outbox_one_stock_figure on outbox (warehouse_id, channel_id, sku_id)
    where kind = 'stock';
create index outbox_due on outbox (next_attempt_at) where status = 'pending';
