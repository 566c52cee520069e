//! Every word the operator reads, in one place (as gitui keeps its strings), so that wording can
//! be reviewed, kept consistent and later translated. Short forms fit the 20-column handheld;
//! long forms say what was expected.

use crate::Error;
use crate::app::notice::Notice;
use crate::domain::availability::AllocationRule;
use crate::domain::barcode::BarcodeError;
use crate::domain::gs1::Gs1Error;
use crate::domain::pick_work::WorkKind;
use crate::domain::role::Role;
use crate::domain::scan::ScanError;

pub mod pack;

pub const APP_NAME: &str = "aisle";

pub fn too_small(min_width: u16, min_height: u16) -> String {
    format!("Screen too small: need at least {min_width}x{min_height}")
}

// Screen titles: long, then short for narrow headers.
pub const LOGIN_TITLE: &str = "Log in";
pub const MENU_TITLE: &str = "Menu";
pub const INQUIRY_TITLE: &str = "Item inquiry";
pub const INQUIRY_TITLE_SHORT: &str = "Inquiry";
pub const UNLOCK_TITLE: &str = "Unlock badge";
pub const UNLOCK_TITLE_SHORT: &str = "Unlock";
pub const HELP_TITLE: &str = "Keys";

// Input prompts (kept short: they share the input row with what is typed).
pub const PROMPT_BADGE: &str = "Badge";
pub const PROMPT_PIN: &str = "PIN";
pub const PROMPT_CHOICE: &str = "No.";
pub const PROMPT_SCAN: &str = "Scan";
pub const BUSY: &str = "wait";

// Login.
pub const SCAN_BADGE: &str = "Scan your badge";
pub const ENTER_PIN: &str = "Enter your PIN";
pub const CHECKING_BADGE: &str = "Checking badge...";
pub const CHECKING_PIN: &str = "Checking PIN...";

pub fn badge_of(badge: &str) -> String {
    format!("Badge {badge}")
}

/// Under the badge prompt while a badge is locked, counting down.
pub fn badge_locked_explained(badge: &str, seconds_left: u64) -> String {
    format!("Badge {badge} is locked for {seconds_left}s more. A supervisor can unlock it.")
}

// Menu.
pub const MENU_INQUIRY: &str = "Item inquiry";
pub const MENU_UNLOCK: &str = "Unlock badge";
pub const MENU_LOG_OUT: &str = "Log out";
pub const CHOOSE: &str = "Press or scan a number";

pub fn operator_line(name: &str, role: Role) -> String {
    format!("{name} ({role})")
}

// Item inquiry.
pub const SCAN_ITEM: &str = "Scan an item or location";
pub const SCAN_ITEM_DETAIL: &str = "SKU code, UPC/EAN/GTIN, GS1-128 (01) or location code";
pub const LOOKING_UP: &str = "Looking up...";
pub const ON_HAND: &str = "On hand";
pub const ON_HAND_SHORT: &str = "OH";
pub const SELLABLE: &str = "Sellable";
pub const SELLABLE_SHORT: &str = "Sell";
pub const RESERVED: &str = "Reserved";
pub const RESERVED_SHORT: &str = "Res";
pub const AVAILABLE: &str = "Available";
pub const AVAILABLE_SHORT: &str = "Avail";
pub const BARCODES: &str = "Barcodes";
pub const STOCK: &str = "Stock";
pub const CHANNELS: &str = "Channels";
pub const NO_STOCK: &str = "No stock on hand";
pub const NO_CHANNELS: &str = "Not listed on any channel";
pub const COLUMN_LOCATION: &str = "Location";
pub const COLUMN_KIND: &str = "Kind";
pub const COLUMN_LOT: &str = "Lot";
pub const COLUMN_EXPIRY: &str = "Expiry";
pub const COLUMN_QTY: &str = "Qty";
pub const COLUMN_SKU: &str = "SKU";
pub const COLUMN_NAME: &str = "Name";
pub const COLUMN_CHANNEL: &str = "Channel";
pub const COLUMN_FIGURE: &str = "ATS";
pub const COLUMN_RULE: &str = "Rule";
pub const COLUMN_PUBLISHED: &str = "Sent";
pub const COLUMN_STATUS: &str = "Status";
pub const COLUMN_CHANNEL_SKU: &str = "Channel SKU";
pub const COLUMN_UNITS: &str = "Units";
pub const LOCATION_HOLDS: &str = "Holds";
pub const LOCATION_EMPTY: &str = "Empty";
pub const INACTIVE: &str = "inactive";

