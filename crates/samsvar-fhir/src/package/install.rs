//! Installing packages with their dependencies into the cache.

use super::cache::{Cache, InstalledPackage, Origin};
use super::digest::{self, Digests, Verified};
use super::error::PackageError;
use super::extract::{self, Limits};
use super::lock::Lock;
use super::manifest::Manifest;
use super::offline;
use super::outcome::{InstallOutcome, MissingPackage, ResolvedPackage};
use super::registry::{self, Registries};
use super::spec::{PackageSpec, check_id, check_version};
use super::substitute::substitute_for;
use super::version::{self, Request};
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::Path;
use std::sync::Arc;

/// What happened to one package, as it happens (the CLI prints one line per event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstallEvent {
    /// Downloaded from a registry and checked.
    Downloaded {
        id: String,
        version: String,
        url: String,
        bytes: u64,
        verified: Verified,
        sha512: String,
    },
    /// Installed from a local `.tgz` or folder.
    Local {
        id: String,
        version: String,
        source: String,
        bytes: u64,
        sha256: String,
    },
    /// Already in the cache; nothing fetched.
    Cached { id: String, version: String },
    /// A lenient choice or a skipped dependency: say it, never hide it.
    Warning { message: String },
}

pub type ProgressFn = Arc<dyn Fn(&InstallEvent) + Send + Sync>;

#[derive(Clone)]
pub struct InstallOptions {
    pub limits: Limits,
    /// Follow `dependencies` in package.json (default true).
    pub with_dependencies: bool,
    pub progress: Option<ProgressFn>,
    /// Choices pinned by a `samsvar.lock`: a request the lock answered is resolved from
    /// the cache with no registry call, and a dependency the lock records as missing is
    /// skipped again without asking.
    pub lock: Option<Arc<Lock>>,
    /// When no registry can be reached and the cache holds no version, skip a dependency
    /// (a warning and a `missing` entry) instead of failing. Readers of the cache
    /// (`validate`, `run`) set it; `packages install` does not, so an install never ends
    /// incomplete because of the network. A package named by the user always fails.
    pub skip_unreachable_dependencies: bool,
}

impl Default for InstallOptions {
    fn default() -> Self {
        InstallOptions {
            limits: Limits::default(),
            with_dependencies: true,
            progress: None,
            lock: None,
            skip_unreachable_dependencies: false,
        }
    }
}

impl std::fmt::Debug for InstallOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstallOptions")
            .field("limits", &self.limits)
            .field("with_dependencies", &self.with_dependencies)
            .field("progress", &self.progress.is_some())
            .field("lock", &self.lock.is_some())
            .field(
                "skip_unreachable_dependencies",
                &self.skip_unreachable_dependencies,
            )
            .finish()
    }
}

/// Installs `spec` and its dependencies; returns every package now in the cache for it.
pub async fn install(
    cache: &Cache,
    registries: &Registries,
    spec: &PackageSpec,
) -> Result<Vec<InstalledPackage>, PackageError> {
    let outcome = install_all(
        cache,
        registries,
        std::slice::from_ref(spec),
        &InstallOptions::default(),
    )
    .await?;
    Ok(outcome.installed())
}

/// [`install`] for synchronous callers (tests, tools). Starts its own runtime, so it must
/// not be called from inside a tokio runtime.
pub fn install_blocking(
    cache: &Cache,
    registries: &Registries,
    spec: &PackageSpec,
) -> Result<Vec<InstalledPackage>, PackageError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| PackageError::Runtime(e.to_string()))?;
    runtime.block_on(install(cache, registries, spec))
}

/// Installs several specs with options; the full outcome feeds the lock file.
pub async fn install_all(
    cache: &Cache,
    registries: &Registries,
    specs: &[PackageSpec],
    options: &InstallOptions,
) -> Result<InstallOutcome, PackageError> {
    let mut run = Run {
        cache,
        registries,
        options,
        client: None,
        outcome: InstallOutcome::default(),
        by_key: HashMap::new(),
        seen: HashSet::new(),
        queue: VecDeque::new(),
        unreachable: None,
    };
    for spec in specs {
        match spec {
            PackageSpec::Registry { id, version } => run.queue.push_back(Want {
                id: id.clone(),
                request: version.clone(),
                required_by: None,
            }),
            PackageSpec::Tarball(path) => run.local_tarball(path).await?,
            PackageSpec::Folder(path) => run.local_folder(path).await?,
        }
    }
    while let Some(want) = run.queue.pop_front() {
        run.resolve(want).await?;
    }
    Ok(run.outcome)
}

