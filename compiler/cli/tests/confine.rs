//! Untrusted policies: a policy from a pull request, compiled on a machine with secrets, reads
//! at build time only inside its project (the nearest directory above it with a `.git`) and the
//! `--allow-path` directories. `..`, absolute paths, links out of the tree and `use` chains that
//! leave it are refused with V0064 by `check`, `compile` and `run` alike, and nothing at the
//! refused path is read or written anywhere.

use std::path::{Path, PathBuf};

use crate::common::{Run, virtc};

/// A machine: `project/` (a git work tree with `app/` holding the policy, `public/` and
/// `shared/`), and beside it `secrets/` (a key and a policy-looking file) and `assets/`.
struct Machine {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

/// Text no output or message may ever show.
const SECRET: &str = "SECRET-b1946ac92492d2347c6235b4d2611184";

impl Machine {
    fn new() -> Machine {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        for d in [
            "project/.git",
            "project/app",
            "project/public",
            "project/shared",
            "secrets",
            "assets",
        ] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::fs::write(root.join("project/public/index.html"), "<h1>hi</h1>\n").unwrap();
        std::fs::write(
            root.join("project/shared/base.virt"),
            "stdout allow;\nenv MODE = \"base\";\n",
        )
        .unwrap();
        std::fs::write(root.join("secrets/id_rsa"), SECRET).unwrap();
        // Text that would be shown in a syntax error, line and all, were it read as a policy.
        std::fs::write(root.join("secrets/creds.virt"), format!("{SECRET} = 1;\n")).unwrap();
        std::fs::write(root.join("assets/logo.txt"), "logo\n").unwrap();
        Machine { _dir: dir, root }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.path(rel), text).unwrap();
    }

    fn link(&self, target: &str, rel: &str) {
        std::os::unix::fs::symlink(self.path(target), self.path(rel)).unwrap();
    }

    /// `virtc ARGS` in the project's `app/` directory.
    fn virtc(&self, args: &[&str]) -> Run {
        let run = virtc(&self.path("project/app"), args, &[]);
        assert!(
            !run.stderr.contains(SECRET) && !run.stdout.contains(SECRET),
            "a secret leaked:\n{}{}",
            run.stdout,
            run.stderr
        );
        run
    }

    /// `check` and `compile` of `app.virt` both refuse it with `count` V0064 errors whose
    /// messages hold the `expected` fragments, and no output is written.
    fn refused(&self, policy: &str, count: usize, expected: &[&str]) {
        self.write("project/app/app.virt", policy);
        for args in [
            &["check", "app.virt"][..],
            &["compile", "app.virt", "-o", "out.wasm"][..],
        ] {
            let run = self.virtc(args).expect(1);
            assert_eq!(
                run.stderr.matches("error[V0064]").count(),
                count,
                "{policy}\n{}",
                run.stderr
            );
            for fragment in expected {
                assert!(
                    run.stderr.contains(fragment),
                    "{fragment} in\n{}",
                    run.stderr
                );
            }
            assert!(run.stderr.contains("--allow-path"), "{}", run.stderr);
            assert!(!self.path("project/app/out.wasm").exists());
        }
    }
}

#[test]
fn paths_inside_the_project_compile_and_are_shown_by_inspect_and_report() {
    let m = Machine::new();
    m.write(
        "project/app/app.virt",
        "use \"../shared/base.virt\";\nmount \"/www\" from \"../public\";\n\
         file \"/index\" from \"../public/index.html\";\n",
    );
    m.virtc(&["check", "app.virt"]).expect(0);
    let run = m
        .virtc(&["compile", "app.virt", "-o", "out.wasm", "--report"])
        .expect(0);
    assert!(
        run.stdout
            .starts_with("policy files: ./app.virt, ../shared/base.virt\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!(
            "{}",
            m.path("project/public/index.html").display()
        )),
        "{}",
        run.stdout
    );
    let inspected = m.virtc(&["inspect", "out.wasm"]).expect(0);
    assert!(
        inspected.stdout.contains(
            "// Built from: ./app.virt, ../shared/base.virt, ../public, ../public/index.html\n"
        ),
        "{}",
        inspected.stdout
    );
    let json = m
        .virtc(&["inspect", "out.wasm", "--format", "json"])
        .expect(0);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        value["built_from"],
        serde_json::json!([
            "./app.virt",
            "../shared/base.virt",
            "../public",
            "../public/index.html"
        ])
    );
}