pub fn lot_line(lot: &str, expiry: Option<&str>) -> String {
    match (lot.is_empty(), expiry) {
        (false, Some(expiry)) => format!("lot {lot} exp {expiry}"),
        (false, None) => format!("lot {lot}"),
        (true, Some(expiry)) => format!("exp {expiry}"),
        (true, None) => String::new(),
    }
}

/// A listing's rule, tersely: `100%`, `80% -2`, `100% cap 50`.
pub fn rule(rule: &AllocationRule) -> String {
    let mut text = format!("{}%", rule.share_pct);
    if rule.buffer > 0 {
        text.push_str(&format!(" -{}", rule.buffer));
    }
    if let Some(cap) = rule.cap {
        text.push_str(&format!(" cap {cap}"));
    }
    text
}

/// A section heading repeated at the top of a page it runs on to.
pub fn continued(heading: &str) -> String {
    format!("{heading} (cont.)")
}

// What a scanned label said, pinned above the stock.
pub const SCANNED: &str = "Scanned:";
pub const SCANNED_SHORT: &str = "Scan:";

/// A case barcode: how many eaches one scan counts.
pub fn scanned_case(units: i32) -> String {
    format!("case x{units}")
}

/// GS1 (37): trade items in the scanned unit.
pub fn scanned_count(count: u32) -> String {
    format!("count {count}")
}

/// The scanned lot and where it is on hand (`more` other places too).
pub fn scanned_lot_at(lot: &str, location: &str, more: usize) -> String {
    if more > 0 {
        format!("lot {lot} in {location} +{more}")
    } else {
        format!("lot {lot} in {location}")
    }
}

pub fn scanned_lot(lot: &str) -> String {
    format!("lot {lot}")
}

pub fn scanned_lot_missing(lot: &str) -> String {
    format!("lot {lot} not on hand")
}

pub fn scanned_expiry(expiry: &str) -> String {
    format!("exp {expiry}")
}

pub fn case_of(units: i32) -> String {
    format!("x{units}")
}

pub fn page(page: usize, pages: usize) -> String {
    format!("page {page}/{pages}")
}

pub fn page_short(page: usize, pages: usize) -> String {
    format!("{page}/{pages}")
}

// Unlock.
pub const SCAN_BADGE_TO_UNLOCK: &str = "Scan the badge to unlock";
pub const UNLOCKING: &str = "Unlocking...";
pub const UNLOCKED_HERE: &str = "Unlocked so far";
pub const LOCKED_NOW: &str = "Locked now";

/// Seconds left, tersely: `42s`.
pub fn seconds(seconds: u64) -> String {
    format!("{seconds}s")
}

// Key hints for the footer: (key, what it does).
pub const KEY_HELP: (&str, &str) = ("F1", "Help");
pub const KEY_BACK: (&str, &str) = ("Esc", "Back");
pub const KEY_PAGE: (&str, &str) = ("PgUp/PgDn", "Page");
pub const KEY_QUIT: (&str, &str) = ("^C", "Quit");
pub const KEY_CLOSE: (&str, &str) = ("Esc", "Close");
/// Paging hints for footers too narrow for [`KEY_PAGE`].
pub const KEY_MORE: (&str, &str) = ("F8", "More");
pub const KEY_PREVIOUS: (&str, &str) = ("F7", "Prev");

/// Before an error on the message line when there is no colour, so that it cannot be taken for
/// the key-hint bar (both are reverse video).
pub const ERROR_MARK: &str = "! ";

/// Each screen's own keys, for the help panel. Kept short: the panel must fit a 20x16 handheld.
pub const HELP_LOGIN: &[(&str, &str)] = &[
    ("Scan", "badge, then PIN"),
    ("PIN", "3 wrong: locked 1 min"),
];
pub const HELP_MENU: &[(&str, &str)] = &[("1-9", "press or scan")];
pub const HELP_INQUIRY: &[(&str, &str)] = &[("Scan", "item, SKU, location")];
pub const HELP_UNLOCK: &[(&str, &str)] = &[("Scan", "the locked badge")];

