//! Resolving without the network: what `samsvar.lock` pins, and what the cache already
//! holds when no registry can be reached. Validation and runs must work offline once the
//! packages are installed; these are the answers they get instead of a registry's.

use super::cache::{Cache, InstalledPackage};
use super::error::PackageError;
use super::lock::{Lock, LockedMissing, LockedPackage};
use super::version::{self, Request, Selection};
use std::collections::BTreeMap;

/// The locked package that satisfied `id@request` when the lock was written: an entry
/// whose `requested` names it, or (for an exact request) the entry of that very version.
pub(crate) fn pinned<'a>(lock: &'a Lock, id: &str, request: &str) -> Option<&'a LockedPackage> {
    let label = format!("{id}@{request}");
    lock.packages
        .iter()
        .find(|p| p.requested.iter().any(|r| r == &label))
        .or_else(|| lock.get(id, request))
}

/// The lock's record that `id@request` was found on no registry when it was written.
pub(crate) fn known_missing<'a>(
    lock: &'a Lock,
    id: &str,
    request: &str,
) -> Option<&'a LockedMissing> {
    lock.missing
        .iter()
        .find(|m| m.id == id && m.requested == request)
}

/// The cached copy of a pinned package, refused when the lock's sha256 differs from the
/// one samsvar recorded when it installed the cached copy.
pub(crate) fn pinned_in_cache(
    cache: &Cache,
    locked: &LockedPackage,
) -> Result<Option<InstalledPackage>, PackageError> {
    let Some(mut found) = cache.installed(&locked.id, &locked.version) else {
        return Ok(None);
    };
    if let (Some(want), Some(have)) = (&locked.sha256, &found.sha256)
        && want != have
    {
        return Err(PackageError::LockedMismatch {
            package: format!("{}@{}", locked.id, locked.version),
            dir: found.dir.clone(),
            locked: want.clone(),
            cached: have.clone(),
        });
    }
    if found.sha256.is_none() {
        found.sha256 = locked.sha256.clone();
    }
    Ok(Some(found))
}

/// The version the cache offers for `request`, by the same nearest-version rule a
/// registry listing gets (docs/packages.md), or `None` when the cache has no version of `id`.
pub(crate) fn cached_choice(cache: &Cache, id: &str, request: &Request) -> Option<Selection> {
    let available = cache.versions_of(id);
    version::select(id, request, &available, &BTreeMap::new())
}
