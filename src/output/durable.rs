//! Files that survive a crash or a power loss whole, checksums that prove a file is the
//! one written, and one writer per output folder.
//!
//! - [`write_file`] writes under a temporary name of this process's own
//!   (`<name>.<pid>.tmp`, so writers never share one), flushes the data to the disk
//!   (`fsync`), renames it into place and then flushes the folder, so after a power
//!   loss a file is either absent or complete, as after `SIGKILL`.
//! - [`HashingWriter`] computes a file's [`FileDigest`] (length and BLAKE3 hash) as it
//!   is written; [`digest_file`] recomputes it from the disk to verify.
//! - [`FolderLock`] is an advisory lock (`flock`) on an output folder: shards of one
//!   experiment share the folder and each holds its own shard's lock; an unsharded run,
//!   a forced run and a merge hold the whole folder. The lock dies with the process, so
//!   a killed writer never leaves the folder locked. Lock files are removed when the
//!   last holder lets go (a killed writer leaves an empty one behind, which is harmless).

use fs4::FileExt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// The temporary name `path` is written under by this process: `<name>.<pid>.tmp`.
pub fn temporary_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".{}.tmp", std::process::id()));
    path.with_file_name(name)
}

/// True for a name caresim gives a temporary file (`*.tmp`).
pub fn is_temporary(name: &str) -> bool {
    name.ends_with(".tmp")
}

/// Flushes a folder's entries (new names, renames) to the disk. A no-op where folders
/// cannot be opened as files.
pub fn sync_folder(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Writes a file durably: `write` fills a temporary file of this process's own, which is
/// flushed to the disk, renamed to `path`, and the folder flushed. Returns what `write`
/// returned. On error the temporary file is removed.
pub fn write_file<T>(path: &Path, write: impl FnOnce(&mut File) -> io::Result<T>) -> io::Result<T> {
    let tmp = temporary_path(path);
    let result = (|| {
        let mut file = File::create(&tmp)?;
        let out = write(&mut file)?;
        file.flush()?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        if let Some(dir) = path.parent() {
            sync_folder(if dir.as_os_str().is_empty() { Path::new(".") } else { dir })?;
        }
        Ok(out)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// A file's length and BLAKE3 hash: what a run records of every file it writes, and what a
/// rerun or a merge checks the file against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileDigest {
    /// Length in bytes.
    pub len: u64,
    /// BLAKE3 hash, 64 lower-case hex digits.
    pub blake3: String,
}

impl FileDigest {
    /// `<len>:<hash>`, the form stored in a run's marker.
    pub fn encode(&self) -> String {
        format!("{}:{}", self.len, self.blake3)
    }

    /// Parses [`FileDigest::encode`]'s form.
    pub fn decode(text: &str) -> Option<FileDigest> {
        let (len, hash) = text.split_once(':')?;
        let ok = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
        ok.then(|| Some(FileDigest { len: len.parse().ok()?, blake3: hash.to_string() })).flatten()
    }
}

/// How a file on the disk compares with the digest recorded when it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileCheck {
    /// Present, same length and hash.
    Intact,
    /// Not there (or not readable as a file).
    Missing,
    /// Shorter than written: `found` of `expected` bytes.
    Truncated {
        /// Bytes on the disk.
        found: u64,
        /// Bytes written.
        expected: u64,
    },
    /// Another length above the written one, or the same length and another hash.
    Mismatch,
}

impl FileCheck {
    /// Checks `path` against `expected`.
    pub fn of(path: &Path, expected: &FileDigest) -> FileCheck {
        match digest_file(path) {
            Err(_) => FileCheck::Missing,
            Ok(d) if d.len < expected.len => FileCheck::Truncated { found: d.len, expected: expected.len },
            Ok(d) if d == *expected => FileCheck::Intact,
            Ok(_) => FileCheck::Mismatch,
        }
    }

    /// A short description for a problem list (`None` when intact).
    pub fn problem(&self) -> Option<String> {
        match self {
            FileCheck::Intact => None,
            FileCheck::Missing => Some("missing".into()),
            FileCheck::Truncated { found, expected } => Some(format!("truncated ({found} of {expected} bytes)")),
            FileCheck::Mismatch => Some("checksum mismatch (changed since it was written)".into()),
        }
    }
}

/// A writer that hashes what passes through it.
pub struct HashingWriter<W> {
    inner: W,
    hasher: blake3::Hasher,
    len: u64,
}

impl<W: Write> HashingWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        HashingWriter { inner, hasher: blake3::Hasher::new(), len: 0 }
    }

    /// The digest of everything written so far.
    pub fn digest(&self) -> FileDigest {
        FileDigest { len: self.len, blake3: self.hasher.finalize().to_hex().to_string() }
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The digest of a file on the disk.
pub fn digest_file(path: &Path) -> io::Result<FileDigest> {
    let mut file = File::open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::other("not a file"));
    }
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut len = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    Ok(FileDigest { len, blake3: hasher.finalize().to_hex().to_string() })
}

