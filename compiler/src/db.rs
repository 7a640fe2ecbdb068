//! The salsa database: source files are inputs, every analysis step is a tracked query, so the
//! CLI and the language server share one incremental pipeline.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::confine::Confinement;

/// Where a source file comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    /// A file on disk (or an editor buffer standing for one).
    Disk,
    /// A profile of the standard library, embedded in virtc.
    Stdlib,
}

/// One `.virt` source.
#[salsa::input(debug)]
pub struct SourceFile {
    /// Absolute path for disk files; `std/NAME.virt` for profiles.
    #[returns(ref)]
    pub path: PathBuf,
    #[returns(ref)]
    pub text: String,
    #[returns(copy)]
    pub origin: Origin,
}

impl SourceFile {
    /// The name shown in diagnostics: relative to the working directory when possible.
    pub fn display_name(self, db: &dyn Db) -> String {
        let path = self.path(db);
        if self.origin(db) == Origin::Stdlib {
            return format!("<{}>", path.display());
        }
        if let Ok(cwd) = std::env::current_dir()
            && let Ok(rel) = path.strip_prefix(&cwd)
        {
            return rel.display().to_string();
        }
        path.display().to_string()
    }

    /// The directory relative paths in this file resolve against.
    pub fn base_dir(self, db: &dyn Db) -> Option<PathBuf> {
        match self.origin(db) {
            Origin::Disk => self.path(db).parent().map(Path::to_path_buf),
            Origin::Stdlib => None,
        }
    }
}

#[salsa::db]
pub trait Db: salsa::Database {
    /// The file at `path` (absolute), read from disk on first use; an error message if it
    /// cannot be read.
    fn load(&self, path: &Path) -> Result<SourceFile, String>;

    /// The standard-library profile `name` (as in `std::name`).
    fn profile(&self, name: &str) -> Option<SourceFile>;

    /// Where this database remembers what chunks of its files lower to (see
    /// [`crate::analyse::settings::file_settings`]); `None` to lower every chunk every time.
    fn lowered_chunks(&self) -> Option<&crate::analyse::settings::LoweredMemory> {
        None
    }

    /// The directories the build-time host paths of `file` (`mount`, `file … from`, `use`) may
    /// lead into: those set for the whole run, else `file`'s own project (see
    /// [`crate::confine`]).
    fn confinement(&self, file: SourceFile) -> Arc<Confinement> {
        Arc::new(Confinement::project_only(file.path(self)))
    }
}

/// The database of the CLI and the language server.
#[salsa::db]
#[derive(Clone, Default)]
pub struct Database {
    storage: salsa::Storage<Self>,
    files: Arc<Mutex<HashMap<PathBuf, SourceFile>>>,
    profiles: Arc<Mutex<HashMap<String, SourceFile>>>,
    lowered: Arc<crate::analyse::settings::LoweredMemory>,
    /// Set by [`Database::confine`] for a run that compiles one root policy.
    confinement: Arc<Mutex<Option<Arc<Confinement>>>>,
}

#[salsa::db]
impl salsa::Database for Database {}

/// Normalizes `path` lexically (`.` and `..` removed) so that one file has one key.
pub fn normalize(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for part in absolute.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

impl Database {
    /// A database that reports salsa's events (query executions, cancellations…) to
    /// `callback`, for tests that check what an edit recomputes.
    pub fn with_event_callback(callback: impl Fn(salsa::Event) + Send + Sync + 'static) -> Self {
        Database {
            storage: salsa::Storage::new(Some(Box::new(callback))),
            ..Database::default()
        }
    }

    /// Confines the build-time host paths of every file to `confinement` (the root policy's
    /// project and the `--allow-path` directories), before any file is loaded.
    pub fn confine(&self, confinement: Confinement) {
        *self.confinement.lock().unwrap() = Some(Arc::new(confinement));
    }

    /// [`Database::confine`] to the project of the root policy at `root`, unless a
    /// confinement is set already.
    pub fn confine_to_project_of(&self, root: &Path) {
        let mut set = self.confinement.lock().unwrap();
        if set.is_none() {
            *set = Some(Arc::new(Confinement::project_only(root)));
        }
    }

    /// Sets (or replaces) the text of the file at `path`, as an editor or a test does.
    pub fn set_file(&mut self, path: &Path, text: String) -> SourceFile {
        use salsa::Setter;
        let key = normalize(path);
        let existing = self.files.lock().unwrap().get(&key).copied();
        match existing {
            Some(file) => {
                if file.text(self) != &text {
                    file.set_text(self).to(text);
                }
                file
            }
            None => {
                let file = SourceFile::new(self, key.clone(), text, Origin::Disk);
                self.files.lock().unwrap().insert(key, file);
                file
            }
        }
    }
}

#[salsa::db]
impl Db for Database {
    fn load(&self, path: &Path) -> Result<SourceFile, String> {
        let key = normalize(path);
        if let Some(file) = self.files.lock().unwrap().get(&key) {
            return Ok(*file);
        }
        let text = std::fs::read(&key).map_err(|e| crate::io_error_text(&e))?;
        let text = String::from_utf8(text).map_err(|_| "it is not UTF-8 text".to_string())?;
        let file = SourceFile::new(self, key.clone(), text, Origin::Disk);
        Ok(*self.files.lock().unwrap().entry(key).or_insert(file))
    }

    fn profile(&self, name: &str) -> Option<SourceFile> {
        let text = crate::stdlib::profile(name)?;
        let mut profiles = self.profiles.lock().unwrap();
        Some(*profiles.entry(name.to_owned()).or_insert_with(|| {
            SourceFile::new(
                self,
                PathBuf::from(format!("std/{name}.virt")),
                text.to_owned(),
                Origin::Stdlib,
            )
        }))
    }

    fn lowered_chunks(&self) -> Option<&crate::analyse::settings::LoweredMemory> {
        Some(&self.lowered)
    }

    fn confinement(&self, file: SourceFile) -> Arc<Confinement> {
        let set = self.confinement.lock().unwrap().clone();
        set.unwrap_or_else(|| Arc::new(Confinement::project_only(file.path(self))))
    }
}

/// Byte offsets where lines start, for rendering and LSP positions.
#[salsa::tracked(returns(ref))]
pub fn line_starts(db: &dyn Db, file: SourceFile) -> Vec<usize> {
    codespan_reporting::files::line_starts(file.text(db)).collect()
}
