//! Every word the operator reads, in one place (as gitui keeps its strings), so that wording can
//! be reviewed, kept consistent and later translated. Short forms fit the 20-column handheld;
//! long forms say what was expected.

use crate::Error;
use crate::app::notice::Notice;
use crate::domain::availability::AllocationRule;
use crate::domain::role::Role;

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

pub fn badge_locked_explained(badge: &str, seconds: i64) -> String {
    format!(
        "Badge {badge} is locked for {seconds}s after 3 wrong PINs. A supervisor can unlock it."
    )
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

pub fn published(quantity: i32, status: &str) -> String {
    format!("{quantity} {status}")
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

// Key hints for the footer: (key, what it does).
pub const KEY_HELP: (&str, &str) = ("F1", "Help");
pub const KEY_BACK: (&str, &str) = ("Esc", "Back");
pub const KEY_PAGE: (&str, &str) = ("PgUp/PgDn", "Page");
pub const KEY_QUIT: (&str, &str) = ("^C", "Quit");

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

/// What a library error means to the operator at the terminal.
pub fn error_notice(error: &Error) -> Notice {
    match error {
        Error::UnknownBadge(badge) => Notice::error(
            format!("No badge {badge}"),
            format!("No badge {badge}: scan your own badge"),
        ),
        Error::WrongPin { attempts_left, .. } => Notice::error(
            format!("Wrong PIN: {attempts_left} left"),
            format!("Wrong PIN: {attempts_left} attempt(s) left before the badge locks"),
        ),
        Error::BadgeLocked { badge, seconds } => Notice::error(
            format!("Locked {seconds}s"),
            format!("Badge {badge} locked for {seconds}s: a supervisor can unlock it"),
        ),
        Error::BadgeInactive { badge } => Notice::error(
            "Badge inactive",
            format!("Badge {badge} is inactive: see a supervisor"),
        ),
        Error::NotAllowed { needs, .. } => {
            Notice::error("Not allowed", format!("Not allowed: it needs {needs}"))
        }
        Error::UnknownSku(_) | Error::UnknownLocation(_) | Error::Invalid(_) => {
            Notice::error("Not accepted", error.to_string())
        }
        _ => Notice::error(
            "Not done: try again",
            "Not done: the database did not answer; try again",
        ),
    }
}