/// Installs and also returns the full outcome, blocking.
pub fn install_all_blocking(
    cache: &Cache,
    registries: &Registries,
    specs: &[PackageSpec],
    options: &InstallOptions,
) -> Result<InstallOutcome, PackageError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| PackageError::Runtime(e.to_string()))?;
    runtime.block_on(install_all(cache, registries, specs, options))
}

struct Want {
    id: String,
    request: String,
    /// `id@version` of the dependent; `None` for what the user asked for.
    required_by: Option<String>,
}

struct Run<'a> {
    cache: &'a Cache,
    registries: &'a Registries,
    options: &'a InstallOptions,
    client: Option<reqwest::Client>,
    outcome: InstallOutcome,
    /// `id#version` → index in `outcome.packages`.
    by_key: HashMap<String, usize>,
    /// `(id, request)` already handled.
    seen: HashSet<(String, String)>,
    queue: VecDeque<Want>,
    /// Why the last lookup reached no registry (set by `try_id`, read by `resolve`).
    unreachable: Option<String>,
}

/// How a package came to be chosen (lock-file facts gathered on the way).
struct Chosen {
    requested: String,
    substituted_for: Option<String>,
    notes: Vec<String>,
}

impl Run<'_> {
    fn emit(&self, event: InstallEvent) {
        if let Some(progress) = &self.options.progress {
            progress(&event);
        }
    }

    fn warn(&mut self, message: String) {
        self.emit(InstallEvent::Warning {
            message: message.clone(),
        });
        self.outcome.warnings.push(message);
    }

    fn client(&mut self) -> Result<reqwest::Client, PackageError> {
        if let Some(c) = &self.client {
            return Ok(c.clone());
        }
        let c = registry::http_client()?;
        self.client = Some(c.clone());
        Ok(c)
    }

    async fn resolve(&mut self, want: Want) -> Result<(), PackageError> {
        if !self.seen.insert((want.id.clone(), want.request.clone())) {
            // Same request again: only record the extra dependent.
            self.note_dependent(&want);
            return Ok(());
        }
        let label = format!("{}@{}", want.id, want.request);
        let is_root = want.required_by.is_none();
        if let Err(reason) = check_id(&want.id) {
            return self.unresolvable(&want, reason);
        }
        let request = match Request::parse(&want.request) {
            Ok(r) => r,
            Err(reason) => return self.unresolvable(&want, reason),
        };
        if self.try_lock(&want)? {
            return Ok(());
        }
        self.unreachable = None;
        let chosen = Chosen {
            requested: label.clone(),
            substituted_for: None,
            notes: Vec::new(),
        };
        if self.try_id(&want, &want.id, &request, chosen).await? {
            return Ok(());
        }
        if let Some((substitute, why)) = substitute_for(&want.id) {
            let note = format!(
                "{label}: using {substitute}@{} instead ({why})",
                want.request
            );
            self.warn(note.clone());
            let chosen = Chosen {
                requested: label.clone(),
                substituted_for: Some(label.clone()),
                notes: vec![note],
            };
            if self.try_id(&want, substitute, &request, chosen).await? {
                return Ok(());
            }
        }
        let tried = self.registries.urls().join(", ");
        if let Some(reason) = self.unreachable.take() {
            if is_root || !self.options.skip_unreachable_dependencies {
                return Err(PackageError::Network {
                    package: label,
                    tried,
                    reason,
                });
            }
            self.missing(
                &want,
                format!("no registry could be reached (tried {tried}: {reason}) and the cache holds no version of it"),
            );
            return Ok(());
        }
        if is_root {
            return Err(PackageError::NotFound {
                package: label,
                tried,
            });
        }
        self.missing(
            &want,
            format!("not found on any registry (tried {tried}) nor in the cache"),
        );
        Ok(())
    }

    /// Resolves `want` from the lock, when the lock answered it: `Ok(true)` when done.
    fn try_lock(&mut self, want: &Want) -> Result<bool, PackageError> {
        let Some(lock) = self.options.lock.clone() else {
            return Ok(false);
        };
        if let Some(locked) = offline::pinned(&lock, &want.id, &want.request)
            && let Some(found) = offline::pinned_in_cache(self.cache, locked)?
        {
            let chosen = Chosen {
                requested: format!("{}@{}", want.id, want.request),
                substituted_for: locked.substituted_for.clone(),
                notes: locked.notes.clone(),
            };
            self.record_cached(want, found, chosen);
            return Ok(true);
        }
        if want.required_by.is_some()
            && let Some(gone) = offline::known_missing(&lock, &want.id, &want.request)
        {
            let reason = format!("the lock file records it as missing: {}", gone.reason);
            self.missing(want, reason);
            return Ok(true);
        }
        Ok(false)
    }

    /// No registry answered: take the cache's nearest version, with a warning, or
    /// remember why nothing was found so that `resolve` can say it.
    fn take_cached_offline(
        &mut self,
        want: &Want,
        id: &str,
        request: &Request,
        mut chosen: Chosen,
        reason: String,
    ) -> bool {
        let picked = offline::cached_choice(self.cache, id, request)
            .and_then(|s| self.cache.installed(id, &s.version).map(|found| (s, found)));
        let Some((selection, found)) = picked else {
            self.unreachable = Some(reason);
            return false;
        };
        let note = format!(
            "no registry could be reached for {id}@{} ({reason}); using {id}@{} from the cache{}",
            want.request,
            found.version,
            selection.note.map(|n| format!(": {n}")).unwrap_or_default()
        );
        self.warn(note.clone());
        chosen.notes.push(note);
        self.record_cached(want, found, chosen);
        true
    }

    fn unresolvable(&mut self, want: &Want, reason: String) -> Result<(), PackageError> {
        let spec = format!("{}@{}", want.id, want.request);
        if want.required_by.is_none() {
            return Err(PackageError::BadSpec { spec, reason });
        }
        self.missing(want, reason);
        Ok(())
    }

    fn missing(&mut self, want: &Want, reason: String) {
        let by = want.required_by.clone().unwrap_or_default();
        self.warn(format!(
            "skipping dependency {}@{} of {by}: {reason}",
            want.id, want.request
        ));
        self.outcome.missing.push(MissingPackage {
            id: want.id.clone(),
            requested: want.request.clone(),
            required_by: want.required_by.iter().cloned().collect(),
            reason,
        });
    }

    fn note_dependent(&mut self, want: &Want) {
        let Some(by) = &want.required_by else { return };
        let label = format!("{}@{}", want.id, want.request);
        for p in &mut self.outcome.packages {
            if p.requested.contains(&label) && !p.required_by.contains(by) {
                p.required_by.push(by.clone());
            }
        }
        for m in &mut self.outcome.missing {
            if m.id == want.id && m.requested == want.request && !m.required_by.contains(by) {
                m.required_by.push(by.clone());
            }
        }
    }

    /// Finds `id` for `request` in the cache (exact versions) or on a registry.
    /// `Ok(false)` when no registry has it.
    async fn try_id(
        &mut self,
        want: &Want,
        id: &str,
        request: &Request,
        mut chosen: Chosen,
    ) -> Result<bool, PackageError> {
        if let Some(exact) = request.exact()
            && let Some(found) = self.cache.installed(id, exact)
        {
            self.record_cached(want, found, chosen);
            return Ok(true);
        }
        let client = self.client()?;
        let lookup = registry::look_up(&client, self.registries, id).await?;
        let Some(listing) = lookup.listing else {
            if lookup.answered.is_empty() && !lookup.unreachable.is_empty() {
                let reason = lookup.unreachable.join("; ");
                return Ok(self.take_cached_offline(want, id, request, chosen, reason));
            }
            for u in &lookup.unreachable {
                self.warn(format!("registry unreachable while looking up {id}: {u}"));
            }
            return Ok(false);
        };
        let Some(selection) = version::select(id, request, &listing.version_order, &listing.tags)
        else {
            return Err(PackageError::NoMatchingVersion {
                package: id.to_string(),
                requested: want.request.clone(),
                registry: listing.registry.clone(),
                available: listing.version_order.join(", "),
            });
        };
        if let Some(note) = selection.note {
            self.warn(note.clone());
            chosen.notes.push(note);
        }
        let version = selection.version;
        if let Err(reason) = check_version(&version) {
            return Err(PackageError::BadMetadata {
                package: id.to_string(),
                url: format!("{}/{id}", listing.registry),
                reason,
            });
        }
        if let Some(found) = self.cache.installed(id, &version) {
            self.record_cached(want, found, chosen);
            return Ok(true);
        }
        let Some(info) = listing.versions.get(&version) else {
            return Ok(false);
        };
        let label = format!("{id}@{version}");
        let bytes = registry::download(
            &client,
            &label,
            &info.tarball,
            self.options.limits.max_download_bytes,
        )
        .await?;
        let size = bytes.len() as u64;
        let digests = Digests::of(&bytes);
        let verified = digest::verify(&label, &info.tarball, &info.expected, &digests)?;
        if verified == Verified::Unchecked {
            let note = format!(
                "{label}: the registry gave no digest for {}; recorded the computed ones",
                info.tarball
            );
            self.warn(note.clone());
            chosen.notes.push(note);
        }
        let origin = Origin {
            source: info.tarball.clone(),
            registry: Some(listing.registry.clone()),
            integrity: Some(digests.sha512_sri.clone()),
            sha256: digests.sha256.clone(),
            shasum: Some(digests.sha1.clone()),
        };
        let installed = self
            .place_tarball(id, &version, &info.tarball, bytes, &origin, false)
            .await?;
        self.emit(InstallEvent::Downloaded {
            id: id.to_string(),
            version: version.clone(),
            url: info.tarball.clone(),
            bytes: size,
            verified,
            sha512: digests.sha512_sri.clone(),
        });
        self.record(want, installed, origin_facts(&origin), chosen, false);
        Ok(true)
    }

    /// Unpacks into the cache (blocking work off the async threads). The manifest must
    /// name the expected package; `replace` swaps out an existing copy (local installs).
    async fn place_tarball(
        &mut self,
        id: &str,
        version: &str,
        source_name: &str,
        bytes: Vec<u8>,
        origin: &Origin,
        replace: bool,
    ) -> Result<InstalledPackage, PackageError> {
        let root = self.cache.root().to_path_buf();
        let final_dir = self.cache.dir_for(id, version);
        let label = format!("{id}@{version}");
        let source = source_name.to_string();
        let limits = self.options.limits;
        let origin_owned = origin.clone();
        let label_for_task = label.clone();
        tokio::task::spawn_blocking(move || {
            let staged = extract::stage_tarball(&root, &label_for_task, &source, &bytes, limits)?;
            if replace {
                remove_existing(&final_dir)?;
            }
            extract::commit(staged, &final_dir, &origin_owned)
        })
        .await
        .map_err(|e| PackageError::Runtime(format!("failed to unpack {label}: {e}")))??;
        self.cache
            .installed(id, version)
            .ok_or_else(|| PackageError::Manifest {
                package: label.clone(),
                path: self.cache.dir_for(id, version).join("package"),
                reason: "the package is not readable after installing it".into(),
            })
    }

    async fn local_tarball(&mut self, path: &Path) -> Result<(), PackageError> {
        let bytes = std::fs::read(path).map_err(|e| PackageError::io("read", path, e))?;
        let size = bytes.len() as u64;
        let digests = Digests::of(&bytes);
        let source = format!("file:{}", absolute(path).display());
        // Unpack once into a scratch cache to learn id and version from package.json.
        let root = self.cache.root().to_path_buf();
        let limits = self.options.limits;
        let label = path.display().to_string();
        let source_for_task = source.clone();
        let (staged, manifest) = tokio::task::spawn_blocking(move || {
            let staged = extract::stage_tarball(&root, "local", &source_for_task, &bytes, limits)?;
            let manifest = Manifest::read(&staged.package_dir(), &label)?;
            Ok::<_, PackageError>((staged, manifest))
        })
        .await
        .map_err(|e| {
            PackageError::Runtime(format!("failed to unpack {}: {e}", path.display()))
        })??;
        self.commit_local(
            staged,
            manifest,
            source,
            Some(digests.sha512_sri),
            digests.sha256,
            Some(digests.sha1),
            size,
        )
    }

    async fn local_folder(&mut self, path: &Path) -> Result<(), PackageError> {
        let root = self.cache.root().to_path_buf();
        let limits = self.options.limits;
        let label = path.display().to_string();
        let from = path.to_path_buf();
        let (staged, sha256, manifest) = tokio::task::spawn_blocking(move || {
            let (staged, sha256) = extract::stage_folder(&root, "local", &from, limits)?;
            let manifest = Manifest::read(&staged.package_dir(), &label)?;
            Ok::<_, PackageError>((staged, sha256, manifest))
        })
        .await
        .map_err(|e| PackageError::Runtime(format!("failed to copy {}: {e}", path.display())))??;
        let source = format!("dir:{}", absolute(path).display());
        self.commit_local(staged, manifest, source, None, sha256, None, 0)
    }

    #[allow(clippy::too_many_arguments)]
    fn commit_local(
        &mut self,
        staged: extract::Staged,
        manifest: Manifest,
        source: String,
        integrity: Option<String>,
        sha256: String,
        shasum: Option<String>,
        bytes: u64,
    ) -> Result<(), PackageError> {
        let label = format!("{}@{}", manifest.name, manifest.version);
        check_id(&manifest.name)
            .and_then(|()| check_version(&manifest.version))
            .map_err(|reason| PackageError::Manifest {
                package: source.clone(),
                path: staged.package_dir().join("package.json"),
                reason,
            })?;
        let (id, version) = (manifest.name.clone(), manifest.version.clone());
        let final_dir = self.cache.dir_for(&id, &version);
        let origin = Origin {
            source: source.clone(),
            registry: None,
            integrity,
            sha256: sha256.clone(),
            shasum,
        };
        // The same bytes are already installed: keep them. Replacing them would move the
        // package away for a moment, and a run that reads it at that moment (another CI job
        // sharing the cache) would find the package missing.
        let same = self
            .cache
            .origin(&id, &version)
            .is_some_and(|o| o.sha256 == sha256)
            && self.cache.installed(&id, &version).is_some();
        if same {
            drop(staged);
        } else {
            remove_existing(&final_dir)?;
            extract::commit(staged, &final_dir, &origin)?;
        }
        let installed =
            self.cache
                .installed(&id, &version)
                .ok_or_else(|| PackageError::Manifest {
                    package: label.clone(),
                    path: final_dir.join("package"),
                    reason: "the package is not readable after installing it".into(),
                })?;
        self.emit(InstallEvent::Local {
            id: id.clone(),
            version: version.clone(),
            source,
            bytes,
            sha256,
        });
        self.seen.insert((id.clone(), version.clone()));
        let want = Want {
            id,
            request: version,
            required_by: None,
        };
        let chosen = Chosen {
            requested: label,
            substituted_for: None,
            notes: Vec::new(),
        };
        self.record(&want, installed, origin_facts(&origin), chosen, false);
        Ok(())
    }

    fn record_cached(&mut self, want: &Want, found: InstalledPackage, chosen: Chosen) {
        let facts = match self.cache.origin(&found.id, &found.version) {
            Some(o) => origin_facts(&o),
            None => Facts {
                source: "cache".into(),
                registry: None,
                integrity: None,
                sha256: None,
            },
        };
        self.emit(InstallEvent::Cached {
            id: found.id.clone(),
            version: found.version.clone(),
        });
        self.record(want, found, facts, chosen, true);
    }

    fn record(
        &mut self,
        want: &Want,
        package: InstalledPackage,
        facts: Facts,
        chosen: Chosen,
        from_cache: bool,
    ) {
        let key = package.key();
        let by: Vec<String> = want.required_by.iter().cloned().collect();
        if let Some(&i) = self.by_key.get(&key) {
            let existing = &mut self.outcome.packages[i];
            if !existing.requested.contains(&chosen.requested) {
                existing.requested.push(chosen.requested);
            }
            for b in by {
                if !existing.required_by.contains(&b) {
                    existing.required_by.push(b);
                }
            }
            existing.notes.extend(chosen.notes);
            return;
        }
        if self.options.with_dependencies {
            let me = format!("{}@{}", package.id, package.version);
            for (dep, request) in &package.manifest.dependencies {
                self.queue.push_back(Want {
                    id: dep.clone(),
                    request: request.clone(),
                    required_by: Some(me.clone()),
                });
            }
        }
        self.by_key.insert(key, self.outcome.packages.len());
        self.outcome.packages.push(ResolvedPackage {
            package,
            source: facts.source,
            registry: facts.registry,
            integrity: facts.integrity,
            sha256: facts.sha256,
            requested: vec![chosen.requested],
            required_by: by,
            substituted_for: chosen.substituted_for,
            notes: chosen.notes,
            from_cache,
        });
    }
}

struct Facts {
    source: String,
    registry: Option<String>,
    integrity: Option<String>,
    sha256: Option<String>,
}

fn origin_facts(o: &Origin) -> Facts {
    Facts {
        source: o.source.clone(),
        registry: o.registry.clone(),
        integrity: o.integrity.clone(),
        sha256: Some(o.sha256.clone()),
    }
}

/// Local installs replace what is cached under the same id and version.
fn remove_existing(final_dir: &Path) -> Result<(), PackageError> {
    if !final_dir.exists() {
        return Ok(());
    }
    let aside = extract::aside_name(final_dir, "old");
    std::fs::rename(final_dir, &aside).map_err(|e| PackageError::io("move aside", final_dir, e))?;
    std::fs::remove_dir_all(&aside).map_err(|e| PackageError::io("remove", &aside, e))
}

fn absolute(path: &Path) -> std::path::PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
