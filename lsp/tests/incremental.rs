//! Salsa keeps its promise to the server: after an edit, only the queries of the edited file
//! (and of the policies that use it) run again. Counted with salsa's `WillExecute` events.

use std::path::Path;
use std::sync::{Arc, Mutex};

use salsa::{Database as _, DatabaseKeyIndex, EventKind};
use virtc::db::{Database, SourceFile};

type Log = Arc<Mutex<Vec<DatabaseKeyIndex>>>;

/// A database logging every query it executes.
fn logging_database() -> (Database, Log) {
    let log = Log::default();
    let sink = log.clone();
    let db = Database::with_event_callback(move |event| {
        if let EventKind::WillExecute { database_key } = event.kind {
            sink.lock().unwrap().push(database_key);
        }
    });
    (db, log)
}

/// The executions that concern `file`, as `query(Id(..))`, emptying the log.
fn about(db: &Database, log: &Log, file: SourceFile) -> Vec<String> {
    let id = salsa::plumbing::AsId::as_id(&file);
    log.lock()
        .unwrap()
        .iter()
        .filter(|key| key.key_index() == id)
        .map(|key| {
            format!(
                "{}({:?})",
                db.ingredient_debug_name(key.ingredient_index()),
                id
            )
        })
        .collect()
}

#[test]
fn editing_one_file_of_two_does_not_recheck_the_other() {
    let (mut db, log) = logging_database();
    let a = db.set_file(
        Path::new("/virt/a.virt"),
        "allow random;\nstdout allow;\n".into(),
    );
    let b = db.set_file(
        Path::new("/virt/b.virt"),
        "deny clocks;\nenv X = \"1\";\n".into(),
    );
    // What the server does after a change: the diagnostics of every open document.
    let check_both = |db: &Database| {
        virtc::analyse::diagnostics(db, a);
        virtc::analyse::diagnostics(db, b);
    };
    check_both(&db);
    let first = about(&db, &log, b);
    assert!(
        first.contains(&format!(
            "file_settings({:?})",
            salsa::plumbing::AsId::as_id(&b)
        )),
        "{first:?}"
    );
    log.lock().unwrap().clear();

    db.set_file(
        Path::new("/virt/a.virt"),
        "allow random;\nstdout ignore;\n".into(),
    );
    check_both(&db);
    assert_eq!(
        about(&db, &log, b),
        Vec::<String>::new(),
        "b was checked again"
    );
    let again = about(&db, &log, a);
    let names: Vec<&str> = again.iter().map(|e| &e[..e.find('(').unwrap()]).collect();
    assert!(names.contains(&"parse_file"), "{again:?}");
    assert!(names.contains(&"file_settings"), "{again:?}");
    assert!(names.contains(&"merge_policy"), "{again:?}");
}

#[test]
fn editing_the_root_does_not_recheck_the_file_it_uses() {
    let (mut db, log) = logging_database();
    let base = db.set_file(
        Path::new("/virt/base.virt"),
        "use std::sandbox;\nallow clocks;\n".into(),
    );
    let root = db.set_file(
        Path::new("/virt/policy.virt"),
        "use \"./base.virt\";\nallow random;\n".into(),
    );
    virtc::analyse::diagnostics(&db, root);
    virtc::analyse::diagnostics(&db, base);
    log.lock().unwrap().clear();
    db.set_file(
        Path::new("/virt/policy.virt"),
        "use \"./base.virt\";\nallow exit;\n".into(),
    );
    virtc::analyse::diagnostics(&db, root);
    virtc::analyse::diagnostics(&db, base);
    assert_eq!(about(&db, &log, base), Vec::<String>::new());
    assert!(!about(&db, &log, root).is_empty());

    // Editing the used file re-checks it and its user, and nothing of the profile.
    let (mut db, log) = logging_database();
    let base = db.set_file(
        Path::new("/virt/base.virt"),
        "use std::sandbox;\nallow clocks;\n".into(),
    );
    let root = db.set_file(
        Path::new("/virt/policy.virt"),
        "use \"./base.virt\";\nallow random;\n".into(),
    );
    virtc::analyse::diagnostics(&db, root);
    log.lock().unwrap().clear();
    db.set_file(
        Path::new("/virt/base.virt"),
        "use std::sandbox;\nallow exit;\n".into(),
    );
    virtc::analyse::diagnostics(&db, root);
    assert!(!about(&db, &log, base).is_empty());
    let root_again = about(&db, &log, root);
    assert!(
        !root_again.iter().any(|e| e.starts_with("parse_file")),
        "{root_again:?}"
    );
    assert!(
        root_again.iter().any(|e| e.starts_with("merge_policy")),
        "{root_again:?}"
    );
    let profile = virtc::db::Db::profile(&db, "sandbox").unwrap();
    assert_eq!(about(&db, &log, profile), Vec::<String>::new());
}
