//! The pack station's words. Short forms fit a 20-column fallback; long forms say what was
//! expected. The station is a desk terminal (80x24 and up), so the long forms are what packers
//! usually read.

use crate::Error;
use crate::app::notice::Notice;
use crate::station::StationError;

pub const PACK_TITLE: &str = "Pack station";
pub const PACK_TITLE_SHORT: &str = "Pack";
pub const MENU_PACK: &str = "Pack";

pub const PROMPT_STATION: &str = "Station";
pub const PROMPT_ORDER: &str = "Tote/order";
pub const PROMPT_UNIT: &str = "Item";
pub const PROMPT_LINE: &str = "Item/line";
pub const PROMPT_MISSING: &str = "Missing";
pub const PROMPT_BOX: &str = "Box";
pub const PROMPT_WEIGHT: &str = "Weight";
pub const PROMPT_NUMBER: &str = "No.";
pub const PROMPT_ENTER: &str = "Enter";

pub const KEY_SHORT: (&str, &str) = ("F2", "Short");
pub const KEY_SERVICE: (&str, &str) = ("F3", "Service");
pub const KEY_REPRINT: (&str, &str) = ("F5", "Reprint");
pub const KEY_VOID: (&str, &str) = ("F6", "Void");

pub const HELP_PACK: &[(&str, &str)] = &[
    ("Scan", "station, tote, each unit"),
    ("F2", "short: unit missing"),
    ("Box", "scan box; Enter: as suggested"),
    ("Weight", "key or scan the scale"),
    ("F3", "another service"),
    ("F5/F6", "reprint / void label"),
    ("Enter", "ship, retry a print"),
    ("Esc", "back; order kept"),
];

pub const SCAN_STATION: &str = "Scan the station's barcode";
pub const SCAN_STATION_DETAIL: &str = "It binds this terminal to the station's printer and scale.";
pub const BINDING: &str = "Binding station...";
pub const SCAN_ORDER: &str = "Scan a tote, or type the order number";
pub const OPENING: &str = "Opening order...";
pub const SCAN_UNITS: &str = "Scan every unit";
pub const SHORT_WHICH: &str = "Missing: scan the item, or key its line number";
pub const RATING: &str = "Asking the carriers...";
pub const RATE_FAILED: &str = "No rate: Enter asks the carriers again";
pub const LABELLING: &str = "Printing the label...";
pub const SHIPPING: &str = "Shipping...";
pub const SAVING: &str = "Saving...";
pub const BOX_BY_HAND: &str = "No carton suggested: scan the box you pack it in";
pub const READY_TO_SHIP: &str = "Every carton labelled: Enter ships";
pub const CHOOSE_SERVICE: &str = "Key the number of the service to use";
pub const CHOOSE_REPRINT: &str = "Reprint: key the carton's number";
pub const CHOOSE_VOID: &str = "Void: key the carton's number";

/// At the station prompt with a station already bound (Esc from the tote prompt).
pub fn rebind(code: &str) -> String {
    format!("Bound to {code}: scan another station, or Esc for the menu")
}

pub fn station_bound(code: &str, printer: &str) -> Notice {
    Notice::info(
        format!("At {code}"),
        format!("Bound to {code}: labels go to {printer}"),
    )
}

pub fn station_expected() -> Notice {
    Notice::error(
        "Scan the station",
        "Expected the station's barcode (a location code such as PACK-01)",
    )
}

pub fn station_refused(error: &Error) -> Notice {
    Notice::error("Not a station", format!("{error}"))
}

pub fn order_refused(error: &Error) -> Notice {
    Notice::error("Cannot open", format!("{error}"))
}

pub fn needs_database(what: &str) -> Notice {
    Notice::error(
        "Database away",
        format!("The database is away: {what} needs it; try again shortly"),
    )
}

pub fn wrong_item(scanned: &str) -> Notice {
    Notice::error(
        "Not in order",
        format!("Wrong item: {scanned} is not in this order; set it aside"),
    )
}

pub fn over_scan(sku: &str, expected: i32) -> Notice {
    Notice::error(
        format!("Over-scan {sku}"),
        format!("Over-scan: all {expected} {sku} are packed; set this one aside"),
    )
}

pub fn wrong_lot(sku: &str, scanned: &str, lots: &[String]) -> Notice {
    Notice::error(
        format!("Wrong lot {scanned}"),
        format!(
            "Wrong lot: {sku} lot {scanned} is not in the tote; expected {}",
            lots.join(" or ")
        ),
    )
}

pub fn unit_packed(sku: &str, packed: i32, expected: i32) -> Notice {
    Notice::info(
        format!("{sku} {packed}/{expected}"),
        format!("Packed {sku}: {packed} of {expected}"),
    )
}

pub fn pack_refused(error: &Error) -> Notice {
    Notice::error("Not packed", format!("Not packed: {error}"))
}

pub fn still_missing(units: i32) -> Notice {
    Notice::error(
        format!("{units} unit(s) missing"),
        format!("{units} unit(s) not scanned yet: scan them, or F2 to declare them missing"),
    )
}

pub fn line_expected(lines: usize) -> Notice {
    Notice::error(
        "Scan item or line",
        format!("Expected an item of this order or a line number from 1 to {lines}"),
    )
}

pub fn nothing_missing(sku: &str) -> Notice {
    Notice::error(
        format!("{sku} all packed"),
        format!("{sku} is all packed: nothing of it can be missing"),
    )
}

