//! Carton labels: the SSCC-18 that identifies each carton, the 4×6 in ZPL shipping label that
//! carries it as GS1-128, and sending that label to the station's printer (raw TCP, port 9100)
//! or to a directory when the station has none.
//!
//! The SSCC and the ZPL are pure; only [`printer`] does I/O. A label that cannot be printed is
//! handed back in the error, never dropped.

pub mod printer;
pub mod sscc;
pub mod zpl;

pub use printer::{
    DEFAULT_PRINTER_PORT, LabelSink, PrintFailure, Printed, PrinterError, PrinterTimeouts, print,
    print_with,
};
pub use sscc::{CompanyPrefix, SsccError, SsccScheme, compose_sscc, human_readable};
pub use zpl::{
    Address, CartonLabel, Code128, FieldKind, LabelError, ParsedField, ParsedLabel, ShippingLabel,
    ZplError, build_label, parse_fields,
};
