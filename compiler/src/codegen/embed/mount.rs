//! The `mount` walker: reads a host directory into the embedded tree, `include` and `exclude`
//! globs applied (and reported when they match nothing), symbolic links kept only when they
//! stay inside the mount, unreadable entries reported on the statement.

use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use super::{Embedder, ReportEntry, components, read_regular};
use crate::diagnostic::Diagnostic;
use crate::ir::{MountIr, Place};

impl Embedder<'_> {
    pub(super) fn mount(&mut self, mount: &MountIr) {
        let meta = std::fs::metadata(&mount.host);
        let problem = match &meta {
            Ok(m) if m.is_dir() => None,
            Ok(_) => Some("it is not a directory".to_string()),
            Err(e) => Some(crate::io_error_text(e)),
        };
        if let Some(why) = problem {
            self.out.diagnostics.push(
                Diagnostic::error(
                    "V0050",
                    format!("cannot mount `{}`: {why}", mount.host.display()),
                )
                .primary(
                    mount.host_at.file,
                    mount.host_at.span,
                    format!("{why}: {}", mount.host.display()),
                )
                .help("relative paths resolve against the directory of the policy file"),
            );
            return;
        }
        let include = glob_set(&mount.include);
        let exclude = glob_set(&mount.exclude);
        let mut walk = Walk {
            mount,
            include_hits: vec![0; mount.include.len()],
            exclude_hits: vec![0; mount.exclude.len()],
            include,
            exclude,
        };
        let guest = components(&mount.guest);
        if mount.include.is_empty() && self.dir(&guest, mount.at).is_none() {
            return;
        }
        self.walk(&mut walk, &mount.host, &guest, "");
        for (hits, (glob, place)) in walk
            .include_hits
            .iter()
            .zip(&mount.include)
            .chain(walk.exclude_hits.iter().zip(&mount.exclude))
        {
            if *hits == 0 {
                self.out.diagnostics.push(
                    Diagnostic::warning("V0053", format!("`{glob}` matches nothing in `{}`", mount.host.display()))
                        .primary(place.file, place.span, "no file matches this glob")
                        .help("globs are relative to the mounted directory; `*` stays within one directory, `**/` crosses them"),
                );
            }
        }
    }

    /// Embeds the directory `host` (at `relative` inside the mount) at guest path `guest`.
    fn walk(&mut self, walk: &mut Walk<'_>, host: &Path, guest: &[String], relative: &str) {
        let mount = walk.mount;
        let entries = match std::fs::read_dir(host) {
            Ok(entries) => entries,
            Err(e) => {
                self.unreadable(mount, host, &crate::io_error_text(&e));
                return;
            }
        };
        let mut names: Vec<(String, PathBuf)> = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => match entry.file_name().into_string() {
                    Ok(name) => names.push((name, entry.path())),
                    Err(name) => {
                        self.out.diagnostics.push(
                            Diagnostic::warning(
                                "V0059",
                                format!(
                                    "skipped `{}`: its name is not UTF-8",
                                    host.join(name).display()
                                ),
                            )
                            .primary(
                                mount.host_at.file,
                                mount.host_at.span,
                                "in this mount",
                            ),
                        );
                    }
                },
                Err(e) => self.unreadable(mount, host, &crate::io_error_text(&e)),
            }
        }
        names.sort();
        for (name, path) in names {
            let rel = if relative.is_empty() {
                name.clone()
            } else {
                format!("{relative}/{name}")
            };
            let mut child_guest = guest.to_vec();
            child_guest.push(name.clone());
            let meta = match std::fs::symlink_metadata(&path) {
                Ok(m) => m,
                Err(e) => {
                    self.unreadable(mount, &path, &crate::io_error_text(&e));
                    continue;
                }
            };
            let excluded = walk.exclude_match(&rel);
            if excluded {
                continue;
            }
            if meta.is_dir() {
                if walk.mount.include.is_empty() && self.dir(&child_guest, mount.at).is_none() {
                    continue;
                }
                self.walk(walk, &path, &child_guest, &rel);
            } else if meta.file_type().is_symlink() {
                if !walk.include_match(&rel) {
                    continue;
                }
                self.symlink(mount, &path, &child_guest, &rel);
            } else if meta.is_file() {
                if !walk.include_match(&rel) {
                    continue;
                }
                match read_regular(&mut self.builder, &path) {
                    Ok(contents) => {
                        let Some(dir) = self.dir(guest, mount.at) else {
                            self.builder.discard(contents);
                            continue;
                        };
                        self.add_file(dir, &child_guest, contents, Some(path), mount.at);
                    }
                    Err(why) => self.unreadable(mount, &path, &why),
                }
            } else {
                self.out.diagnostics.push(
                    Diagnostic::warning(
                        "V0059",
                        format!(
                            "skipped `{}`: not a regular file, directory or link",
                            path.display()
                        ),
                    )
                    .primary(
                        mount.host_at.file,
                        mount.host_at.span,
                        "in this mount",
                    ),
                );
            }
        }
    }

    fn unreadable(&mut self, mount: &MountIr, path: &Path, why: &str) {
        self.out.diagnostics.push(
            Diagnostic::error("V0051", format!("cannot embed `{}`: {why}", path.display()))
                .primary(mount.host_at.file, mount.host_at.span, format!("while mounting {}", mount.host.display()))
                .help("fix its permissions, or leave it out with `exclude \"…\";` in the mount's block"),
        );
    }

    fn symlink(&mut self, mount: &MountIr, path: &Path, guest: &[String], rel: &str) {
        let target = match std::fs::read_link(path) {
            Ok(t) => t,
            Err(e) => {
                self.unreadable(mount, path, &crate::io_error_text(&e));
                return;
            }
        };
        let target_text = target.to_string_lossy().into_owned();
        // Resolve lexically from the link's directory inside the mount.
        let mut depth: Vec<&str> = rel.split('/').collect();
        depth.pop();
        let mut escapes = target.is_absolute();
        if !escapes {
            for part in target_text.split('/') {
                match part {
                    "" | "." => {}
                    ".." => {
                        if depth.pop().is_none() {
                            escapes = true;
                            break;
                        }
                    }
                    other => depth.push(other),
                }
            }
        }
        if escapes {
            self.out.diagnostics.push(
                Diagnostic::error(
                    "V0054",
                    format!("symbolic link `{}` points outside the mounted directory", path.display()),
                )
                .primary(mount.host_at.file, mount.host_at.span, format!("`{rel}` → `{target_text}`"))
                .help(format!("virtc never follows links out of a mount; leave it out with `exclude \"{rel}\";`")),
            );
            return;
        }
        let Some(dir) = self.dir(&guest[..guest.len() - 1], mount.at) else {
            return;
        };
        let guest_path = format!("/{}", guest.join("/"));
        let name = guest.last().expect("named");
        if self.builder.child(dir, name).is_some() {
            self.conflict(&guest_path, mount.at, Some(path), "something else");
            return;
        }
        if self.builder.symlink(dir, name, &target_text).is_ok() {
            self.owners
                .insert(guest_path.clone(), (mount.at, Some(path.to_path_buf())));
            self.out.report.push(ReportEntry {
                guest: guest_path,
                host: Some(path.to_path_buf()),
                bytes: target_text.len() as u64,
                link: Some(target_text),
            });
        }
    }
}

struct Walk<'a> {
    mount: &'a MountIr,
    include: GlobSet,
    exclude: GlobSet,
    include_hits: Vec<u64>,
    exclude_hits: Vec<u64>,
}

impl Walk<'_> {
    fn include_match(&mut self, rel: &str) -> bool {
        if self.mount.include.is_empty() {
            return true;
        }
        let hits = self.include.matches(rel);
        for i in &hits {
            self.include_hits[*i] += 1;
        }
        !hits.is_empty()
    }

    fn exclude_match(&mut self, rel: &str) -> bool {
        let hits = self.exclude.matches(rel);
        for i in &hits {
            self.exclude_hits[*i] += 1;
        }
        !hits.is_empty()
    }
}

fn glob_set(patterns: &[(String, Place)]) -> GlobSet {
    let mut builder = GlobSetBuilder::new();
    for (p, _) in patterns {
        // Checked when the policy was analysed.
        if let Ok(glob) = GlobBuilder::new(p).literal_separator(true).build() {
            builder.add(glob);
        }
    }
    builder.build().unwrap_or_else(|_| GlobSet::empty())
}
