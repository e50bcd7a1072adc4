//! Parsing a TOML file into a typed value, with every error pointing at file, line and column.
//!
//! Config, themes and (later) scenarios all go through here so their errors read the same.

use std::fmt;
use std::ops::Range;
use std::path::Path;

use serde::de::DeserializeOwned;

/// A problem in a TOML input, located where a person can find it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TomlError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for TomlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
    }
}

impl std::error::Error for TomlError {}

impl TomlError {
    /// An error at a byte span of `text` (as serde/toml report them).
    pub fn at(file: &str, text: &str, span: Option<Range<usize>>, message: impl Into<String>) -> Self {
        let (line, column) = span.map_or((1, 1), |s| line_column(text, s.start));
        Self { file: file.to_owned(), line, column, message: message.into() }
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Parse `text` (read from `file`) into `T`; unknown keys must be rejected by `T` itself.
pub fn parse<T: DeserializeOwned>(file: &str, text: &str) -> Result<T, TomlError> {
    toml::from_str(text).map_err(|e| TomlError::at(file, text, e.span(), e.message().trim_end().to_owned()))
}

/// Read a file's text, naming it as errors will: a read failure is reported at 1:1.
pub fn read_text(path: &Path) -> Result<(String, String), TomlError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| TomlError {
        file: file.clone(),
        line: 1,
        column: 1,
        message: format!("cannot read: {e}"),
    })?;
    Ok((file, text))
}

/// Read and parse a file.
pub fn read<T: DeserializeOwned>(path: &Path) -> Result<(T, String), TomlError> {
    let (file, text) = read_text(path)?;
    let value = parse(&file, &text)?;
    Ok((value, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters_not_bytes() {
        let text = "a = 1\nb = \"é\" x\n";
        let offset = text.find('x').unwrap();
        assert_eq!(line_column(text, offset), (2, 9));
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 10_000), (3, 1));
    }
}
