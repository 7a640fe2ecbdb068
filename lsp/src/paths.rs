//! Names of files between the editor and the compiler: URIs become database paths and back, and
//! the standard library's profiles (`std/NAME.virt`, embedded in virtc) are written to a cache
//! directory so that "go to definition" on `use std::NAME;` opens a real, read-only file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tower_lsp_server::ls_types::Uri;
use virtc::db::{Db, Origin, SourceFile, normalize};

use crate::documents::Document;

/// The database path standing for `uri`: the file's own path for `file:` URIs; for others
/// (unsaved buffers) a made-up path under `/virtc-buffer/`, where relative `use`s find nothing.
pub fn path_of(uri: &Uri) -> PathBuf {
    if uri.scheme().as_str() == "file"
        && let Some(path) = uri.to_file_path()
        && path.is_absolute()
    {
        return normalize(&path);
    }
    let name: String = uri
        .as_str()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    PathBuf::from("/virtc-buffer").join(name)
}

/// The standard library's profiles, written on demand under a cache directory.
#[derive(Debug)]
pub struct Profiles {
    dir: PathBuf,
    written: Mutex<HashMap<String, Option<PathBuf>>>,
}

impl Profiles {
    pub fn new(cache_dir: PathBuf) -> Profiles {
        Profiles {
            dir: cache_dir
                .join(format!("virtc-{}", env!("CARGO_PKG_VERSION")))
                .join("std"),
            written: Mutex::new(HashMap::new()),
        }
    }

    /// The on-disk copy of profile `name` (written, read-only, on first use).
    pub fn path(&self, name: &str) -> Option<PathBuf> {
        let text = virtc::stdlib::profile(name)?;
        let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        written
            .entry(name.to_string())
            .or_insert_with(|| {
                let path = self.dir.join(format!("{name}.virt"));
                if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
                    std::fs::create_dir_all(&self.dir).ok()?;
                    if let Ok(meta) = std::fs::metadata(&path) {
                        // An older copy: make it writable to replace it.
                        let mut permissions = meta.permissions();
                        #[allow(clippy::permissions_set_readonly_false)]
                        permissions.set_readonly(false);
                        let _ = std::fs::set_permissions(&path, permissions);
                    }
                    std::fs::write(&path, text).ok()?;
                    if let Ok(meta) = std::fs::metadata(&path) {
                        let mut permissions = meta.permissions();
                        permissions.set_readonly(true);
                        let _ = std::fs::set_permissions(&path, permissions);
                    }
                }
                Some(path)
            })
            .clone()
    }

    /// The directory profiles are written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// Turns the database's files into URIs: the editor's own URI for open documents, a `file:`
/// URI for other files, the cached copy for profiles.
#[derive(Debug, Clone)]
pub struct Names {
    open: HashMap<PathBuf, Uri>,
    profiles: Arc<Profiles>,
}

impl Names {
    pub fn new(docs: &[Document], profiles: Arc<Profiles>) -> Names {
        Names {
            open: docs
                .iter()
                .map(|d| (d.path.clone(), d.uri.clone()))
                .collect(),
            profiles,
        }
    }

    pub fn uri(&self, db: &dyn Db, file: SourceFile) -> Option<Uri> {
        let path = file.path(db);
        match file.origin(db) {
            Origin::Stdlib => {
                let name = path.file_stem()?.to_str()?;
                Uri::from_file_path(self.profiles.path(name)?)
            }
            Origin::Disk => match self.open.get(path) {
                Some(uri) => Some(uri.clone()),
                None => Uri::from_file_path(path),
            },
        }
    }
}
