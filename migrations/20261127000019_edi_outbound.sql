-- Outbound EDI (846 inventory advice, 856 ship notices): each message's control numbers and
-- rendered file, recorded before the file is written. A resend of the same message (a worker
-- killed between writing the file and recording the delivery, a lease taken over) finds its row
-- and rewrites the identical file under the same name, instead of taking new numbers from the
-- partner's sequence (`edi_control_numbers`) and sending the partner a second 856 for the same
-- shipment under another control number.
--
-- `message_key` names the message: `856:<warehouse>:<outbox id>` for a shipment, and for an 846
-- the stock figures it carries (`846:` then `<warehouse>:<outbox id>@<version>` per figure), so
-- that a figure upserted meanwhile makes a new message with new numbers.
create table edi_outbound (
    channel_id      integer not null references channels,
    message_key     text not null,
    transaction_set text not null check (transaction_set in ('846', '856')),
    interchange     bigint not null check (interchange between 1 and 999999999),
    group_control   bigint not null check (group_control between 1 and 999999999),
    set_control     bigint not null check (set_control between 1 and 999999999),
    file_name       text not null,
    content         text not null,
    created_at      timestamptz not null default now(),
    -- When the file was last written into the partner's outbound directory.
    written_at      timestamptz,
    primary key (channel_id, message_key)
);
