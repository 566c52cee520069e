-- The warehouse as a shipper: the ship-from address printed on every carton label (its ZIP is the
-- rate shop's origin) and the extension digit of the SSCCs it composes. Until now both were
-- constants in the pack station's code (the demo's Joliet ZIP and digit 0); they are settings of
-- the warehouse, as its GS1 company prefix is (migration 01).
--
-- The address columns are nullable: a warehouse that does not pack needs no address, and adding
-- them must not fail on warehouses that exist. A pack station refuses to start (it says which
-- columns to set) while the ZIP or the city is missing; the name falls back to the warehouse's
-- name, the second street line is optional. Blank text is refused rather than stored, so "not
-- set" has one spelling: NULL.
alter table warehouses
    add column ship_from_name     text check (btrim(ship_from_name) <> ''),
    add column ship_from_address1 text check (btrim(ship_from_address1) <> ''),
    add column ship_from_address2 text check (btrim(ship_from_address2) <> ''),
    add column ship_from_city     text check (btrim(ship_from_city) <> ''),
    add column ship_from_state    text check (btrim(ship_from_state) <> ''),
    add column ship_from_zip      text check (btrim(ship_from_zip) <> ''),
    -- ISO 3166 alpha-2, as labels print it; most warehouses ship from the US.
    add column ship_from_country  text default 'US' check (ship_from_country ~ '^[A-Z]{2}$'),
    -- The SSCC-18's first digit, which the company chooses: e.g. to keep apart the SSCCs of
    -- warehouses that share one company prefix but not one database (and so not one serial
    -- sequence). 0, what every warehouse used so far, unless set.
    add column sscc_extension_digit smallint not null default 0
        check (sscc_extension_digit between 0 and 9);
