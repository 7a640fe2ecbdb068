//! Times each analysis query after a one-character edit of a large policy (a profiling aid).

use std::path::Path;
use std::time::Instant;

use salsa::Setter;
use virtc::analyse::{
    diagnostics, policy::check_policy, settings::file_settings, syntax::parse_file,
};
use virtc::db::Database;

fn policy(lines: usize) -> String {
    let mut out = String::from("use std::cli;\ndeny clocks;\n\n");
    let mut i = 0;
    while out.len() < lines * 25 {
        match i % 8 {
            0 => out.push_str(&format!("env VAR_{i} = \"value {i}\";\n")),
            1 => out.push_str(&format!("// about variable {i}\n")),
            2 => out.push_str(&format!("env allow \"HOST_{i}_*\", \"OTHER_{i}\";\n")),
            3 => out.push_str(&format!("config \"app.key{i}\" = \"v{i}\";\n")),
            4 => out.push_str(&format!("env deny \"HOST_{i}_SECRET\";\n")),
            5 => out.push_str(&format!("file \"/etc/app/f{i}\" = \"text {i}\";\n")),
            6 => out.push('\n'),
            _ => out.push_str(&format!(
                "mount \"/data/{i}\" from \"./data/{i}\" {{\n    include \"**/*.txt\";\n    exclude \"tmp/**\";\n}}\n"
            )),
        }
        i += 1;
    }
    out
}

fn main() {
    let mut db = Database::default();
    let text = policy(10_000);
    let root = db.set_file(Path::new("/tmp/big.virt"), text.clone());
    let _ = diagnostics(&db, root);
    for round in 0..5 {
        let edited = format!("{}{}", if round % 2 == 0 { " " } else { "" }, text);
        root.set_text(&mut db).to(edited);
        let t = Instant::now();
        let _ = parse_file(&db, root);
        let parse = t.elapsed();
        let t = Instant::now();
        let _ = file_settings(&db, root);
        let settings = t.elapsed();
        let t = Instant::now();
        let _ = check_policy(&db, root);
        let merge = t.elapsed();
        let t = Instant::now();
        let d = diagnostics(&db, root);
        let diag = t.elapsed();
        println!(
            "parse {parse:?} settings {settings:?} merge {merge:?} diagnostics {diag:?} ({} diagnostics)",
            d.len()
        );
    }
}
