//! Digit folding: citizens type Eastern Arabic (٠-٩) and Persian (۰-۹) digits as often as
//! ASCII ones, and every numeric input must accept all three.

/// Maps one character to its ASCII digit if it is a decimal digit in the Arabic-Indic
/// (U+0660..U+0669) or Extended Arabic-Indic (U+06F0..U+06F9) ranges; other characters pass.
pub fn fold_digit(c: char) -> char {
    match c {
        '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
        '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
        _ => c,
    }
}

/// Returns `input` with every Arabic-Indic and Persian digit replaced by its ASCII digit.
pub fn to_ascii_digits(input: &str) -> String {
    input.chars().map(fold_digit).collect()
}

/// Like [`to_ascii_digits`], and also turns the Arabic decimal separator (U+066B) into `.`
/// and drops the Arabic thousands separator (U+066C), for amounts and measures.
pub fn to_ascii_number(input: &str) -> String {
    input
        .chars()
        .filter(|c| *c != '\u{066C}')
        .map(|c| if c == '\u{066B}' { '.' } else { fold_digit(c) })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_eastern_and_persian_digits() {
        assert_eq!(to_ascii_digits("٠١٢٣٤٥٦٧٨٩"), "0123456789");
        assert_eq!(to_ascii_digits("۰۱۲۳۴۵۶۷۸۹"), "0123456789");
        assert_eq!(to_ascii_digits("رقم ١٢a3"), "رقم 12a3");
    }

    #[test]
    fn folds_arabic_separators_in_numbers() {
        assert_eq!(to_ascii_number("١٬٢٣٤٫٥"), "1234.5");
    }
}
