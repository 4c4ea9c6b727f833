//! A problem found in a catalogue file, located by file and line, and the helper that turns
//! byte spans into lines while collecting them.

use std::fmt;
use std::ops::Range;

use toml::Spanned;

use crate::text::Text;

/// One thing wrong in a catalogue, with where it is and a stable code for tooling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub code: &'static str,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {} [{}]",
            self.file, self.line, self.message, self.code
        )
    }
}

/// Collects problems for one file.
pub struct Reporter<'a> {
    pub file: &'a str,
    text: &'a str,
    pub problems: &'a mut Vec<Problem>,
}

impl<'a> Reporter<'a> {
    pub fn new(file: &'a str, text: &'a str, problems: &'a mut Vec<Problem>) -> Self {
        Reporter {
            file,
            text,
            problems,
        }
    }

    pub fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    pub fn at(&mut self, span: Range<usize>, code: &'static str, message: impl Into<String>) {
        let line = self.line_of(span.start);
        self.problems.push(Problem {
            file: self.file.to_string(),
            line,
            code,
            message: message.into(),
        });
    }

    /// Reports an identifier that is not lowercase ASCII words joined by `_`.
    pub fn check_id(&mut self, id: &Spanned<String>, what: &str) -> bool {
        if is_valid_id(id.get_ref()) {
            return true;
        }
        self.at(
            id.span(),
            "invalid_id",
            format!(
                "{what} id `{}` must be 1 to 64 lowercase letters, digits or `_`, starting with a letter",
                id.get_ref()
            ),
        );
        false
    }

    /// Both languages must be present, and the Arabic side must actually be Arabic.
    pub fn check_text(&mut self, text: &Spanned<Text>, what: &str) {
        let span = text.span();
        let t = text.get_ref();
        if t.ar.trim().is_empty() {
            self.at(
                span.clone(),
                "missing_arabic",
                format!("{what} has no Arabic text"),
            );
        } else if !t.ar.chars().any(is_arabic_letter) {
            self.at(
                span.clone(),
                "arabic_text_not_arabic",
                format!(
                    "{what}: the Arabic text `{}` contains no Arabic letters",
                    t.ar
                ),
            );
        }
        if t.en.trim().is_empty() {
            self.at(
                span,
                "missing_english",
                format!("{what} has no English text"),
            );
        }
    }
}

pub fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some('a'..='z'))
        && id.len() <= 64
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
}

fn is_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0621}'..='\u{064A}' | '\u{0671}'..='\u{06D3}' | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
}
