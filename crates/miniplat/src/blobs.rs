//! The blob store behind the core's `Blobs` port, on the `object_store` crate: a local
//! directory by default (S3-compatible stores plug in the same way).

use async_trait::async_trait;
use miniplat_core::blobs::Blobs;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::ObjectStore;

pub struct ObjectBlobs {
    store: Box<dyn ObjectStore>,
}

impl ObjectBlobs {
    pub fn local(dir: &std::path::Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(Self { store: Box::new(LocalFileSystem::new_with_prefix(dir)?) })
    }
}

fn key_path(key: &str) -> Result<Path, String> {
    Path::parse(key).map_err(|e| format!("invalid blob key {key:?}: {e}"))
}

#[async_trait]
impl Blobs for ObjectBlobs {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), String> {
        self.store.put(&key_path(key)?, bytes.into()).await.map(drop).map_err(|e| e.to_string())
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        match self.store.get(&key_path(key)?).await {
            Ok(result) => result.bytes().await.map(|b| Some(b.to_vec())).map_err(|e| e.to_string()),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), String> {
        match self.store.delete(&key_path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }
}
