-- What a carton's label says, kept with the carton, so that the shipment agrees with its labels.
--
--   * carrier_service_id: the service its label was made for (the tracking number is that
--     carrier's). The pack station sets it in the same transaction as aisle_add_carton
--     (src/db/shipments.rs, `add_carton`), and refuses a carton whose service differs from the
--     order's other live cartons at the station: one shipment, one carrier service.
--   * carton_number: "carton k of n" as its label says, so that a carton labelled after a void
--     takes a number no live carton of the order has.
--   * print_pending: the label was made and recorded but the printer did not take it. Set by
--     the station when the print fails, cleared when a print of it succeeds. A carton whose label
--     never printed must not leave: shipping refuses it until it is printed or voided.
--
-- Shipping (aisle_ship_order, migration 14) records the service the station asks for, or the
-- order's. A trigger on shipments makes the cartons' own service win, and refuses a shipment
-- whose live cartons disagree or wait for their label; the trigger runs inside
-- aisle_ship_order's transaction, so a refusal leaves nothing behind.

alter table cartons
    add column carrier_service_id integer references carrier_services,
    add column carton_number integer check (carton_number > 0),
    add column print_pending boolean not null default false;

create function pack_shipment_takes_cartons_service() returns trigger
language plpgsql as $$
declare
    v_services integer;
    v_service  integer;
    v_pending  text;
begin
    select count(distinct c.carrier_service_id), min(c.carrier_service_id)
      into v_services, v_service
      from cartons c
     where c.warehouse_id = new.warehouse_id and c.order_id = new.order_id
       and c.station_id = new.station_id and c.label_status = 'printed'
       and c.shipment_id is null;
    if v_services > 1 then
        raise exception 'the cartons of this order are labelled for different services: void those not labelled like the rest'
            using errcode = 'AS005';
    end if;
    select string_agg(c.sscc, ', ' order by c.id) into v_pending
      from cartons c
     where c.warehouse_id = new.warehouse_id and c.order_id = new.order_id
       and c.station_id = new.station_id and c.label_status = 'printed'
       and c.shipment_id is null and c.print_pending;
    if v_pending is not null then
        raise exception 'the label of carton % did not print: print it, or void it, before shipping', v_pending
            using errcode = 'AS005';
    end if;
    if v_service is not null then
        new.carrier_service_id := v_service;
    end if;
    return new;
end $$;

create trigger shipments_take_cartons_service
    before insert on shipments
    for each row execute function pack_shipment_takes_cartons_service();
