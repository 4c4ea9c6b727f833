//! The upload quota rule, shared by both backends: they count, this decides.

use crate::{StoreError, StoreResult, UploadQuota};

/// Whether one more file of `size` bytes fits, given the owner's `files` files and `bytes`
/// bytes uploaded since the quota's start, the oldest at `oldest`.
pub(crate) fn check(
    quota: &UploadQuota,
    files: i64,
    bytes: i64,
    oldest: Option<i64>,
    size: u64,
) -> StoreResult<()> {
    let files = u64::try_from(files).unwrap_or(0);
    let bytes = u64::try_from(bytes).unwrap_or(0);
    let fits = files < u64::from(quota.max_files) && bytes.saturating_add(size) <= quota.max_bytes;
    if fits {
        Ok(())
    } else {
        Err(StoreError::UploadQuotaReached {
            // With nothing counted (one file larger than the whole quota), waiting frees
            // nothing; the quota's start stands in.
            oldest_at: oldest.unwrap_or(quota.since),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUOTA: UploadQuota = UploadQuota {
        since: 1_000,
        max_files: 3,
        max_bytes: 100,
    };

    #[test]
    fn files_and_bytes_both_bound_the_quota() {
        assert!(check(&QUOTA, 2, 50, Some(1_500), 50).is_ok());
        assert!(matches!(
            check(&QUOTA, 3, 10, Some(1_500), 1),
            Err(StoreError::UploadQuotaReached { oldest_at: 1_500 })
        ));
        assert!(matches!(
            check(&QUOTA, 1, 60, Some(1_200), 41),
            Err(StoreError::UploadQuotaReached { oldest_at: 1_200 })
        ));
        assert!(matches!(
            check(&QUOTA, 0, 0, None, 101),
            Err(StoreError::UploadQuotaReached { oldest_at: 1_000 })
        ));
    }
}
