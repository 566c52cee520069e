-- Delivery of the outbox by several sync workers at once (issue 6).
--
-- A worker claims a message by marking it in flight under a lease (`lease_until`), commits, sends
-- outside any transaction, then records the outcome. `claims` counts the claims of a message and
-- is the fence of each one: an outcome is recorded only by the claim that is still current, so a
-- worker whose lease expired (and whose message another worker took) cannot overwrite the newer
-- claim's state. `claimed_by` names the worker that claimed it last, for the operator.
--
-- A stock figure upserted while in flight goes back to 'pending' with a new version but keeps the
-- live lease, so no second worker sends the newer figure before the first one has answered: the
-- figures of one (warehouse, channel, sku) are never sent out of order.

alter table outbox
    add column claimed_by text,
    add column claims     bigint not null default 0;

-- Claims look for leases that ran out (a worker that died) as well as for due messages.
create index outbox_leases on outbox (lease_until) where status = 'in_flight';
