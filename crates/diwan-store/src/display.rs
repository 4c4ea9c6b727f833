//! How the store shows a person who has no name on record yet: by a masked national ID, the
//! same on every backend.

/// A display name that does not spell out the national ID: `********1234`.
pub(crate) fn mask(national_id: &str) -> String {
    let count = national_id.chars().count();
    // Too short to hide anything by showing four: hide it all.
    if count <= 4 {
        return "*".repeat(count);
    }
    national_id
        .chars()
        .enumerate()
        .map(|(i, c)| if i + 4 < count { '*' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn masks_all_but_the_last_four_characters() {
        assert_eq!(mask("1234567890"), "******7890");
        assert_eq!(mask("123"), "***");
        assert_eq!(mask(""), "");
    }
}
