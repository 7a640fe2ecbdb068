//! Which host directories a policy may read at build time. A policy can arrive in a pull request
//! and be compiled by a CI machine that holds secrets, so `mount`, `file … from` and `use "…"`
//! reach only into the project that holds the root policy (its nearest ancestor directory with a
//! `.git`, or its own directory where there is none) and the directories the command line allows
//! (`--allow-path DIR`). Paths are compared after following links, so neither `..`, an absolute
//! path nor a link leads out.

use std::path::{Component, Path, PathBuf};

/// The directories build-time host paths may lead into.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Confinement {
    /// The project of the root policy, links resolved.
    project: PathBuf,
    /// Directories allowed besides the project (`--allow-path`), links resolved.
    allowed: Vec<PathBuf>,
}

/// A host path that leads outside every allowed directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outside {
    /// Where the path leads, links followed.
    pub resolved: PathBuf,
    /// The project it is not in.
    pub project: PathBuf,
}

/// An `--allow-path` directory that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadAllowPath {
    pub path: PathBuf,
    pub why: String,
}

impl Confinement {
    /// The confinement of the policy at `policy` (a file path), with `allow` allowed besides.
    pub fn new(policy: &Path, allow: &[PathBuf]) -> Result<Confinement, BadAllowPath> {
        let mut allowed = Vec::new();
        for dir in allow {
            let resolved = dir.canonicalize().map_err(|e| BadAllowPath {
                path: dir.clone(),
                why: crate::io_error_text(&e),
            })?;
            if !resolved.is_dir() {
                return Err(BadAllowPath {
                    path: dir.clone(),
                    why: "it is not a directory".into(),
                });
            }
            allowed.push(resolved);
        }
        Ok(Confinement {
            project: project_of(policy),
            allowed,
        })
    }

    /// The confinement of the policy at `policy` to its project alone.
    pub fn project_only(policy: &Path) -> Confinement {
        Confinement {
            project: project_of(policy),
            allowed: Vec::new(),
        }
    }

    /// The project directory (links resolved).
    pub fn project(&self) -> &Path {
        &self.project
    }

    /// Whether `path` (absolute) leads inside the project or an allowed directory once its
    /// links are followed; where it leads when it does not.
    pub fn check(&self, path: &Path) -> Result<(), Outside> {
        let resolved = resolve(path);
        let inside = std::iter::once(&self.project)
            .chain(&self.allowed)
            .any(|root| resolved.starts_with(root));
        if inside {
            Ok(())
        } else {
            Err(Outside {
                resolved,
                project: self.project.clone(),
            })
        }
    }
}

/// The project holding the policy file at `policy`: its nearest ancestor directory with a
/// `.git` (a directory, or a file as in a submodule or worktree), else its own directory.
pub fn project_of(policy: &Path) -> PathBuf {
    let absolute = crate::db::normalize(policy);
    let dir = absolute.parent().unwrap_or(Path::new("/"));
    let dir = resolve(dir);
    dir.ancestors()
        .find(|d| d.join(".git").symlink_metadata().is_ok())
        .unwrap_or(&dir)
        .to_path_buf()
}

/// `path` (absolute) with every link followed: its longest existing prefix canonicalized, the
/// rest appended lexically (`..` in the rest climbs lexically, as nothing there exists to be a
/// link).
pub fn resolve(path: &Path) -> PathBuf {
    let path = crate::db::normalize(path);
    let mut existing = path.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            let mut out = real;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return out;
        }
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(Component::Normal(name))) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return path,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_project_is_the_nearest_directory_with_git() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("repo/.git")).unwrap();
        std::fs::create_dir_all(root.join("repo/a/b")).unwrap();
        assert_eq!(project_of(&root.join("repo/a/b/p.virt")), root.join("repo"));
        // A submodule's `.git` is a file.
        std::fs::write(root.join("repo/a/.git"), "gitdir: ../.git/modules/a").unwrap();
        assert_eq!(
            project_of(&root.join("repo/a/b/p.virt")),
            root.join("repo/a")
        );
        // No `.git` above: the policy's own directory.
        std::fs::create_dir_all(root.join("loose/x")).unwrap();
        let project = project_of(&root.join("loose/x/p.virt"));
        assert!(project.ends_with("loose/x") || project.join(".git").exists());
    }

    #[test]
    fn links_and_dots_are_followed_before_comparing() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let project = root.join("project");
        std::fs::create_dir_all(project.join(".git")).unwrap();
        std::fs::create_dir_all(project.join("data")).unwrap();
        std::fs::create_dir_all(root.join("secrets")).unwrap();
        std::os::unix::fs::symlink(root.join("secrets"), project.join("link")).unwrap();
        let c = Confinement::new(&project.join("p.virt"), &[]).unwrap();
        assert!(c.check(&project.join("data")).is_ok());
        assert!(c.check(&project.join("data/not-yet/../x")).is_ok());
        assert!(c.check(&project.join("missing/file")).is_ok());
        let out = c.check(&project.join("link/key")).unwrap_err();
        assert_eq!(out.resolved, root.join("secrets/key"));
        assert_eq!(out.project, project);
        assert!(c.check(&project.join("../secrets")).is_err());
        assert!(c.check(Path::new("/etc/passwd")).is_err());
        // A sibling whose name starts like the project's is not inside it.
        std::fs::create_dir_all(root.join("project2")).unwrap();
        assert!(c.check(&root.join("project2")).is_err());
        // Allowed explicitly.
        let c = Confinement::new(&project.join("p.virt"), &[root.join("secrets")]).unwrap();
        assert!(c.check(&project.join("link/key")).is_ok());
        assert!(c.check(Path::new("/etc/passwd")).is_err());
    }

    #[test]
    fn a_bad_allow_path_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        let err = Confinement::new(&dir.path().join("p.virt"), std::slice::from_ref(&missing))
            .unwrap_err();
        assert_eq!(err.path, missing);
        assert_eq!(err.why, "no such file or directory");
        std::fs::write(dir.path().join("f"), "").unwrap();
        let err = Confinement::new(&dir.path().join("p.virt"), &[dir.path().join("f")]);
        assert_eq!(err.unwrap_err().why, "it is not a directory");
    }
}
