//! Making text from outside inert. People's notes and poll errors are stored exactly as typed,
//! but when drawn or exported every control character becomes a visible stand-in, so an
//! escape sequence (ESC, CSI, OSC 8 links, BEL, C1 controls) is never interpreted.

/// Replace control characters with visible symbols: C0 controls and DEL with their Unicode
/// "control pictures" (ESC → ␛, BEL → ␇, LF → ␊), C1 controls with �.
pub fn inert(text: &str) -> String {
    text.chars().map(visible).collect()
}

fn visible(c: char) -> char {
    match c {
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}'),
        '\u{7f}' => '\u{2421}',
        '\u{80}'..='\u{9f}' => '\u{FFFD}',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible_and_inert() {
        let typed = "ok \u{1b}[31mred\u{7} \u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{1b}\\ \u{9b}2J\u{7f}";
        let shown = inert(typed);
        assert!(!shown.chars().any(char::is_control), "{shown:?}");
        assert_eq!(shown, "ok ␛[31mred␇ ␛]8;;http://x␛\\link␛]8;;␛\\ \u{FFFD}2J␡");
    }

    #[test]
    fn ordinary_text_is_untouched() {
        assert_eq!(inert("failover → us-west-2 (ünïcode) 100%"), "failover → us-west-2 (ünïcode) 100%");
    }
}
