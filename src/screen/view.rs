//! The whole screen as a pure function of the app: the shared frame (header, message line,
//! input line, key hints) around the current screen's body.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Widget};

use super::{Chrome, Screen};
use crate::app::App;
use crate::ui::layout::{Compactness, Regions, to_compactness};
use crate::ui::strings;
use crate::ui::widgets::{HeaderBar, InputLine, KeyHints, MessageLine, Paging, TooSmall};

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(compactness) = to_compactness(area.as_size()) else {
        TooSmall.render(area, buf);
        return;
    };
    let theme = app.theme();
    let regions = Regions::new(area, compactness);
    let mut chrome = app.screen().chrome(area.as_size(), theme);
    if let Some(page) = app.help_page() {
        chrome = super::help::chrome(app.screen(), page, area.as_size(), chrome);
    }
    let (left, right) = header_texts(app, &chrome, compactness);
    match compactness {
        Compactness::Full => {
            let ornament = if theme.ascii { "-" } else { "·" };
            Block::bordered()
                .border_set(theme.border_set())
                .title(Line::styled(
                    format!(" {left} {ornament} {} ", chrome.title),
                    theme.emphasis(),
                ))
                .title(Line::from(format!(" {right} ")).right_aligned())
                .render(area, buf);
        }
        Compactness::Compact | Compactness::Ultracompact => HeaderBar {
            left: &left,
            right: &right,
            style: theme.bar(),
            fit: theme.fit(),
        }
        .render(regions.header, buf),
    }

    // Lines dropped by a refusal are said on the body's last row, until the next line.
    let mut body = regions.body;
    if app.discarded() > 0 && body.height > 1 {
        body.height -= 1;
        let row = Rect::new(body.x, body.bottom(), body.width, 1);
        let notice = strings::discarded(app.discarded());
        let width = usize::from(row.width);
        let text = theme.fit().fit(notice.fitting(width), width);
        buf.set_stringn(row.x, row.y, text, width, theme.emphasis());
    }
    if let Some(page) = app.help_page() {
        super::help::render(app.screen(), theme, page, area.as_size(), body, buf);
    } else {
        render_body(app, compactness, body, buf);
    }

    let notice = app.notice();
    if !(regions.message_shares_footer() && notice.is_some()) {
        KeyHints {
            hints: &chrome.hints,
            paging: chrome.page.map(|page| Paging {
                current: page.current,
                count: page.count,
            }),
            theme,
        }
        .render(regions.footer, buf);
    }
    if let Some(notice) = notice {
        MessageLine { notice, theme }.render(regions.message, buf);
    }
    InputLine {
        prompt: chrome.prompt,
        text: app.line(),
        masked: chrome.masked,
        busy: app.screen().is_busy(),
        theme,
    }
    .render(regions.input, buf);
}

/// Left: where (warehouse and, with room, the screen). Right: who, or this terminal's id
/// before anyone logs in.
fn header_texts(app: &App, chrome: &Chrome, compactness: Compactness) -> (String, String) {
    let warehouse = &app.warehouse().code;
    let right = match (app.operator(), compactness) {
        (Some(operator), Compactness::Ultracompact) => operator.badge.clone(),
        (Some(operator), _) => format!("{} {}", operator.badge, operator.name),
        (None, _) => app.terminal_id().to_string(),
    };
    let left = match compactness {
        Compactness::Full => format!("{} {warehouse}", strings::APP_NAME),
        Compactness::Compact => format!("{warehouse} {}", chrome.title),
        Compactness::Ultracompact => format!("{warehouse} {}", chrome.short_title),
    };
    (left, right)
}

fn render_body(app: &App, compactness: Compactness, area: Rect, buf: &mut Buffer) {
    let theme = app.theme();
    match app.screen() {
        Screen::Login(state) => {
            super::login::view::render_body(state, theme, app.ticks(), area, buf)
        }
        Screen::Menu(state) => {
            super::menu::view::render_body(state, app.operator(), theme, compactness, area, buf)
        }
        Screen::Inquiry(state) => {
            super::inquiry::view::render_body(state, theme, app.size(), area, buf)
        }
        Screen::Unlock(state) => {
            super::unlock::view::render_body(state, theme, app.ticks(), area, buf)
        }
        Screen::Pick(state) => {
            super::pick::view::render_body(state, theme, app.waiting_confirms(), area, buf)
        }
        Screen::Pack(state) => super::pack::view::render_body(state, theme, area, buf),
    }
}
