//! What the operator meant, whether they pressed a key or a scanner typed a burst: the keymap
//! turns keys into actions, so screens never see raw keys.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The line being typed or scanned changed (a character, a group separator, a backspace).
    Edited,
    /// A completed line: a scan ended by its Enter suffix, or what the operator typed.
    Submit(String),
    /// Esc: leave this step or screen.
    Back,
    /// F1: show or hide the keys of this screen.
    Help,
    /// F2 to F6: the screen's own keys, shown in its key hints (F2 short pick).
    Function(u8),
    /// PgUp, F7 or Up.
    PageUp,
    /// PgDn, F8 or Down.
    PageDown,
    /// Ctrl+C or Ctrl+Q: leave aisle.
    Quit,
}