/// The lock file every writer of a folder holds: shared by shards, exclusive otherwise.
pub const FOLDER_LOCK: &str = ".caresim.lock";

/// The lock file of shard `index` of `count`.
pub fn shard_lock_name(index: u32, count: u32) -> String {
    format!(".caresim.shard-{index}-of-{count}.lock")
}

/// True for the name of a lock file caresim creates.
pub fn is_lock_name(name: &str) -> bool {
    name == FOLDER_LOCK || name.starts_with(".caresim.shard-") && name.ends_with(".lock")
}

/// Why a folder could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds a conflicting lock.
    #[error(
        "{dir} is being written by another caresim process{holder}; wait for it to finish, or choose another --out \
         directory (shards of one experiment may share a folder: pass --shard-index/--shard-count)"
    )]
    Busy {
        /// The folder.
        dir: PathBuf,
        /// `" (pid N)"` when the holder wrote its process id, else empty.
        holder: String,
    },
    /// The lock file could not be opened or locked.
    #[error("locking {path}: {source}")]
    Io {
        /// The lock file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
}

/// What a process holds a folder for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockScope {
    /// The whole folder: an unsharded run, a forced run, a merge.
    Whole,
    /// One shard of a sharded experiment: other shards may write beside it.
    Shard {
        /// The shard, 0-based.
        index: u32,
        /// Number of shards.
        count: u32,
    },
}

/// An advisory lock on an output folder, released when dropped (or when the process
/// ends, however it ends).
#[derive(Debug)]
pub struct FolderLock {
    /// (lock file, its path, held exclusively), the shard's after the folder's.
    files: Vec<(File, PathBuf, bool)>,
}

impl Drop for FolderLock {
    /// Removes each lock file this process is the last holder of, while still holding it
    /// (a shared lock is first turned exclusive, which fails while another shard holds
    /// it), then lets go. A writer that opened the old file before it was removed sees, on
    /// locking it, that the path no longer names it and opens the new one.
    fn drop(&mut self) {
        for (file, path, exclusive) in self.files.iter().rev() {
            if *exclusive || FileExt::try_lock(file).is_ok() {
                let _ = fs::remove_file(path);
            }
        }
    }
}

/// True when `path` still names the open `file` (it was not removed and replaced).
fn still_named(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

impl FolderLock {
    /// Locks the existing folder `dir` for `scope`, without waiting: a second writer gets
    /// [`LockError::Busy`] at once.
    pub fn acquire(dir: &Path, scope: LockScope) -> Result<FolderLock, LockError> {
        let folder = dir.join(FOLDER_LOCK);
        let open = |path: &Path| {
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)
                .map_err(|source| LockError::Io { path: path.to_path_buf(), source })
        };
        let busy = |path: &Path| LockError::Busy { dir: dir.to_path_buf(), holder: holder_of(path) };
        let try_lock = |file: &File, path: &Path, shared: bool| {
            let r = if shared { FileExt::try_lock_shared(file) } else { FileExt::try_lock(file) };
            r.map_err(|e| match e {
                fs4::TryLockError::WouldBlock => busy(path),
                fs4::TryLockError::Error(source) => LockError::Io { path: path.to_path_buf(), source },
            })
        };
        // Locks one lock file, reopening it when a holder removed it meanwhile.
        let lock = |path: &Path, shared: bool| -> Result<File, LockError> {
            loop {
                let file = open(path)?;
                try_lock(&file, path, shared)?;
                if still_named(&file, path) {
                    return Ok(file);
                }
            }
        };
        let mut files = Vec::with_capacity(2);
        match scope {
            LockScope::Whole => {
                let file = lock(&folder, false)?;
                write_holder(&file);
                files.push((file, folder, true));
            }
            LockScope::Shard { index, count } => {
                files.push((lock(&folder, true)?, folder, false));
                let shard = dir.join(shard_lock_name(index, count));
                let file = lock(&shard, false)?;
                write_holder(&file);
                files.push((file, shard, true));
            }
        }
        Ok(FolderLock { files })
    }
}

/// Records this process's id in a lock file it holds exclusively (for the second
/// writer's message). Best effort: the lock, not the text, is what excludes.
fn write_holder(mut file: &File) {
    let _ = file.set_len(0);
    let _ = file.write_all(format!("pid {}\n", std::process::id()).as_bytes());
}

