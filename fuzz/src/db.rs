//! A salsa database whose files live in memory only: `use "…"` finds the other files of the
//! fuzz input and nothing else, so a fuzz input never reads a file of the machine running it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use virtc::db::{Db, Origin, SourceFile};

/// The directory the files of a fuzz input are in.
pub const DIR: &str = "/virtc-fuzz";

/// The database of one fuzz input.
#[salsa::db]
#[derive(Clone, Default)]
pub struct FuzzDb {
    storage: salsa::Storage<Self>,
    files: Arc<Mutex<HashMap<PathBuf, SourceFile>>>,
    profiles: Arc<Mutex<HashMap<String, SourceFile>>>,
    lowered: Arc<virtc::analyse::settings::LoweredMemory>,
}

#[salsa::db]
impl salsa::Database for FuzzDb {}

thread_local! {
    /// One database for every input of a run, its files' texts replaced per input, as the
    /// language server's is on every edit (`VIRTC_FUZZ_SHARED_DB`).
    static SHARED: std::cell::RefCell<Option<(FuzzDb, Vec<SourceFile>)>> =
        const { std::cell::RefCell::new(None) };
}

/// How many files an input can have: the root and three it may `use`.
pub const MAX_FILES: usize = 4;

impl FuzzDb {
    /// Runs `f` on the shared database holding `texts` (as [`FuzzDb::with_files`] places them;
    /// files beyond them are empty) and the root.
    pub fn shared<R>(texts: &[&str], f: impl FnOnce(&FuzzDb, SourceFile) -> R) -> R {
        use salsa::Setter;
        SHARED.with(|shared| {
            let mut shared = shared.borrow_mut();
            let (db, files) = shared.get_or_insert_with(|| {
                let (db, root) = FuzzDb::with_files(&[""; MAX_FILES]);
                let mut files = vec![root];
                for i in 1..MAX_FILES {
                    files.push(db.load(Path::new(&format!("{DIR}/{i}.virt"))).unwrap());
                }
                (db, files)
            });
            for (i, file) in files.clone().into_iter().enumerate() {
                let text = texts.get(i).copied().unwrap_or("");
                if file.text(db) != text {
                    file.set_text(db).to(text.to_owned());
                }
            }
            f(db, files[0])
        })
    }

    /// A database holding `texts`: the first is the root policy, `/virtc-fuzz/policy.virt`,
    /// the others `/virtc-fuzz/1.virt`, `/virtc-fuzz/2.virt`… Returns the root.
    pub fn with_files(texts: &[&str]) -> (FuzzDb, SourceFile) {
        let db = FuzzDb::default();
        let mut root = None;
        for (i, text) in texts.iter().enumerate() {
            let path = if i == 0 {
                PathBuf::from(format!("{DIR}/policy.virt"))
            } else {
                PathBuf::from(format!("{DIR}/{i}.virt"))
            };
            let file = SourceFile::new(&db, path.clone(), (*text).to_owned(), Origin::Disk);
            db.files.lock().unwrap().insert(path, file);
            root.get_or_insert(file);
        }
        let root = root.expect("at least the root policy");
        (db, root)
    }
}

#[salsa::db]
impl Db for FuzzDb {
    fn load(&self, path: &Path) -> Result<SourceFile, String> {
        let key = virtc::db::normalize(path);
        self.files
            .lock()
            .unwrap()
            .get(&key)
            .copied()
            .ok_or_else(|| "no such file or directory".to_string())
    }

    fn profile(&self, name: &str) -> Option<SourceFile> {
        let text = virtc::stdlib::profile(name)?;
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

    fn lowered_chunks(&self) -> Option<&virtc::analyse::settings::LoweredMemory> {
        Some(&self.lowered)
    }
}
