//! File access of the evaluator.
//!
//! The evaluator reads files only through [`EvalIo`], so the environment layer can record
//! every file an evaluation read (for its cache fingerprint) or serve files from elsewhere.
//! [`RealFs`] is the plain filesystem.

use std::io;
use std::path::Path;

/// The type of a directory entry, as `builtins.readDir` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    /// A regular file.
    Regular,
    /// A directory.
    Directory,
    /// A symbolic link.
    Symlink,
    /// Anything else (socket, device, fifo).
    Unknown,
}

impl FileType {
    /// The name used by `readDir` and `readFileType`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileType::Regular => "regular",
            FileType::Directory => "directory",
            FileType::Symlink => "symlink",
            FileType::Unknown => "unknown",
        }
    }
}

/// Everything the evaluator needs from a filesystem.
pub trait EvalIo {
    /// The bytes of a file.
    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// The entries of a directory with their types (not following symlinks).
    fn read_dir(&self, path: &Path) -> io::Result<Vec<(String, FileType)>>;
    /// Whether a path exists (following symlinks).
    fn path_exists(&self, path: &Path) -> bool;
    /// The type of a path (not following a final symlink).
    fn file_type(&self, path: &Path) -> io::Result<FileType>;
    /// The type of a path, following symlinks.
    fn file_type_follow(&self, path: &Path) -> io::Result<FileType>;
}

/// The real filesystem.
#[derive(Clone, Copy, Debug, Default)]
pub struct RealFs;

fn convert(ft: std::fs::FileType) -> FileType {
    if ft.is_symlink() {
        FileType::Symlink
    } else if ft.is_dir() {
        FileType::Directory
    } else if ft.is_file() {
        FileType::Regular
    } else {
        FileType::Unknown
    }
}

impl EvalIo for RealFs {
    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<(String, FileType)>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(path)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            out.push((name, convert(entry.file_type()?)));
        }
        Ok(out)
    }

    fn path_exists(&self, path: &Path) -> bool {
        path.exists()
    }

    fn file_type(&self, path: &Path) -> io::Result<FileType> {
        Ok(convert(std::fs::symlink_metadata(path)?.file_type()))
    }

    fn file_type_follow(&self, path: &Path) -> io::Result<FileType> {
        Ok(convert(std::fs::metadata(path)?.file_type()))
    }
}
