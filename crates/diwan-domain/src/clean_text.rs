//! What counts as text a person typed. Invisible formatting characters can make a name look
//! like something else (a right-to-left override turns `fdp.exe` into `exe.pdf`) or make an
//! empty answer look filled in (five zero-width spaces pass "at least 5 characters"), so
//! every free-text input goes through here before any other rule.

/// Direction marks that carry no content and that copy-paste from RTL pages brings along:
/// dropped silently (LRM, RLM, ALM).
fn is_droppable_mark(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Characters that are refused: bidi embeddings, overrides and isolates, and zero-width
/// characters other than the joiners Arabic and Persian typing legitimately uses.
pub fn is_forbidden_invisible(c: char) -> bool {
    matches!(c,
        '\u{202A}'..='\u{202E}'   // LRE, RLE, PDF, LRO, RLO
        | '\u{2066}'..='\u{2069}' // LRI, RLI, FSI, PDI
        | '\u{200B}'              // zero-width space
        | '\u{2060}'              // word joiner
        | '\u{FEFF}'              // zero-width no-break space / BOM
        | '\u{00AD}'              // soft hyphen
    )
}

/// Why a text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProblem {
    /// A control character (line breaks and tabs are allowed only where `multiline`).
    Control,
    /// An invisible character that could disguise the text.
    Invisible,
}

/// Trims, drops bare direction marks, and refuses control and disguising characters.
pub fn clean_text(input: &str, multiline: bool) -> Result<String, TextProblem> {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        if is_droppable_mark(c) {
            continue;
        }
        if is_forbidden_invisible(c) {
            return Err(TextProblem::Invisible);
        }
        if c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')) {
            return Err(TextProblem::Control);
        }
        out.push(c);
    }
    Ok(out.trim().to_string())
}

/// A file name safe to show: disguising and control characters removed, at most 200 chars.
pub fn clean_file_name(input: &str) -> String {
    let cleaned: String = input
        .chars()
        .filter(|c| !c.is_control() && !is_forbidden_invisible(*c) && !is_droppable_mark(*c))
        .take(200)
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() {
        "upload".to_string()
    } else {
        cleaned.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_ordinary_arabic_and_joiners() {
        assert_eq!(
            clean_text("  محمد\u{200C}أحمد ", false),
            Ok("محمد\u{200C}أحمد".to_string())
        );
    }

    #[test]
    fn drops_direction_marks() {
        assert_eq!(
            clean_text("\u{200F}فاطمة\u{200E}", false),
            Ok("فاطمة".to_string())
        );
    }

    #[test]
    fn refuses_overrides_isolates_and_zero_width_spaces() {
        for bad in [
            "a\u{202E}b",
            "\u{2066}x",
            "\u{200B}\u{200B}\u{200B}",
            "x\u{FEFF}",
        ] {
            assert_eq!(
                clean_text(bad, false),
                Err(TextProblem::Invisible),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn line_breaks_only_where_multiline() {
        assert_eq!(clean_text("a\nb", false), Err(TextProblem::Control));
        assert_eq!(clean_text("a\nb", true), Ok("a\nb".to_string()));
        assert_eq!(clean_text("a\u{0}b", true), Err(TextProblem::Control));
    }

    #[test]
    fn file_names_lose_disguises() {
        assert_eq!(
            clean_file_name("invoice\u{202E}fdp.exe\u{200B}"),
            "invoicefdp.exe"
        );
        assert_eq!(clean_file_name("\u{200B}"), "upload");
    }
}