fn holder_of(path: &Path) -> String {
    match fs::read_to_string(path) {
        Ok(text) if text.starts_with("pid ") => format!(" ({})", text.trim()),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("caresim-durable-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch folder");
        dir
    }

    #[test]
    fn write_file_leaves_only_the_finished_file_and_its_digest_matches() {
        let dir = scratch("write");
        let path = dir.join("a.parquet");
        let digest = write_file(&path, |f| {
            let mut w = HashingWriter::new(f);
            w.write_all(b"hello, world")?;
            Ok(w.digest())
        })
        .expect("write");
        let names: Vec<String> =
            fs::read_dir(&dir).expect("list").map(|e| e.expect("entry").file_name().to_string_lossy().into()).collect();
        assert_eq!(names, vec!["a.parquet".to_string()]);
        assert_eq!(digest.len, 12);
        assert_eq!(digest_file(&path).expect("digest"), digest);
        assert_eq!(FileCheck::of(&path, &digest), FileCheck::Intact);
        assert_eq!(FileDigest::decode(&digest.encode()), Some(digest.clone()));
        // A failed write removes its temporary file and leaves the old file alone.
        let err = write_file(&path, |f| {
            f.write_all(b"partial")?;
            Err::<(), _>(io::Error::other("boom"))
        });
        assert!(err.is_err());
        assert_eq!(fs::read(&path).expect("read"), b"hello, world");
        assert_eq!(fs::read_dir(&dir).expect("list").count(), 1);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn damaged_files_are_told_apart() {
        let dir = scratch("check");
        let path = dir.join("f");
        fs::write(&path, b"0123456789").expect("write");
        let d = digest_file(&path).expect("digest");
        fs::write(&path, b"01234").expect("truncate");
        assert_eq!(FileCheck::of(&path, &d), FileCheck::Truncated { found: 5, expected: 10 });
        fs::write(&path, b"0123X56789").expect("flip");
        assert_eq!(FileCheck::of(&path, &d), FileCheck::Mismatch);
        fs::remove_file(&path).expect("remove");
        assert_eq!(FileCheck::of(&path, &d), FileCheck::Missing);
        fs::create_dir(&path).expect("a folder in its place");
        assert_eq!(FileCheck::of(&path, &d), FileCheck::Missing);
        assert_eq!(FileDigest::decode("12:xyz"), None);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn temporary_names_are_per_process() {
        let t = temporary_path(Path::new("runs/part-s0000-r00000.parquet"));
        assert_eq!(t, PathBuf::from(format!("runs/part-s0000-r00000.parquet.{}.tmp", std::process::id())));
        assert!(is_temporary(&t.to_string_lossy()));
        assert!(is_lock_name(FOLDER_LOCK) && is_lock_name(&shard_lock_name(2, 5)) && !is_lock_name("x.lock"));
    }

    /// flock locks belong to open file descriptions, so two opens in one process exclude
    /// each other as two processes would.
    #[test]
    fn one_writer_per_folder_and_per_shard() {
        let dir = scratch("lock");
        let whole = FolderLock::acquire(&dir, LockScope::Whole).expect("first writer");
        let second = FolderLock::acquire(&dir, LockScope::Whole).expect_err("second writer");
        assert!(second.to_string().contains("being written by another caresim process"), "{second}");
        assert!(second.to_string().contains(&format!("(pid {})", std::process::id())), "{second}");
        assert!(matches!(
            FolderLock::acquire(&dir, LockScope::Shard { index: 0, count: 2 }),
            Err(LockError::Busy { .. })
        ));
        drop(whole);
        let s0 = FolderLock::acquire(&dir, LockScope::Shard { index: 0, count: 2 }).expect("shard 0");
        let s1 = FolderLock::acquire(&dir, LockScope::Shard { index: 1, count: 2 }).expect("shard 1 beside it");
        assert!(matches!(
            FolderLock::acquire(&dir, LockScope::Shard { index: 1, count: 2 }),
            Err(LockError::Busy { .. })
        ));
        assert!(matches!(FolderLock::acquire(&dir, LockScope::Whole), Err(LockError::Busy { .. })));
        drop(s0);
        assert!(dir.join(FOLDER_LOCK).exists(), "shard 1 still holds the folder");
        assert!(!dir.join(shard_lock_name(0, 2)).exists(), "shard 0's lock file removed");
        drop(s1);
        let whole = FolderLock::acquire(&dir, LockScope::Whole).expect("free again");
        drop(whole);
        assert_eq!(fs::read_dir(&dir).expect("list").count(), 0, "lock files removed by the last holder");
        let _ = fs::remove_dir_all(&dir);
    }
}
