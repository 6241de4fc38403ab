//! Where the index lives on disk: tantivy's `MmapDirectory`, except that
//! document store files are read with `pread` instead of being mapped.
//!
//! Postings, term dictionaries and fast fields are small and read at random
//! by every query: mapping them is right. The doc store holds every chunk's
//! JSON (about two thirds of the index) and is read block by block, through
//! tantivy's cache of decompressed blocks. Mapped, every block ever read
//! stays in the process's resident memory, so one scan over the chunks at
//! start-up (the catalog, the session sync) made `serve` 50 MB bigger on a
//! 70 MB corpus. Read with `pread`, a block costs memory only while it is in
//! tantivy's cache.

use std::fs::File;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::directory::error::{
    DeleteError, LockError, OpenDirectoryError, OpenReadError, OpenWriteError,
};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, OwnedBytes, WatchCallback,
    WatchHandle, WritePtr,
};
use tantivy::HasLen;

#[derive(Clone, Debug)]
pub struct NotesDirectory {
    root: PathBuf,
    mmap: MmapDirectory,
}

impl NotesDirectory {
    pub fn open(root: &Path) -> Result<NotesDirectory, OpenDirectoryError> {
        Ok(NotesDirectory {
            root: root.to_path_buf(),
            mmap: MmapDirectory::open(root)?,
        })
    }
}

/// A file read with positioned reads; each read allocates its own buffer.
#[derive(Debug)]
struct PreadFile {
    file: File,
    len: usize,
}

impl HasLen for PreadFile {
    fn len(&self) -> usize {
        self.len
    }
}

impl FileHandle for PreadFile {
    fn read_bytes(&self, range: Range<usize>) -> io::Result<OwnedBytes> {
        if range.start > range.end || range.end > self.len {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("read of {range:?} past the end ({} bytes)", self.len),
            ));
        }
        if range.is_empty() {
            return Ok(OwnedBytes::empty());
        }
        let mut buf = vec![0; range.len()];
        read_exact_at(&self.file, &mut buf, range.start as u64)?;
        Ok(OwnedBytes::new(buf))
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

impl Directory for NotesDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        if path.extension().is_none_or(|e| e != "store") {
            return self.mmap.get_file_handle(path);
        }
        let full = self.root.join(path);
        let open = || -> io::Result<PreadFile> {
            let file = File::open(&full)?;
            let len = usize::try_from(file.metadata()?.len()).map_err(io::Error::other)?;
            Ok(PreadFile { file, len })
        };
        match open() {
            Ok(f) => Ok(Arc::new(f)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(OpenReadError::FileDoesNotExist(path.to_path_buf()))
            }
            Err(e) => Err(OpenReadError::wrap_io_error(e, path.to_path_buf())),
        }
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.mmap.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.mmap.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        self.mmap.open_write(path)
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.mmap.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        self.mmap.atomic_write(path, data)
    }

    fn sync_directory(&self) -> io::Result<()> {
        self.mmap.sync_directory()
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        self.mmap.acquire_lock(lock)
    }

    fn watch(&self, callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.mmap.watch(callback)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_files_are_read_in_place_and_ranges_are_checked() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("a.store"), b"0123456789").unwrap();
        std::fs::write(tmp.path().join("a.idx"), b"abcdef").unwrap();
        let dir = NotesDirectory::open(tmp.path()).unwrap();
        let store = dir.open_read(Path::new("a.store")).unwrap();
        assert_eq!(store.len(), 10);
        assert_eq!(store.read_bytes_slice(2..5).unwrap().as_slice(), b"234");
        assert!(store.read_bytes_slice(3..3).unwrap().is_empty());
        let h = dir.get_file_handle(Path::new("a.store")).unwrap();
        assert!(h.read_bytes(8..11).is_err());
        let idx = dir.open_read(Path::new("a.idx")).unwrap();
        assert_eq!(idx.read_bytes().unwrap().as_slice(), b"abcdef");
        assert!(matches!(
            dir.get_file_handle(Path::new("missing.store")),
            Err(OpenReadError::FileDoesNotExist(_))
        ));
    }
}
