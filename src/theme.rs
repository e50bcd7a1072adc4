//! Semantic palette: panes ask for a *tone* (ok, warn, critical, stale …), never a colour.
//!
//! Built-in themes live in `themes/*.toml` and are embedded; a user file overrides any subset
//! of the theme it `extends`; `NO_COLOR` swaps colours for bold/dim/reverse.

use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::toml_source::{self, TomlError};

pub const BUILT_IN: [(&str, &str); 3] = [
    ("default", include_str!("../themes/default.toml")),
    ("light", include_str!("../themes/light.toml")),
    ("high-contrast", include_str!("../themes/high-contrast.toml")),
];

/// What a piece of text means; the theme decides how that looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Text,
    Muted,
    Accent,
    Ok,
    Warn,
    Critical,
    Stale,
    Border,
    Header,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Palette {
    pub text: Color,
    pub muted: Color,
    pub accent: Color,
    pub ok: Color,
    pub warn: Color,
    pub critical: Color,
    pub stale: Color,
    pub border: Color,
    pub header_fg: Color,
    pub header_bg: Color,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Theme {
    pub name: String,
    pub palette: Palette,
    /// `NO_COLOR` is set: express tones with modifiers only.
    pub no_color: bool,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawTheme {
    extends: Option<toml::Spanned<String>>,
    #[serde(default)]
    palette: RawPalette,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPalette {
    text: Option<ThemeColor>,
    muted: Option<ThemeColor>,
    accent: Option<ThemeColor>,
    ok: Option<ThemeColor>,
    warn: Option<ThemeColor>,
    critical: Option<ThemeColor>,
    stale: Option<ThemeColor>,
    border: Option<ThemeColor>,
    header_fg: Option<ThemeColor>,
    header_bg: Option<ThemeColor>,
}

/// A colour as written in a theme file; bad names fail at the value's line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ThemeColor(Color);

impl<'de> Deserialize<'de> for ThemeColor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_color(&text).map(ThemeColor).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{text}` is not a colour: use a name like red, darkgray, lightcyan, reset, or #rrggbb"
            ))
        })
    }
}

/// ratatui's own colour parser: names (any case, with or without `-`/`_`/spaces, "bright" for
/// "light"), `#rrggbb`, or a 256-colour index.
fn parse_color(text: &str) -> Option<Color> {
    text.trim().parse().ok()
}

impl RawPalette {
    fn over(self, base: &Palette) -> Palette {
        let pick = |c: Option<ThemeColor>, fallback: Color| c.map_or(fallback, |c| c.0);
        Palette {
            text: pick(self.text, base.text),
            muted: pick(self.muted, base.muted),
            accent: pick(self.accent, base.accent),
            ok: pick(self.ok, base.ok),
            warn: pick(self.warn, base.warn),
            critical: pick(self.critical, base.critical),
            stale: pick(self.stale, base.stale),
            border: pick(self.border, base.border),
            header_fg: pick(self.header_fg, base.header_fg),
            header_bg: pick(self.header_bg, base.header_bg),
        }
    }
}

/// The fallback every theme file starts from before its own `extends`.
fn baseline() -> Palette {
    Palette {
        text: Color::Reset,
        muted: Color::Gray,
        accent: Color::Cyan,
        ok: Color::Green,
        warn: Color::Yellow,
        critical: Color::LightRed,
        stale: Color::DarkGray,
        border: Color::DarkGray,
        header_fg: Color::Black,
        header_bg: Color::Cyan,
    }
}

fn built_in_source(name: &str) -> Option<&'static str> {
    BUILT_IN.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
}

fn from_text(file: &str, text: &str, depth: u8) -> Result<Palette, TomlError> {
    let raw: RawTheme = toml_source::parse(file, text)?;
    let base = match &raw.extends {
        None => baseline(),
        Some(parent) => {
            let Some(parent_text) = built_in_source(parent.get_ref()).filter(|_| depth == 0) else {
                return Err(TomlError::at(
                    file,
                    text,
                    Some(parent.span()),
                    format!(
                        "extends = \"{}\": a theme can only extend a built-in theme ({})",
                        parent.get_ref(),
                        names()
                    ),
                ));
            };
            from_text(&format!("<built-in {}>", parent.get_ref()), parent_text, depth + 1)?
        }
    };
    Ok(raw.palette.over(&base))
}

fn names() -> String {
    BUILT_IN.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

impl Theme {
    /// `spec` is a built-in name or a path to a theme file.
    pub fn load(spec: &str, no_color: bool) -> Result<Self, TomlError> {
        let palette = if let Some(text) = built_in_source(spec) {
            from_text(&format!("<built-in {spec}>"), text, 0)?
        } else {
            let path = Path::new(spec);
            if !path.exists() {
                return Err(TomlError {
                    file: spec.to_owned(),
                    line: 1,
                    column: 1,
                    message: format!("no built-in theme by that name ({}) and no such file", names()),
                });
            }
            let (file, text) = toml_source::read_text(path)?;
            from_text(&file, &text, 0)?
        };
        Ok(Self { name: spec.to_owned(), palette, no_color })
    }

    /// The default theme; built in, so it cannot fail to parse (a test proves each built-in parses).
    pub fn fallback(no_color: bool) -> Self {
        let palette = built_in_source("default")
            .and_then(|t| from_text("<built-in default>", t, 0).ok())
            .unwrap_or_else(baseline);
        Self { name: "default".into(), palette, no_color }
    }

    /// `NO_COLOR` present and not empty, per no-color.org.
    pub fn no_color_from_env() -> bool {
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
    }

    pub fn style(&self, tone: Tone) -> Style {
        if self.no_color {
            return match tone {
                Tone::Critical => Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED),
                Tone::Warn | Tone::Accent => Style::new().add_modifier(Modifier::BOLD),
                Tone::Stale | Tone::Muted | Tone::Border => Style::new().add_modifier(Modifier::DIM),
                Tone::Header => Style::new().add_modifier(Modifier::REVERSED),
                Tone::Text | Tone::Ok => Style::new(),
            };
        }
        let p = &self.palette;
        match tone {
            Tone::Text => Style::new().fg(p.text),
            Tone::Muted => Style::new().fg(p.muted),
            Tone::Accent => Style::new().fg(p.accent).add_modifier(Modifier::BOLD),
            Tone::Ok => Style::new().fg(p.ok),
            Tone::Warn => Style::new().fg(p.warn).add_modifier(Modifier::BOLD),
            Tone::Critical => Style::new().fg(p.critical).add_modifier(Modifier::BOLD),
            Tone::Stale => Style::new().fg(p.stale).add_modifier(Modifier::DIM),
            Tone::Border => Style::new().fg(p.border),
            Tone::Header => Style::new().fg(p.header_fg).bg(p.header_bg).add_modifier(Modifier::BOLD),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse_as_ratatui_reads_them() {
        assert_eq!(parse_color("red"), Some(Color::Red));
        assert_eq!(parse_color(" DarkGrey "), Some(Color::DarkGray));
        assert_eq!(parse_color("grey"), Some(Color::Gray));
        assert_eq!(parse_color("light-cyan"), Some(Color::LightCyan));
        assert_eq!(parse_color("#1a2B3c"), Some(Color::Rgb(0x1a, 0x2b, 0x3c)));
        assert_eq!(parse_color("208"), Some(Color::Indexed(208)));
        assert_eq!(parse_color("#12345"), None);
        assert_eq!(parse_color("orangeish"), None);
    }

    #[test]
    fn every_built_in_theme_parses_and_differs() {
        let palettes: Vec<Palette> = BUILT_IN.iter().map(|(n, _)| Theme::load(n, false).unwrap().palette).collect();
        assert_ne!(palettes[0], palettes[1]);
        assert_ne!(palettes[1], palettes[2]);
        assert_eq!(Theme::fallback(false).palette, palettes[0]);
    }

    #[test]
    fn a_user_file_overrides_a_subset_of_what_it_extends() {
        let p = from_text("mine.toml", "extends = \"light\"\n[palette]\ncritical = \"#ff00ff\"\n", 0).unwrap();
        let light = Theme::load("light", false).unwrap().palette;
        assert_eq!(p.critical, Color::Rgb(255, 0, 255));
        assert_eq!(p.ok, light.ok);
    }

    #[test]
    fn no_color_uses_modifiers_only() {
        let t = Theme::fallback(true);
        for tone in [Tone::Critical, Tone::Warn, Tone::Stale, Tone::Header, Tone::Ok] {
            let s = t.style(tone);
            assert_eq!(s.fg, None, "{tone:?}");
            assert_eq!(s.bg, None, "{tone:?}");
        }
        assert_ne!(t.style(Tone::Critical), t.style(Tone::Ok));
    }
}