/// The keys every screen shares, for the help panel.
pub const HELP_COMMON: &[(&str, &str)] = &[
    ("Enter", "end a line"),
    ("Bksp", "erase"),
    ("Esc", "clear, then back"),
    ("PgUp/Dn", "page (F7/F8)"),
    ("F1", "keys on/off"),
    ("Ctrl+C", "quit"),
];

// Notices: (short, long).
pub fn logged_out() -> Notice {
    Notice::info("Logged out", "Logged out: scan a badge to log in")
}

pub fn signed_in(name: &str) -> Notice {
    Notice::info(format!("Hello {name}"), format!("Logged in as {name}"))
}

pub fn not_a_badge() -> Notice {
    Notice::error(
        "Not a badge",
        "Expected a badge: up to 32 letters, digits, '.', '_' or '-'",
    )
}

pub fn item_barcode_not_badge() -> Notice {
    Notice::error(
        "Item, not a badge",
        "That is an item barcode: scan your badge",
    )
}

pub fn carton_label_not_badge() -> Notice {
    Notice::error(
        "Carton, not a badge",
        "That is a carton label: scan your badge",
    )
}

pub fn lock_ended(badge: &str) -> Notice {
    Notice::info(
        "Lock ended",
        format!("Badge {badge} is no longer locked: scan it to log in"),
    )
}

/// Lines typed ahead that a refusal made meaningless.
pub fn discarded(count: usize) -> Notice {
    let scans = if count == 1 { "scan" } else { "scans" };
    Notice::info(
        format!("{count} {scans} discarded"),
        format!("{count} {scans} discarded: scan again"),
    )
}

pub fn pin_expected() -> Notice {
    Notice::error("PIN is 4-8 digits", "Expected a PIN of 4 to 8 digits")
}

pub fn menu_expected(entries: usize) -> Notice {
    Notice::error(
        format!("Choose 1-{entries}"),
        format!("Expected a menu number from 1 to {entries}"),
    )
}

pub fn no_item(code: &str) -> Notice {
    Notice::error(
        format!("No item {code}"),
        format!("No item {code}: expected a SKU code or barcode on file"),
    )
}

pub fn no_location(code: &str) -> Notice {
    Notice::error(
        format!("No location {code}"),
        format!("No location {code} in this warehouse"),
    )
}

pub fn no_item_or_location(code: &str) -> Notice {
    Notice::error(
        format!("No item {code}"),
        format!("No item or location {code}: expected a SKU, barcode or location code"),
    )
}

pub fn carton_label_not_item() -> Notice {
    Notice::error(
        "Carton label (SSCC)",
        "That is a carton label (SSCC): scan an item or a location",
    )
}

pub fn gs1_without_gtin() -> Notice {
    Notice::error(
        "No GTIN (01)",
        "Expected a GS1 barcode carrying a GTIN (01)",
    )
}

pub fn not_locked(badge: &str) -> Notice {
    Notice::info(
        format!("{badge} not locked"),
        format!("Badge {badge} was not locked: nothing to do"),
    )
}

pub fn unlocked(badge: &str) -> Notice {
    Notice::info(
        format!("Unlocked {badge}"),
        format!("Badge {badge} unlocked"),
    )
}

/// Why a badge scanned to be unlocked was not: unlock wording, not login wording.
pub fn unlock_refused(badge: &str, error: &Error) -> Notice {
    match error {
        Error::UnknownBadge(_) => Notice::error(
            format!("No badge {badge}"),
            format!("No badge {badge} on file: nothing to unlock"),
        ),
        Error::NotAllowed { needs, .. } => Notice::error(
            format!("Needs {needs}"),
            format!("Only {needs} can unlock badge {badge}"),
        ),
        other => error_notice(other),
    }
}

/// Why a scan was refused before it reached the database.
pub fn scan_refused(error: &ScanError) -> Notice {
    let long = match error {
        ScanError::Empty | ScanError::Barcode(BarcodeError::Empty) => {
            "Nothing scanned: scan again".to_string()
        }
        ScanError::Barcode(barcode) => format!("Not a valid barcode: {}", barcode_problem(barcode)),
        ScanError::Gs1(gs1) => format!("Not a valid GS1 barcode: {}", gs1_problem(gs1)),
    };
    Notice::error(scan_refused_short(error), long)
}

