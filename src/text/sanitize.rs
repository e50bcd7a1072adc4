//! Making text from outside inert. People's notes, poll errors, file contents and flags are
//! stored exactly as typed, but wherever they are printed (the TUI, stderr, stdout, exports)
//! every character that could act instead of being read is replaced:
//! - control characters (C0, DEL, C1): an escape sequence (CSI, OSC 8 links, OSC 52 clipboard
//!   writes, BEL) is never interpreted;
//! - bidirectional overrides and isolates, and zero-width characters: they reorder or hide
//!   text, so a line could read differently from what it says (Trojan Source).
//!
//! Each output has its own form of the same rule: `inert` for terminals, `json_escape_all`
//! for JSON, `markdown` for Markdown (HTML escaped too), and the CSV writer calls `inert`.

/// A bidi control, zero-width, separator or tag character: invisible (or a line break no
/// terminal draws as one), yet it changes how text reads.
pub fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}'              // soft hyphen: shown or not at the renderer's whim
        | '\u{061C}'            // Arabic letter mark
        | '\u{180E}'            // Mongolian vowel separator
        | '\u{200B}'..='\u{200F}' // zero-width space/non-joiner/joiner, LRM, RLM
        | '\u{202A}'..='\u{202E}' // LRE, RLE, PDF, LRO, RLO
        | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
        | '\u{2028}' | '\u{2029}' // line and paragraph separators: a break inside one line
        | '\u{2066}'..='\u{2069}' // LRI, RLI, FSI, PDI
        | '\u{FEFF}'            // zero-width no-break space (BOM)
        | '\u{FFF9}'..='\u{FFFB}' // interlinear annotations: hide the text between them
        | '\u{E0000}'..='\u{E007F}' // tag characters: invisible ASCII (prompt smuggling)
    )
}

/// Any character `inert` replaces.
pub fn is_hostile(c: char) -> bool {
    c.is_control() || is_invisible_format(c)
}

/// Replace control characters with visible symbols: C0 controls and DEL with their Unicode
/// "control pictures" (ESC → ␛, BEL → ␇, LF → ␊), C1 controls with �, and bidi or zero-width
/// characters with their code point in brackets (`⟨U+202E⟩`), so the reader sees them.
pub fn inert(text: &str) -> String {
    if !text.chars().any(is_hostile) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_visible(&mut out, c);
    }
    out
}

/// `inert` line by line: the line breaks of a multi-line report stay, nothing else raw.
pub fn inert_lines(text: &str) -> String {
    text.split('\n').map(inert).collect::<Vec<_>>().join("\n")
}

/// Print one line to stderr, made inert: every message from a file, the network or a flag
/// goes through here, so it cannot drive the operator's terminal.
#[allow(clippy::print_stderr)]
pub fn eprint_line(text: &str) {
    eprintln!("{}", inert_lines(text));
}

fn push_visible(out: &mut String, c: char) {
    match c {
        '\u{0}'..='\u{1f}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}')),
        '\u{7f}' => out.push('\u{2421}'),
        '\u{80}'..='\u{9f}' => out.push('\u{FFFD}'),
        c if is_invisible_format(c) => out.push_str(&format!("⟨U+{:04X}⟩", c as u32)),
        c => out.push(c),
    }
}

/// Text typed or pasted into a one-line input: line breaks and tabs become spaces, every other
/// control or invisible-format character is dropped (a paste is text, never keys).
pub fn one_line(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\t' | '\u{2028}' | '\u{2029}' => Some(' '),
            c if is_hostile(c) => None,
            c => Some(c),
        })
        .collect()
}

/// JSON text with every control character escaped, C1 and DEL included (serde_json escapes only
/// C0), and bidi and zero-width characters too. The value is unchanged: `\u0085` decodes to
/// the same character. Only string contents can hold these, so replacing them is safe.
pub fn json_escape_all(json: &str) -> String {
    if !json.chars().any(|c| (c as u32) >= 0x7f && is_hostile(c)) {
        return json.to_owned();
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if (c as u32) >= 0x7f && is_hostile(c) {
            // Past U+FFFF (tag characters), JSON spells a character as its UTF-16 surrogates.
            for unit in c.encode_utf16(&mut [0; 2]) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Inert text that Markdown renders as itself: HTML is escaped (`<script>` is shown, never
/// run), and the characters that break a table cell or start code are escaped.
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in inert(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '|' | '`' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Why a name (incident, region, scenario) is refused: it holds a control or invisible-format
/// character, which would print as something other than what it says.
pub fn check_name(text: &str) -> Result<(), String> {
    match text.chars().find(|c| is_hostile(*c)) {
        Some(c) => {
            Err(format!("contains the control or invisible character U+{:04X}; names must be plain text", c as u32))
        }
        None => Ok(()),
    }
}

/// The strings every output path is tested with (`tests/hostile_text.rs`): each must come out
/// with none of its hostile characters raw.
pub const HOSTILE_SAMPLES: &[&str] = &[
    "\u{1b}[31mred\u{1b}[0m",
    "\u{1b}]52;c;cm0gLXJmIH4=\u{7}",
    "bell\u{7}",
    "c1 \u{9b}2J \u{85}",
    "del\u{7f}",
    "bidi \u{202E}gnp.exe",
    "zero\u{200B}width\u{FEFF}",
    "isolate \u{2067}x\u{2069}",
    "line\u{2028}para\u{2029}soft\u{AD}hyphen",
    "tag \u{E0041}\u{E0042}\u{E007F}",
];

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
    fn bidi_and_zero_width_are_named() {
        assert_eq!(inert("a\u{202E}b\u{200B}c"), "a⟨U+202E⟩b⟨U+200B⟩c");
        for s in HOSTILE_SAMPLES {
            assert!(!inert(s).chars().any(is_hostile), "{s:?}");
        }
    }

    #[test]
    fn ordinary_text_is_untouched() {
        assert_eq!(inert("failover → us-west-2 (ünïcode) 100% 東京 🚨"), "failover → us-west-2 (ünïcode) 100% 東京 🚨");
    }

    #[test]
    fn one_line_folds_breaks_and_drops_controls() {
        assert_eq!(one_line("a\nb\r\nc\td\u{1b}[201~e\u{202E}"), "a b  c d[201~e");
        assert_eq!(one_line("a\u{2028}b\u{AD}c\u{E0041}"), "a bc");
    }

    #[test]
    fn json_escapes_c1_del_and_bidi_and_round_trips() {
        let value = serde_json::json!({ "t": "a\u{85}b\u{7f}c\u{202E}d\u{1b}\u{2028}\u{E0041}" });
        let text = json_escape_all(&serde_json::to_string(&value).unwrap());
        assert_eq!(text, r#"{"t":"a\u0085b\u007fc\u202ed\u001b\u2028\udb40\udc41"}"#);
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn markdown_escapes_html_and_syntax() {
        assert_eq!(markdown("<script>alert(1)</script> | `x`"), "&lt;script&gt;alert(1)&lt;/script&gt; \\| \\`x\\`");
    }

    #[test]
    fn names_with_controls_are_refused() {
        assert!(check_name("checkout-api").is_ok());
        assert!(check_name("evil\u{1b}[2J").unwrap_err().contains("U+001B"));
        assert!(check_name("a\u{202E}b").is_err());
    }
}
