-- The catalogue: SKUs and their barcodes. Global (reference) tables.

-- GS1 mod-10 check digit over all but the last digit (GTIN-8/12/13/14, SSCC, GLN).
create function gs1_check_digit_valid(code text) returns boolean
language sql immutable strict parallel safe as $$
    select code ~ '^[0-9]{8,18}$'
       and (select (10 - sum(substr(code, length(code) - i, 1)::int
                             * case when i % 2 = 1 then 3 else 1 end) % 10) % 10
              from generate_series(1, length(code) - 1) as i)
           = right(code, 1)::int
$$;

create table skus (
    id             integer generated always as identity primary key,
    code           text not null unique check (code ~ '^[A-Z0-9][A-Z0-9._-]{0,31}$'),
    name           text not null,
    unit_weight_g  integer not null check (unit_weight_g > 0),
    length_mm      integer not null check (length_mm > 0),
    width_mm       integer not null check (width_mm > 0),
    height_mm      integer not null check (height_mm > 0),
    case_pack      integer not null default 1 check (case_pack >= 1),
    lot_controlled boolean not null default false,
    created_at     timestamptz not null default now()
);

-- Every barcode is stored normalised to 14 digits; `units` is how many eaches one scan counts
-- (a case's GTIN-14 counts the case pack).
create table barcodes (
    gtin       text primary key check (gtin ~ '^[0-9]{14}$' and gs1_check_digit_valid(gtin)),
    sku_id     integer not null references skus,
    symbology  text not null check (symbology in ('gtin8', 'upc_a', 'ean13', 'gtin14')),
    units      integer not null default 1 check (units >= 1)
);
create index barcodes_by_sku on barcodes (sku_id);