/// At most 20 columns, for the smallest handhelds.
fn scan_refused_short(error: &ScanError) -> &'static str {
    match error {
        ScanError::Empty | ScanError::Barcode(BarcodeError::Empty) => "Nothing scanned",
        ScanError::Barcode(BarcodeError::CheckDigit { .. })
        | ScanError::Gs1(Gs1Error::BadKey { .. }) => "Bad check digit",
        ScanError::Barcode(BarcodeError::WrongLength { .. }) => "Wrong barcode length",
        ScanError::Barcode(BarcodeError::NotDigits { .. }) => "Not an EAN/UPC",
        ScanError::Barcode(BarcodeError::UpcENumberSystem { .. }) => "Not a UPC-E",
        ScanError::Gs1(Gs1Error::UnknownAi { .. }) => "Unknown GS1 AI",
        ScanError::Gs1(Gs1Error::BadDate { .. }) => "Bad date in barcode",
        ScanError::Gs1(Gs1Error::WrongLength { .. } | Gs1Error::TooLong { .. }) => {
            "Bad GS1 field length"
        }
        ScanError::Gs1(Gs1Error::EmptyValue { .. }) => "Empty GS1 field",
        ScanError::Gs1(Gs1Error::Repeated { .. }) => "Conflicting GS1 data",
        ScanError::Gs1(
            Gs1Error::Empty
            | Gs1Error::Bracket { .. }
            | Gs1Error::NotDigits { .. }
            | Gs1Error::BadCharacter { .. },
        ) => "Bad GS1 barcode",
    }
}

fn barcode_problem(error: &BarcodeError) -> String {
    match error {
        BarcodeError::Empty => "nothing scanned".to_string(),
        BarcodeError::NotDigits { found } => format!("expected digits only, found {found:?}"),
        BarcodeError::WrongLength { expected, got } => {
            format!("expected {expected} digits, got {got}")
        }
        BarcodeError::CheckDigit { expected, found } => {
            format!("check digit should be {expected}, not {found} (scan again)")
        }
        BarcodeError::UpcENumberSystem { found } => {
            format!("expected a UPC-E starting with 0 or 1, not {found}")
        }
    }
}

fn gs1_problem(error: &Gs1Error) -> String {
    match error {
        Gs1Error::Empty => "nothing scanned".to_string(),
        Gs1Error::UnknownAi { ai } => format!("({ai}) is not an AI this warehouse reads"),
        Gs1Error::Bracket { found } => {
            format!("expected an AI in brackets, like (01), got {found:?}")
        }
        Gs1Error::EmptyValue { ai } => format!("({ai}) is empty"),
        Gs1Error::WrongLength { ai, expected, got } => {
            format!("({ai}) should be {expected} digits, got {got}")
        }
        Gs1Error::TooLong { ai, max, got } => {
            format!("({ai}) allows {max} characters, got {got}: GS separator missing?")
        }
        Gs1Error::NotDigits { ai, value } => format!("({ai}) should be digits, got {value:?}"),
        Gs1Error::BadCharacter { ai, found } => format!("({ai}) holds {found:?}, not allowed"),
        Gs1Error::BadDate { ai, value } => format!("({ai}) {value} is not a date (YYMMDD)"),
        Gs1Error::BadKey { ai, reason } => format!("({ai}) {}", barcode_problem(reason)),
        Gs1Error::Repeated { ai } => format!("({ai}) appears twice with different values"),
    }
}

