//! Keys to actions. A keyboard-wedge scanner types a burst of characters ending in Enter, so
//! every printable key goes into one line until Enter, Ctrl+J (a bare line feed in raw mode) or
//! Tab (some scanners' suffix) completes it. GS1's group separator arrives as Ctrl+5 (legacy
//! encoding of 0x1D) or Ctrl+] (kitty keyboard protocol) and is kept in the line as `\x1d`.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::Action;
use crate::domain::gs1::GS;

/// Longer lines are not scans anyone makes; the rest of a runaway burst is dropped.
pub const MAX_LINE: usize = 128;

/// The line being typed or scanned, and the rules that turn keys into actions.
#[derive(Default, Clone, PartialEq, Eq)]
pub struct Keymap {
    line: String,
}

/// The line may be a PIN being typed: debug output gives its length only.
impl std::fmt::Debug for Keymap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keymap")
            .field("line_chars", &self.line.chars().count())
            .finish()
    }
}

impl Keymap {
    pub fn line(&self) -> &str {
        &self.line
    }

    /// Empties the line (a screen took what was typed as a hot key, or the operator left).
    pub fn clear(&mut self) {
        self.line.clear();
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Option<Action> {
        // Release events come only under the kitty protocol or on Windows: one press, one action.
        if key.kind == KeyEventKind::Release {
            return None;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::Enter | KeyCode::Tab => Some(self.submit()),
            KeyCode::Char('j' | 'm') if ctrl => Some(self.submit()),
            KeyCode::Char('\n' | '\r') => Some(self.submit()),
            KeyCode::Char('5' | ']') if ctrl => self.push(GS),
            KeyCode::Char('c' | 'q') if ctrl => Some(Action::Quit),
            KeyCode::Char('u') if ctrl => {
                self.line.clear();
                Some(Action::Edited)
            }
            KeyCode::Char(_) if ctrl || alt => None,
            KeyCode::Char(c) => self.push(c),
            KeyCode::Backspace => self.line.pop().map(|_| Action::Edited),
            // Esc first abandons a half-typed line, then leaves the step.
            KeyCode::Esc if !self.line.is_empty() => {
                self.line.clear();
                Some(Action::Edited)
            }
            KeyCode::Esc => Some(Action::Back),
            KeyCode::F(1) => Some(Action::Help),
            KeyCode::F(n @ 2..=6) => Some(Action::Function(n)),
            KeyCode::PageUp | KeyCode::Up | KeyCode::F(7) => Some(Action::PageUp),
            KeyCode::PageDown | KeyCode::Down | KeyCode::F(8) => Some(Action::PageDown),
            _ => None,
        }
    }

    /// Pasted text is typed character by character; line breaks in it complete lines, so a
    /// paste of several scans gives several submits.
    pub fn on_paste(&mut self, text: &str) -> Vec<Action> {
        let mut actions = Vec::new();
        let mut pending_cr = false;
        for c in text.chars() {
            match c {
                '\n' if pending_cr => pending_cr = false,
                '\r' | '\n' => {
                    pending_cr = c == '\r';
                    actions.push(self.submit());
                }
                c => {
                    pending_cr = false;
                    if let Some(action) = self.push(c)
                        && actions.last() != Some(&Action::Edited)
                    {
                        actions.push(action);
                    }
                }
            }
        }
        actions
    }

    fn submit(&mut self) -> Action {
        Action::Submit(std::mem::take(&mut self.line))
    }

    fn push(&mut self, c: char) -> Option<Action> {
        // Other control characters are noise from a misconfigured wedge; GS is data.
        if (c.is_control() && c != GS) || self.line.chars().count() >= MAX_LINE {
            return None;
        }
        self.line.push(c);
        Some(Action::Edited)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    fn type_text(keymap: &mut Keymap, text: &str) {
        for c in text.chars() {
            assert_eq!(keymap.on_key(key(KeyCode::Char(c))), Some(Action::Edited));
        }
    }

    #[test]
    fn a_gs1_scan_burst_with_ctrl_5_becomes_one_line_with_gs() {
        let mut keymap = Keymap::default();
        type_text(&mut keymap, "]C10109506000134352");
        assert_eq!(keymap.on_key(ctrl('5')), Some(Action::Edited));
        type_text(&mut keymap, "10LOT7");
        assert_eq!(keymap.on_key(ctrl(']')), Some(Action::Edited));
        type_text(&mut keymap, "3712");
        assert_eq!(
            keymap.on_key(key(KeyCode::Enter)),
            Some(Action::Submit(
                "]C10109506000134352\u{1d}10LOT7\u{1d}3712".into()
            ))
        );
        assert_eq!(keymap.line(), "");
    }

    #[test]
    fn line_feed_tab_and_ctrl_j_end_a_line_too() {
        let mut keymap = Keymap::default();
        type_text(&mut keymap, "A1");
        assert_eq!(keymap.on_key(ctrl('j')), Some(Action::Submit("A1".into())));
        type_text(&mut keymap, "B2");
        assert_eq!(
            keymap.on_key(key(KeyCode::Char('\n'))),
            Some(Action::Submit("B2".into()))
        );
        type_text(&mut keymap, "C3");
        assert_eq!(
            keymap.on_key(key(KeyCode::Tab)),
            Some(Action::Submit("C3".into()))
        );
    }

    #[test]
    fn backspace_edits_and_esc_clears_before_going_back() {
        let mut keymap = Keymap::default();
        type_text(&mut keymap, "P10011");
        assert_eq!(keymap.on_key(key(KeyCode::Backspace)), Some(Action::Edited));
        assert_eq!(keymap.line(), "P1001");
        assert_eq!(keymap.on_key(key(KeyCode::Esc)), Some(Action::Edited));
        assert_eq!(keymap.line(), "");
        assert_eq!(keymap.on_key(key(KeyCode::Esc)), Some(Action::Back));
        assert_eq!(keymap.on_key(key(KeyCode::Backspace)), None);
    }

    #[test]
    fn releases_other_controls_and_runaway_lines_are_ignored() {
        let mut keymap = Keymap::default();
        let mut release = key(KeyCode::Char('x'));
        release.kind = KeyEventKind::Release;
        assert_eq!(keymap.on_key(release), None);
        assert_eq!(keymap.on_key(ctrl('4')), None);
        assert_eq!(keymap.on_key(ctrl('c')), Some(Action::Quit));
        for _ in 0..MAX_LINE + 10 {
            keymap.on_key(key(KeyCode::Char('9')));
        }
        assert_eq!(keymap.line().len(), MAX_LINE);
    }

    #[test]
    fn function_and_paging_keys() {
        let mut keymap = Keymap::default();
        assert_eq!(keymap.on_key(key(KeyCode::F(1))), Some(Action::Help));
        assert_eq!(
            keymap.on_key(key(KeyCode::PageDown)),
            Some(Action::PageDown)
        );
        assert_eq!(keymap.on_key(key(KeyCode::F(8))), Some(Action::PageDown));
        assert_eq!(keymap.on_key(key(KeyCode::F(7))), Some(Action::PageUp));
    }

    #[test]
    fn a_paste_of_two_scans_gives_two_lines() {
        let mut keymap = Keymap::default();
        assert_eq!(
            keymap.on_paste("012345678905\r\nA-01-01-1\r"),
            vec![
                Action::Edited,
                Action::Submit("012345678905".into()),
                Action::Edited,
                Action::Submit("A-01-01-1".into()),
            ]
        );
    }
}
