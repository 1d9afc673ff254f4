//! FHIR NPM packages: registry client, integrity checks, the shared package cache
//! (`~/.fhir/packages/<id>#<version>/package/…`), dependency resolution and `samsvar.lock`.
//!
//! ```no_run
//! use samsvar_fhir::package::{Cache, PackageSpec, Registries, install_blocking};
//! let cache = Cache::new("/tmp/fhir-cache");
//! let spec = PackageSpec::parse("hl7.fhir.uv.ips@2.0.0")?;
//! let installed = install_blocking(&cache, &Registries::from_env(), &spec)?;
//! for p in installed { println!("{} {} at {}", p.id, p.version, p.dir.display()); }
//! # Ok::<(), samsvar_fhir::package::PackageError>(())
//! ```

mod cache;
mod digest;
mod error;
mod extract;
mod install;
mod lock;
mod manifest;
mod offline;
mod outcome;
mod registry;
mod spec;
mod substitute;
pub mod version;

pub use cache::{CACHE_ENV_VARS, Cache, InstalledPackage, ORIGIN_FILE, Origin};
pub use digest::{Digests, Verified};
pub use error::PackageError;
pub use extract::Limits;
pub use install::{
    InstallEvent, InstallOptions, ProgressFn, install, install_all, install_all_blocking,
    install_blocking,
};
pub use lock::{LOCK_FILE, LOCK_VERSION, Lock, LockedMissing, LockedPackage, resolve_locked};
pub use manifest::Manifest;
pub use outcome::{InstallOutcome, MissingPackage, ResolvedPackage};
pub use registry::{NPM_REGISTRY, REGISTRIES_ENV, Registries};
pub use spec::PackageSpec;
pub use substitute::substitute_for;
