//! Why a store could not answer: its own module, because both the stores
//! and an entry's decoding fail with it.

use std::fmt;

/// Why a store could not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StorageError {
    /// The store cannot be reached now (refused, timed out, reset).
    Unavailable(String),
    /// A value the store holds is not an entry this kit wrote.
    Corrupt,
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unavailable(why) => write!(f, "cache storage unavailable: {why}"),
            Self::Corrupt => f.write_str("cache storage holds a value that is not a cache entry"),
        }
    }
}

impl std::error::Error for StorageError {}