/// What a library error means to the operator at the terminal.
pub fn error_notice(error: &Error) -> Notice {
    match error {
        Error::UnknownBadge(badge) => Notice::error(
            format!("No badge {badge}"),
            format!("No badge {badge}: scan your own badge"),
        ),
        Error::WrongPin { attempts_left, .. } => {
            let attempts = if *attempts_left == 1 {
                "attempt"
            } else {
                "attempts"
            };
            Notice::error(
                format!("Wrong PIN: {attempts_left} left"),
                format!("Wrong PIN: {attempts_left} {attempts} left before the badge locks"),
            )
        }
        Error::BadgeLocked { badge, .. } => Notice::error(
            "Badge locked",
            format!("Badge {badge} is locked: a supervisor can unlock it"),
        ),
        Error::BadgeInactive { badge } => Notice::error(
            "Badge inactive",
            format!("Badge {badge} is inactive: see a supervisor"),
        ),
        Error::NotAllowed { needs, .. } => {
            Notice::error("Not allowed", format!("Not allowed: it needs {needs}"))
        }
        Error::UnknownSku(code) => Notice::error(
            format!("No item {code}"),
            format!("No item {code}: expected a SKU code or barcode on file"),
        ),
        Error::UnknownLocation(code) => no_location(code),
        Error::Invalid(detail) => Notice::error("Not accepted", format!("Not accepted: {detail}")),
        _ => Notice::error(
            "Not done: try again",
            "Not done: the database did not answer; try again",
        ),
    }
}

// Picking.
pub const MENU_PICK: &str = "Pick";
pub const PICK_TITLE: &str = "Picking";
pub const PICK_TITLE_SHORT: &str = "Pick";
pub const PROMPT_TOTE: &str = "Tote";
pub const PROMPT_LOCATION: &str = "Loc";
pub const PROMPT_ITEM: &str = "Item";
pub const PROMPT_QTY: &str = "Qty";
pub const PROMPT_TO: &str = "To";
pub const PROMPT_FOUND: &str = "In bin";
pub const PROMPT_ENTER: &str = "Enter";
pub const GETTING_WORK: &str = "Getting work...";
pub const NO_WORK: &str = "No work waiting";
pub const NO_WORK_DETAIL: &str = "Enter: ask again";
pub const BUILD_CART: &str = "Build the cart";
pub const GO_TO: &str = "Go to";
pub const SCAN_LOCATION: &str = "Scan the location";
pub const SCAN_THE_ITEM: &str = "Scan the item";
pub const SCAN_OR_KEY_QTY: &str = "Scan or key qty";
pub const SCAN_EACH: &str = "Scan each unit";
pub const SCAN_TOTE: &str = "Scan the tote";
pub const SCAN_DESTINATION: &str = "Scan the bin";
pub const KEY_FOUND: &str = "Key units in the bin";
pub const SAVING: &str = "Saving...";
pub const BATCH_DONE: &str = "Batch done";
pub const BATCH_DONE_DETAIL: &str = "Take the cart to packing. Enter: next batch";
pub const KEY_SHORT: (&str, &str) = ("F2", "Short");
pub const HELP_PICK: &[(&str, &str)] = &[
    ("Scan", "tote, loc, item, tote"),
    ("Digits", "quantity, if allowed"),
    ("F2", "short: bin holds less"),
    ("Esc", "menu; batch kept"),
];

pub fn task_of(position: usize, count: usize) -> String {
    format!("Task {position}/{count}")
}

pub fn task_of_short(position: usize, count: usize) -> String {
    format!("{position}/{count}")
}

pub fn units_left(units: i32) -> String {
    format!("{units} left")
}

pub fn slot_of(slot: i32, slots: usize) -> String {
    format!("Slot {slot} of {slots}")
}

pub fn order_ref(order: &str) -> String {
    format!("Order {order}")
}

pub fn quantity_to(quantity: i32, to: &str) -> String {
    format!("Qty {quantity} -> {to}")
}

pub fn counted(counted: i32, quantity: i32) -> String {
    format!("Counted {counted}/{quantity}")
}

pub fn lot_required(lot: &str) -> String {
    format!("Lot {lot}")
}

pub fn kind_label(kind: WorkKind) -> &'static str {
    match kind {
        WorkKind::Pick => "Pick",
        WorkKind::Replenish => "Replenish",
        WorkKind::PutBack => "Put back",
    }
}

pub fn offline(waiting: usize) -> String {
    format!("OFFLINE {waiting} waiting")
}

pub fn offline_short(waiting: usize) -> String {
    format!("OFFLINE {waiting}")
}

pub fn wrong_location(expected: &str) -> Notice {
    Notice::error(
        format!("Expect {expected}"),
        format!("Wrong location: expected {expected}"),
    )
}

