//! Text measured the way the terminal draws it: in columns, with `unicode-width` (as ratatui
//! measures), so a CJK character or an emoji takes the two cells it occupies.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Columns `text` takes on screen.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

fn char_width(c: char) -> usize {
    UnicodeWidthChar::width(c).unwrap_or(0)
}

/// The longest start of `text` that fits in `columns`.
pub fn take(text: &str, columns: usize) -> &str {
    let mut used = 0;
    for (i, c) in text.char_indices() {
        used += char_width(c);
        if used > columns {
            return &text[..i];
        }
    }
    text
}

/// The longest end of `text` that fits in `columns`.
pub fn take_last(text: &str, columns: usize) -> &str {
    let mut used = 0;
    for (i, c) in text.char_indices().rev() {
        used += char_width(c);
        if used > columns {
            return &text[i + c.len_utf8()..];
        }
    }
    text
}

/// `text` without the characters that fill its first `columns` (a wide character that
/// straddles the edge is dropped whole).
pub fn skip(text: &str, columns: usize) -> &str {
    let mut used = 0;
    for (i, c) in text.char_indices() {
        if used >= columns {
            return &text[i..];
        }
        used += char_width(c);
    }
    ""
}

/// Cut `text` to `columns`, marking the cut with `…`.
pub fn truncate(text: &str, columns: usize) -> String {
    if width(text) <= columns {
        return text.to_owned();
    }
    if columns == 0 {
        return String::new();
    }
    let mut out = take(text, columns - 1).to_owned();
    out.push('…');
    out
}

/// `text` padded with spaces to at least `columns` (what `{:<n}` does, counted in columns).
pub fn pad(text: &str, columns: usize) -> String {
    let mut out = text.to_owned();
    out.push_str(&" ".repeat(columns.saturating_sub(width(text))));
    out
}

/// `text` cut or padded to exactly `columns` (a wide character that does not fit whole
/// becomes a space).
pub fn fit(text: &str, columns: usize) -> String {
    pad(take(text, columns), columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_take_two_columns() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("東京"), 4);
        assert_eq!(width("ok 🔥"), 5);
        assert_eq!(take("東京タワー", 5), "東京");
        assert_eq!(take_last("東京タワー", 5), "ワー");
        assert_eq!(skip("東京タワー", 3), "タワー");
        assert_eq!(truncate("東京タワー", 6), "東京…");
        assert_eq!(truncate("short", 6), "short");
        assert_eq!(pad("東京", 5), "東京 ");
        assert_eq!(pad("東京タワー", 5), "東京タワー");
        assert_eq!(fit("東京", 3), "東 ");
        assert_eq!(width(&fit("🔥🔥🔥", 5)), 5);
    }
}
