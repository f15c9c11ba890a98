//! Blob storage (icons, avatars, code packages, later exports) as a port. The binary supplies
//! an object store: a local directory by default, S3-compatible for scale-out.

use async_trait::async_trait;

use crate::error::{Error, StoreError};

#[async_trait]
pub trait Blobs: Send + Sync {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), String>;
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String>;
    async fn delete(&self, key: &str) -> Result<(), String>;
}

pub fn store_error(error: String) -> Error {
    Error::Store(StoreError::Backend(format!("blob store: {error}")))
}