pub fn location_first(expected: &str) -> Notice {
    Notice::error(
        "Scan location first",
        format!("Scan the location {expected} first, then the item"),
    )
}

pub fn wrong_item(sku: &str) -> Notice {
    Notice::error(
        format!("Expect {sku}"),
        format!("Wrong item: expected {sku}"),
    )
}

pub fn lot_needed(lot: &str) -> Notice {
    Notice::error(
        format!("Scan lot {lot}"),
        format!("Lot-controlled: scan the GS1 label with lot {lot}"),
    )
}

pub fn wrong_lot(expected: &str, scanned: &str) -> Notice {
    Notice::error(
        format!("Wrong lot {scanned}"),
        format!("Wrong lot: expected {expected}, scanned {scanned}"),
    )
}

pub fn over_pick(left: i32) -> Notice {
    Notice::error(
        format!("Over-pick: {left} left"),
        format!("Over-pick: this task needs {left} more, not that many"),
    )
}

pub fn scan_each_unit() -> Notice {
    Notice::error(
        "Scan each unit",
        "This item is counted by scanning each unit: keying is off",
    )
}

pub fn quantity_expected(left: i32) -> Notice {
    Notice::error(
        format!("Qty 1-{left}"),
        format!("Expected a quantity from 1 to {left}"),
    )
}

pub fn count_item_first() -> Notice {
    Notice::error(
        "Scan the item first",
        "Scan the item first: then key or scan the quantity",
    )
}

pub fn wrong_tote(expected: &str) -> Notice {
    Notice::error(
        format!("Expect {expected}"),
        format!("Wrong tote: expected {expected}"),
    )
}

pub fn wrong_destination(expected: &str) -> Notice {
    Notice::error(
        format!("Expect {expected}"),
        format!("Wrong destination: expected {expected}"),
    )
}

pub fn tote_expected() -> Notice {
    Notice::error("Scan a tote", "Expected a tote label such as TOTE-0001")
}

pub fn tote_in_cart(tote: &str) -> Notice {
    Notice::error(
        "Tote already used",
        format!("{tote} is already on this cart: take an empty tote"),
    )
}

pub fn found_expected(left: i32) -> Notice {
    Notice::error(
        format!("Key 0-{}", left - 1),
        format!("Key how many units the bin holds, 0 to {}", left - 1),
    )
}

pub fn tote_bound(tote: &str, slot: i32) -> Notice {
    Notice::info(
        format!("{tote} slot {slot}"),
        format!("{tote} carries slot {slot}"),
    )
}

pub fn confirmed(quantity: i32, to: &str) -> Notice {
    Notice::info(
        format!("{quantity} -> {to}"),
        format!("{quantity} confirmed into {to}"),
    )
}

pub fn queued(waiting: usize) -> Notice {
    Notice::info(
        format!("Saved: {waiting} wait"),
        format!("Database away: saved on the terminal, {waiting} waiting; go on"),
    )
}

pub fn shorted() -> Notice {
    Notice::info(
        "Short recorded",
        "Short recorded: the rest goes to another bin or the backorder",
    )
}

pub fn replayed(applied: usize) -> Notice {
    Notice::info(
        format!("Back online: {applied}"),
        format!("Back online: {applied} saved confirms sent"),
    )
}

pub fn replay_exceptions(detail: &[String]) -> Notice {
    Notice::error(
        format!("{} not applied", detail.len()),
        format!(
            "{} saved confirms could not apply, sent to the supervisor: {}",
            detail.len(),
            detail.join("; ")
        ),
    )
}

pub fn enter_for_work() -> Notice {
    Notice::error(
        "Press Enter",
        "Press Enter to get work; nothing is waiting for a scan",
    )
}

pub fn taken_over() -> Notice {
    Notice::error(
        "Batch taken over",
        "This batch is no longer yours (lease expired): get work again",
    )
}

pub fn needs_database(what: &str) -> Notice {
    Notice::error(
        "Database away",
        format!("The database is away: {what} needs it; try again shortly"),
    )
}

pub fn pick_refused(error: &Error) -> Notice {
    Notice::error("Not applied", format!("Not applied: {error}"))
}
