//! Wide text (CJK, emoji) is measured in terminal columns: a note by 田中 lines up with one by
//! ana in the timeline, and the input cursor sits after what was typed, not inside it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use chrono::Duration;
use common::demo_app;
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use warroom::app::Msg;
use warroom::scribe::{Draft, Kind};

/// The screen column where `needle` starts on the row that contains it (cells, not chars).
fn column_of(screen: &[Vec<String>], needle: &str) -> Option<usize> {
    screen.iter().find_map(|row| {
        let line: String = row.concat();
        let at = line.find(needle)?;
        // Count the cells before the byte offset: a wide symbol is one cell plus an empty one.
        let mut bytes = 0;
        row.iter().position(|cell| {
            let here = bytes == at;
            bytes += cell.len();
            here
        })
    })
}

fn cells(terminal: &Terminal<TestBackend>) -> Vec<Vec<String>> {
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| (0..buffer.area.width).map(|x| buffer[(x, y)].symbol().to_owned()).collect())
        .collect()
}

#[test]
fn a_cjk_author_and_note_line_up_with_ascii_ones_in_the_timeline() {
    let mut app = demo_app(2, 42, Duration::minutes(3));
    let now = app.now;
    app.scribe.record(Draft::new(now, "ana", Kind::Note, "ascii-marker checked the dashboards")).unwrap();
    app.scribe.record(Draft::new(now, "田中", Kind::Note, "東京チーム🔥確認 wide-marker")).unwrap();
    app.handle(Msg::Resize { width: 160, height: 48 });
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    terminal.draw(|f| warroom::ui::draw(f, &app)).unwrap();
    let screen = cells(&terminal);
    let ascii = column_of(&screen, "ascii-marker").expect("the ASCII note is on screen");
    let wide = column_of(&screen, "東").expect("the CJK note is on screen");
    assert_eq!(wide, ascii, "both notes' text starts in the same column");
    let marker = column_of(&screen, "wide-marker").unwrap();
    // 東京チーム (5×2) + 🔥 (2) + 確認 (2×2) + space: 17 columns after the text starts.
    assert_eq!(marker - wide, 17, "the wide characters take two columns each");
}

#[test]
fn the_input_cursor_sits_after_wide_characters() {
    let mut app = demo_app(2, 42, Duration::minutes(3));
    app.handle(Msg::Resize { width: 160, height: 48 });
    app.handle(Msg::Key(KeyCode::Char('n').into()));
    app.type_text("東京🔥ok");
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    terminal.draw(|f| warroom::ui::draw(f, &app)).unwrap();
    let screen = cells(&terminal);
    let start = column_of(&screen, "東").expect("the typed text is on screen");
    let cursor = terminal.get_cursor_position().unwrap();
    // 東京 (4) + 🔥 (2) + ok (2): the cursor is 8 columns after the text starts.
    assert_eq!(usize::from(cursor.x), start + 8, "cursor after the typed text");
    // Moving left over the emoji moves the cursor two columns.
    app.handle(Msg::Key(KeyCode::Left.into()));
    app.handle(Msg::Key(KeyCode::Left.into()));
    app.handle(Msg::Key(KeyCode::Left.into()));
    terminal.draw(|f| warroom::ui::draw(f, &app)).unwrap();
    assert_eq!(usize::from(terminal.get_cursor_position().unwrap().x), start + 4);
}
