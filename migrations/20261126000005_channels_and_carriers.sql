-- Sales channels and their listings; carriers, services, cutoffs and shipping rules.

create type channel_kind as enum ('shopify', 'amazon', 'edi', 'manual');

-- Secrets (tokens, keys) come from the environment or a config file named by the channel and are
-- never stored here: the settings column refuses the usual secret keys outright.
create table channels (
    id                      integer generated always as identity primary key,
    name                    text not null unique check (name ~ '^[a-z0-9][a-z0-9-]{0,31}$'),
    kind                    channel_kind not null,
    warehouse_id            integer not null references warehouses,  -- the warehouse that feeds it
    allows_partial_shipment boolean not null default false,
    active                  boolean not null default true,
    settings                jsonb not null default '{}',
    constraint channel_settings_hold_no_secrets check (not (settings ?| array[
        'token', 'access_token', 'secret', 'client_secret', 'password', 'api_key', 'refresh_token',
        'hmac_secret'
    ]))
);

-- A channel's SKU mapped to ours, with its allocation rule:
-- figure = clamp(floor(available * share_pct / 100) - buffer, 0, cap).
create table channel_listings (
    channel_id  integer not null references channels,
    channel_sku text not null,
    sku_id      integer not null references skus,
    share_pct   integer not null default 100 check (share_pct between 0 and 100),
    cap         integer check (cap >= 0),
    buffer      integer not null default 0 check (buffer >= 0),
    external_id text,   -- e.g. a Shopify inventory item id or an Amazon ASIN
    primary key (channel_id, channel_sku),
    unique (channel_id, sku_id)
);
create index channel_listings_by_sku on channel_listings (sku_id);

create table carriers (
    id   integer generated always as identity primary key,
    code text not null unique,
    name text not null,
    scac text
);

-- A daily cutoff in the warehouse's local time.
create table carrier_services (
    id           integer generated always as identity primary key,
    carrier_id   integer not null references carriers,
    code         text not null,
    name         text not null,
    cutoff_local time not null,
    transit_days integer not null check (transit_days >= 0),
    unique (carrier_id, code)
);

-- A channel's service level (Shopify shipping line code, Amazon fulfillment service level,
-- EDI routing) mapped to our default carrier service.
create table shipping_rules (
    channel_id         integer not null references channels,
    service_level      text not null,
    carrier_service_id integer not null references carrier_services,
    primary key (channel_id, service_level)
);