pub fn missing_expected(most: i32) -> Notice {
    Notice::error(
        format!("Key 1 to {most}"),
        format!("Expected how many units are missing: 1 to {most}"),
    )
}

pub fn shorted(sku: &str, reserved: i32, backordered: i32) -> Notice {
    Notice::info(
        format!("Short {sku} noted"),
        format!(
            "Short {sku}: {reserved} re-reserved, {backordered} backordered; the supervisor is told"
        ),
    )
}

pub fn waits_for_rest(reference: &str, sku: &str, station: &str) -> Notice {
    Notice::info(
        format!("{reference} waits"),
        format!("{reference} back to picking for {sku}; keep its units and tote at {station}"),
    )
}

pub fn short_refused(error: &Error) -> Notice {
    Notice::error("Short refused", format!("Short refused: {error}"))
}

pub fn order_emptied(reference: &str) -> Notice {
    Notice::info(
        format!("{reference} back to queue"),
        format!("Order {reference} has nothing left to pack here: it is back in the queue"),
    )
}

pub fn no_carton(error: &dyn std::fmt::Display) -> Notice {
    Notice::error("No carton fits", format!("No carton suggestion: {error}"))
}

pub fn rate_refused(error: &StationError) -> Notice {
    Notice::error("No rate", format!("No rate: {error}"))
}

pub fn carton_expected(suggested: &str, codes: &[String]) -> Notice {
    Notice::error(
        format!("Box {suggested}?"),
        format!(
            "Expected a carton code: {suggested} suggested, or one of {}",
            codes.join(" ")
        ),
    )
}

pub fn box_by_hand_expected(codes: &[String]) -> Notice {
    Notice::error(
        "Scan a box code",
        format!(
            "No suggestion here: scan the box you use, one of {}",
            codes.join(" ")
        ),
    )
}

pub fn carton_too_small(code: &str, suggested: &str) -> Notice {
    Notice::error(
        format!("{code} too small"),
        format!("The items do not fit in {code} (size or weight): use {suggested} or larger"),
    )
}

pub fn carton_overridden(code: &str, suggested: &str) -> Notice {
    Notice::info(
        format!("Box {code} used"),
        format!("Box {code} used instead of {suggested}: recorded"),
    )
}

pub fn weight_expected(unit: &str) -> Notice {
    Notice::error(
        format!("Key weight in {unit}"),
        format!("Expected the carton's weight in {unit} (digits, a point), or the scale's barcode"),
    )
}

pub fn weight_out(measured: &str, expected: &str, tolerance: &str) -> Notice {
    Notice::error(
        "Weight wrong: STOP",
        format!("STOP: {measured}, expected {expected} +/-{tolerance}: check contents, reweigh"),
    )
}

pub fn labelled(number: u32, count: u32, sscc: &str) -> Notice {
    Notice::info(
        format!("Label {number}/{count} out"),
        format!("Label printed: carton {number} of {count}, SSCC {sscc}"),
    )
}

pub fn label_refused(error: &StationError) -> Notice {
    Notice::error("No label", format!("No label: {error}"))
}

pub fn printer_down(sscc: &str) -> Notice {
    Notice::error(
        "Printer down: Enter",
        format!(
            "Printer down: carton {sscc} is saved, its label not printed; fix the printer, then Enter to print it"
        ),
    )
}

pub fn label_not_printed(sscc: &str) -> Notice {
    Notice::error(
        "Label not printed",
        format!("Label of {sscc} never printed: Enter prints it, F6 voids it"),
    )
}

pub fn reprinted(sscc: &str) -> Notice {
    Notice::info(format!("Reprinted {sscc}"), format!("Label {sscc} printed"))
}

pub fn voided(sscc: &str) -> Notice {
    Notice::info(
        format!("Voided {sscc}"),
        format!("Label {sscc} voided: destroy it; its units go in a new carton"),
    )
}

pub fn void_refused(error: &Error) -> Notice {
    Notice::error("Not voided", format!("Not voided: {error}"))
}

pub fn carton_number_expected(count: usize) -> Notice {
    Notice::error(
        format!("Key 1 to {count}"),
        format!("Expected a carton number from 1 to {count}"),
    )
}

pub fn service_number_expected(count: usize) -> Notice {
    Notice::error(
        format!("Key 1 to {count}"),
        format!("Expected a service number from 1 to {count}"),
    )
}

pub fn service_locked() -> Notice {
    Notice::error(
        "Labels printed",
        "A label is printed with this service: void it (F6) before choosing another",
    )
}

pub fn service_chosen(carrier: &str, service: &str) -> Notice {
    Notice::info(
        format!("{carrier} {service}"),
        format!("Shipping with {carrier} {service}"),
    )
}

pub fn shipped(reference: &str, cartons: i32, status: &str) -> Notice {
    Notice::info(
        format!("Shipped {reference}"),
        format!("Shipped {reference}: {cartons} carton(s), order {status}. Scan the next tote"),
    )
}

pub fn ship_refused(error: &Error) -> Notice {
    Notice::error("Not shipped", format!("Not shipped: {error}"))
}

pub fn enter_expected() -> Notice {
    Notice::error("Press Enter", "Expected Enter alone here")
}

pub fn line_of(packed: i32, expected: i32) -> String {
    format!("{packed}/{expected}")
}

pub fn carton_of(number: u32, count: u32) -> String {
    format!("Carton {number} of {count}")
}
