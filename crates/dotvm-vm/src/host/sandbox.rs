//! Path resolution inside a preopened directory: a guest path never reaches a host file
//! outside the directory it was granted.
//!
//! A path is first normalised by its text (`.` dropped, `..` taking back one component;
//! absolute paths and `..` above the directory are refused), then checked against the
//! file system: the longest existing prefix is canonicalised (following symbolic links)
//! and must still lie inside the granted directory. A dangling symbolic link as the last
//! component is refused when it would be followed, since creating a file through it could
//! land anywhere. (Another process changing the directory between the check and the use
//! is outside this model.)

use super::Errno;
use std::path::{Component, Path, PathBuf};

/// Why a path cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The path leaves the granted directory.
    Escape,
    /// Another error (bad text, a missing parent, ...).
    Error(Errno),
}

impl From<Errno> for Refusal {
    fn from(errno: Errno) -> Refusal {
        Refusal::Error(errno)
    }
}

/// Resolves `guest` relative to the directory `base` (canonical, inside the canonical
/// `root`) to a host path inside `root`. With `follow`, a symbolic link as the last
/// component is followed (and must stay inside); without it the link itself is named.
pub(crate) fn resolve(
    root: &Path,
    base: &Path,
    guest: &str,
    follow: bool,
) -> Result<PathBuf, Refusal> {
    if guest.is_empty() {
        return Err(Errno::NoEnt.into());
    }
    if guest.contains('\0') {
        return Err(Errno::Inval.into());
    }
    if guest.starts_with('/') {
        return Err(Refusal::Escape);
    }
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    let start = base.strip_prefix(root).map_err(|_| Refusal::Escape)?;
    for component in start.components() {
        match component {
            Component::Normal(name) => parts.push(name),
            _ => return Err(Refusal::Escape),
        }
    }
    for segment in guest.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop().ok_or(Refusal::Escape)?;
            }
            name => {
                // A name the host would read as more than one component (`\` on Windows,
                // a drive prefix) is not a plain name.
                let mut components = Path::new(name).components();
                match (components.next(), components.next()) {
                    (Some(Component::Normal(_)), None) => parts.push(std::ffi::OsStr::new(name)),
                    _ => return Err(Refusal::Escape),
                }
            }
        }
    }
    let candidate: PathBuf = parts.iter().fold(root.to_path_buf(), |p, c| p.join(c));
    let Some(name) = parts.last() else {
        return Ok(root.to_path_buf());
    };
    let inside = |path: PathBuf| {
        if path.starts_with(root) {
            Ok(path)
        } else {
            Err(Refusal::Escape)
        }
    };
    let link = candidate
        .symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink());
    if follow || !link {
        match candidate.canonicalize() {
            Ok(path) => return inside(path),
            // A dangling link that would be followed.
            Err(_) if link => return Err(Refusal::Escape),
            Err(_) => {}
        }
    }
    // The last component does not exist (or is a link named, not followed): the parent
    // must exist inside the directory.
    let parent = candidate
        .parent()
        .ok_or(Refusal::Error(Errno::NoEnt))?
        .canonicalize()
        .map_err(|e| Refusal::Error(Errno::from_io(&e)))?;
    Ok(inside(parent)?.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/a.txt"), "a").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "s").unwrap();
        let root = root.canonicalize().unwrap();
        (dir, root)
    }

    #[test]
    fn plain_paths_resolve_inside() {
        let (_dir, root) = setup();
        let r = |p| resolve(&root, &root, p, true);
        assert_eq!(r("sub/a.txt"), Ok(root.join("sub/a.txt")));
        assert_eq!(r("./sub//a.txt"), Ok(root.join("sub/a.txt")));
        assert_eq!(r("sub/../sub/a.txt"), Ok(root.join("sub/a.txt")));
        assert_eq!(r("new.txt"), Ok(root.join("new.txt")));
        assert_eq!(r("."), Ok(root.clone()));
        assert_eq!(
            resolve(&root, &root.join("sub"), "a.txt", true),
            Ok(root.join("sub/a.txt"))
        );
        assert_eq!(r("missing/new.txt"), Err(Refusal::Error(Errno::NoEnt)));
        assert_eq!(r(""), Err(Refusal::Error(Errno::NoEnt)));
    }

    #[test]
    fn escapes_are_refused() {
        let (_dir, root) = setup();
        let r = |p| resolve(&root, &root, p, true);
        assert_eq!(r("../secret.txt"), Err(Refusal::Escape));
        assert_eq!(r("sub/../../secret.txt"), Err(Refusal::Escape));
        assert_eq!(r("/etc/passwd"), Err(Refusal::Escape));
        assert_eq!(
            resolve(&root, &root.join("sub"), "../../secret.txt", true),
            Err(Refusal::Escape)
        );
    }

    #[cfg(unix)]
    #[test]
    fn symbolic_links_out_of_the_directory_are_refused() {
        let (dir, root) = setup();
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("out")).unwrap();
        std::os::unix::fs::symlink(dir.path(), root.join("outdir")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("nowhere"), root.join("dangling")).unwrap();
        std::os::unix::fs::symlink("sub/a.txt", root.join("in")).unwrap();
        let r = |p, follow| resolve(&root, &root, p, follow);
        assert_eq!(r("out", true), Err(Refusal::Escape));
        assert_eq!(r("outdir/secret.txt", true), Err(Refusal::Escape));
        assert_eq!(r("outdir/new.txt", true), Err(Refusal::Escape));
        assert_eq!(r("dangling", true), Err(Refusal::Escape));
        assert_eq!(r("in", true), Ok(root.join("sub/a.txt")));
        // Naming a link without following it (to unlink it) is fine.
        assert_eq!(r("out", false), Ok(root.join("out")));
    }
}
