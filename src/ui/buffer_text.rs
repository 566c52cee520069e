//! A drawn buffer as plain text, one line per row with trailing spaces kept: what snapshot and
//! flow tests compare, and what a log can quote.

use ratatui::buffer::Buffer;

pub fn buffer_text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut text = String::with_capacity(usize::from(area.width + 1) * usize::from(area.height));
    for y in area.top()..area.bottom() {
        let mut skip = 0usize;
        for x in area.left()..area.right() {
            // Wide characters take two cells; the second is blank filler.
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            skip = ratatui::text::Span::raw(symbol).width().saturating_sub(1);
            text.push_str(symbol);
        }
        text.push('\n');
    }
    text
}