#[test]
fn dot_dot_and_absolute_paths_out_of_the_project_are_refused() {
    let m = Machine::new();
    let secrets = m.path("secrets");
    let outside = |p: &str| {
        format!(
            "`{p}` is outside the project `{}`",
            m.path("project").display()
        )
    };
    m.refused(
        "mount \"/keys\" from \"../../secrets\";\n",
        1,
        &[
            &outside("../../secrets"),
            &format!("leads to `{}`", secrets.display()),
        ],
    );
    m.refused(
        "file \"/key\" from \"../../secrets/id_rsa\";\n",
        1,
        &[&outside("../../secrets/id_rsa")],
    );
    let absolute = secrets.join("id_rsa").display().to_string();
    m.refused(
        &format!("file \"/key\" from \"{absolute}\";\nmount \"/etc\" from \"/etc\";\n"),
        2,
        &[&outside(&absolute), &outside("/etc")],
    );
    // `..` that climbs out and back in is inside.
    m.write(
        "project/app/app.virt",
        "mount \"/www\" from \"../../project/public\";\n",
    );
    m.virtc(&["check", "app.virt"]).expect(0);
}

#[test]
fn links_out_of_the_tree_are_followed_and_refused() {
    let m = Machine::new();
    m.link("secrets", "project/app/innocent");
    m.link("secrets/id_rsa", "project/public/key.txt");
    let leads = format!(
        "leads to `{}` (links followed)",
        m.path("secrets/id_rsa").display()
    );
    m.refused(
        "mount \"/x\" from \"./innocent\";\n",
        1,
        &["(links followed)"],
    );
    m.refused("file \"/k\" from \"./innocent/id_rsa\";\n", 1, &[&leads]);
    m.refused("file \"/k\" from \"../public/key.txt\";\n", 1, &[&leads]);
    // A link inside a mounted tree that leads out is V0054 (links in a tree are kept as links,
    // never followed), and the rest of the tree compiles.
    m.write(
        "project/app/app.virt",
        "mount \"/www\" from \"../public\";\n",
    );
    let run = m.virtc(&["check", "app.virt"]).expect(1);
    assert!(run.stderr.contains("error[V0054]"), "{}", run.stderr);
}

#[test]
fn use_chains_that_leave_the_project_are_refused_before_reading() {
    let m = Machine::new();
    // app.virt → shared/base.virt (inside) → ../../secrets/creds.virt (outside).
    m.write(
        "project/shared/base.virt",
        "use \"../../secrets/creds.virt\";\nstdout allow;\n",
    );
    m.refused(
        "use \"../shared/base.virt\";\n",
        1,
        &["`../../secrets/creds.virt` is outside the project"],
    );
    // Through a link in the project.
    m.write("project/shared/base.virt", "stdout allow;\n");
    m.link("secrets", "project/shared/vault");
    m.refused(
        "use \"../shared/vault/creds.virt\";\n",
        1,
        &["(links followed)"],
    );
    // An absolute path.
    let creds = m.path("secrets/creds.virt").display().to_string();
    m.refused(
        &format!("use \"{creds}\";\n"),
        1,
        &["is outside the project"],
    );
}

