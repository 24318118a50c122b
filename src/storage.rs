//! Evidence file storage: a directory on local disk, one file per stored id.
//!
//! Paths are built only from ids this service generated (UUIDs, parsed before use), never from
//! a name a caller sent, so no request can reach outside the directory. A file is written
//! under a temporary name, synced, then renamed into place, so a crash leaves either the whole
//! file or none of it.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

const INCOMING_PREFIX: &str = ".incoming-";

#[derive(Debug, Clone)]
pub struct EvidenceStore {
    dir: PathBuf,
    max_bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("'{0}' is not a stored file id")]
    BadId(String),
    #[error("stored file {0} is missing")]
    Missing(String),
    #[error("evidence storage failed: {0}")]
    Io(#[from] io::Error),
}

impl EvidenceStore {
    /// Opens (creating if needed) the storage directory, and clears uploads a crash cut short.
    pub fn open(dir: &Path, max_bytes: u64) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            if entry
                .file_name()
                .to_string_lossy()
                .starts_with(INCOMING_PREFIX)
            {
                fs::remove_file(entry.path())?;
            }
        }
        Ok(Self {
            dir: dir.to_owned(),
            max_bytes,
        })
    }

    /// Largest file accepted, in bytes.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    fn path_of(&self, id: &str) -> Result<PathBuf, StorageError> {
        let id = uuid::Uuid::parse_str(id).map_err(|_| StorageError::BadId(id.to_owned()))?;
        Ok(self.dir.join(id.hyphenated().to_string()))
    }

    /// Stores `content` under `id`, durably: it is on disk when this returns.
    pub fn put(&self, id: &str, content: &[u8]) -> Result<(), StorageError> {
        let path = self.path_of(id)?;
        let incoming = self.dir.join(format!("{INCOMING_PREFIX}{id}"));
        let mut file = File::create(&incoming)?;
        file.write_all(content)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&incoming, &path)?;
        // The rename is durable only once the directory entry is.
        File::open(&self.dir)?.sync_all()?;
        Ok(())
    }

    pub fn get(&self, id: &str) -> Result<Vec<u8>, StorageError> {
        let path = self.path_of(id)?;
        fs::read(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => StorageError::Missing(id.to_owned()),
            _ => StorageError::Io(e),
        })
    }

    /// Removes a file whose database row was never committed.
    pub fn discard(&self, id: &str) {
        if let Ok(path) = self.path_of(id) {
            let _ = fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_round_trip_and_ids_cannot_escape_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let store = EvidenceStore::open(&dir.path().join("evidence"), 1024).unwrap();
        let id = uuid::Uuid::now_v7().to_string();
        store.put(&id, b"hello").unwrap();
        assert_eq!(store.get(&id).unwrap(), b"hello");
        assert!(matches!(
            store.get("../annexa.db"),
            Err(StorageError::BadId(_))
        ));
        assert!(matches!(
            store.get(&uuid::Uuid::now_v7().to_string()),
            Err(StorageError::Missing(_))
        ));
        store.discard(&id);
        assert!(matches!(store.get(&id), Err(StorageError::Missing(_))));
    }

    #[test]
    fn opening_clears_cut_short_uploads() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".incoming-x"), b"partial").unwrap();
        EvidenceStore::open(dir.path(), 1024).unwrap();
        assert!(!dir.path().join(".incoming-x").exists());
    }
}
