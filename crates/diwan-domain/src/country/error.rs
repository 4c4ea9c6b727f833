//! Errors in a country file. They are read by the operator who edits the file, so each one
//! names the line (when known) and the key, and says what is expected.

/// A country file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CountryError {
    /// Not valid TOML, or a key that is unknown, missing or of the wrong type.
    #[error("country file{}: {message}", at_line(*line))]
    Toml {
        line: Option<usize>,
        message: String,
    },
    /// Valid TOML whose values break a rule (duplicate region code, unknown ID format, ...).
    #[error("country file{}: `{key}`: {message}", at_line(*line))]
    Invalid {
        line: Option<usize>,
        key: String,
        message: String,
    },
}

impl CountryError {
    /// The 1-based line the problem was found on, when the TOML parser gave a position.
    pub fn line(&self) -> Option<usize> {
        match self {
            CountryError::Toml { line, .. } | CountryError::Invalid { line, .. } => *line,
        }
    }
}

fn at_line(line: Option<usize>) -> String {
    line.map(|n| format!(", line {n}")).unwrap_or_default()
}

/// The 1-based line of a byte offset, for turning toml spans into something an editor shows.
pub(super) fn line_of(src: &str, offset: usize) -> usize {
    let end = offset.min(src.len());
    src.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_line_and_key() {
        let e = CountryError::Invalid {
            line: Some(7),
            key: "regions[2].code".into(),
            message: "duplicate".into(),
        };
        assert_eq!(
            e.to_string(),
            "country file, line 7: `regions[2].code`: duplicate"
        );
        assert_eq!(e.line(), Some(7));
        let e = CountryError::Toml {
            line: None,
            message: "bad".into(),
        };
        assert_eq!(e.to_string(), "country file: bad");
    }

    #[test]
    fn line_of_counts_newlines_before_the_offset() {
        let src = "a = 1\nb = 2\nc = 3\n";
        assert_eq!(line_of(src, 0), 1);
        assert_eq!(line_of(src, 6), 2);
        assert_eq!(line_of(src, 12), 3);
        assert_eq!(line_of(src, 10_000), 4);
    }
}