#[test]
fn allow_path_lets_a_directory_in_and_nothing_else() {
    let m = Machine::new();
    m.write(
        "project/app/app.virt",
        "mount \"/assets\" from \"../../assets\";\nstdout allow;\n",
    );
    m.virtc(&["check", "app.virt"]).expect(1);
    // Relative to the working directory, as a path on a command line is.
    m.virtc(&["check", "app.virt", "--allow-path", "../../assets"])
        .expect(0);
    let run = m
        .virtc(&[
            "compile",
            "app.virt",
            "-o",
            "out.wasm",
            "--allow-path",
            "../../assets",
        ])
        .expect(0);
    assert_eq!(run.stderr, "");
    let inspected = m.virtc(&["inspect", "out.wasm"]).expect(0);
    assert!(
        inspected
            .stdout
            .contains("// Built from: ./app.virt, ../../assets\n"),
        "{}",
        inspected.stdout
    );
    // Allowing one directory does not allow its siblings.
    m.write(
        "project/app/app.virt",
        "mount \"/assets\" from \"../../assets\";\nmount \"/k\" from \"../../secrets\";\n",
    );
    let run = m
        .virtc(&["check", "app.virt", "--allow-path", "../../assets"])
        .expect(1);
    assert_eq!(
        run.stderr.matches("error[V0064]").count(),
        1,
        "{}",
        run.stderr
    );
    // Repeatable.
    m.virtc(&[
        "check",
        "app.virt",
        "--allow-path",
        "../../assets",
        "--allow-path",
        "../../secrets",
    ])
    .expect(0);
}

#[test]
fn a_bad_allow_path_is_one_error() {
    let m = Machine::new();
    m.write("project/app/app.virt", "stdout allow;\n");
    for (dir, why) in [
        ("../../nothing", "no such file or directory"),
        ("../../assets/logo.txt", "it is not a directory"),
    ] {
        for command in ["check", "compile"] {
            let mut args = vec![command, "app.virt", "--allow-path", dir];
            if command == "compile" {
                args.extend(["-o", "out.wasm"]);
            }
            let run = m.virtc(&args).expect(1);
            assert_eq!(
                run.stderr.trim_end(),
                format!("error[V0065]: cannot allow `{dir}`: {why}"),
            );
        }
    }
    assert!(!m.path("project/app/out.wasm").exists());
}

#[test]
fn without_a_git_directory_the_project_is_the_policy_directory() {
    let m = Machine::new();
    std::fs::remove_dir(m.path("project/.git")).unwrap();
    m.write(
        "project/app/app.virt",
        "mount \"/www\" from \"../public\";\n",
    );
    let run = m.virtc(&["check", "app.virt"]).expect(1);
    assert!(
        run.stderr.contains(&format!(
            "is outside the project `{}`",
            m.path("project/app").display()
        )),
        "{}",
        run.stderr
    );
    m.write("project/app/app.virt", "mount \"/www\" from \"./\";\n");
    m.virtc(&["check", "app.virt"]).expect(0);
    // A `.git` file (a submodule, a worktree) marks a project too.
    m.write("project/.git", "gitdir: /elsewhere\n");
    m.write(
        "project/app/app.virt",
        "mount \"/www\" from \"../public\";\n",
    );
    m.virtc(&["check", "app.virt"]).expect(0);
}

#[test]
fn run_is_confined_too() {
    let m = Machine::new();
    let probe = virtc_tests::guest_path("probe");
    m.write(
        "project/app/app.virt",
        "mount \"/k\" from \"../../secrets\";\nstdout allow;\n",
    );
    let probe = probe.to_str().unwrap();
    m.virtc(&["run", "app.virt", probe]).expect(1);
    let run = m.virtc(&["run", "app.virt", probe, "--allow-path", "../../secrets"]);
    // Allowed, the policy compiles and the component runs.
    assert!(!run.stderr.contains("V0064"), "{}", run.stderr);
}

/// `..` in the written path is no way round: the message names where it leads.
#[test]
fn messages_name_where_a_path_leads() {
    let m = Machine::new();
    m.write(
        "project/app/app.virt",
        "mount \"/k\" from \"./../../secrets/../secrets\";\n",
    );
    let run = m.virtc(&["check", "app.virt"]).expect(1);
    let expected = Path::new(&m.path("secrets")).display().to_string();
    assert!(
        run.stderr.contains(&format!("leads to `{expected}`")),
        "{}",
        run.stderr
    );
}
