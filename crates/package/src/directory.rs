//! [`zip_directory`]: a project directory zipped the way [`crate::ingest_zip`] expects it, byte for
//! byte the same for the same tree (sorted entries, fixed timestamps and permissions).

use std::fs;
use std::io::{Cursor, Write};
use std::path::Path;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::ingest::{miniprogram_root, IngestError, PROJECT_CONFIG, PROJECT_PRIVATE_CONFIG};
use crate::limits::Limits;
use crate::path::{PackagePath, PathError};

/// Zips the mini program project in `dir` for upload. When `project.config.json` names a
/// `miniprogramRoot`, only that directory and the two dev-tool files go in (cloud functions and
/// other siblings stay home). Skips `node_modules` and every name starting with a dot (`.git`,
/// editor files); refuses symbolic links and special files; applies the same per-file, total and
/// entry-count limits the server will, so a project that zips also ingests.
pub fn zip_directory(dir: &Path, limits: &Limits) -> Result<Vec<u8>, IngestError> {
    let mut files = Vec::new();
    let config = dir.join(PROJECT_CONFIG);
    let root = if config.is_file() {
        let data = read_file(&config, PROJECT_CONFIG, limits)?;
        miniprogram_root(PROJECT_CONFIG, &data, "")?
    } else {
        String::new()
    };
    if root.is_empty() {
        collect(dir, "", &mut files)?;
    } else {
        for name in [PROJECT_CONFIG, PROJECT_PRIVATE_CONFIG] {
            if dir.join(name).is_file() {
                files.push(PackagePath::parse(name).map_err(|reason| invalid(name, reason))?);
            }
        }
        let package_dir = dir.join(&root);
        if !package_dir.is_dir() {
            return Err(IngestError::MiniprogramRootMissing { name: PROJECT_CONFIG.into(), root });
        }
        collect(&package_dir, &root, &mut files)?;
    }
    files.sort();
    if files.len() as u64 > limits.max_entries {
        return Err(IngestError::TooManyEntries { count: files.len() as u64, limit: limits.max_entries });
    }
    if files.is_empty() {
        return Err(IngestError::Empty);
    }

    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let mut total = 0u64;
    for path in &files {
        let data = read_file(&dir.join(path.as_str()), path.as_str(), limits)?;
        total += data.len() as u64;
        if total > limits.max_uncompressed_bytes {
            return Err(IngestError::TotalTooLarge {
                name: path.to_string(),
                limit: limits.max_uncompressed_bytes,
            });
        }
        let zip_error = |error: zip::result::ZipError| io_error(path.as_str(), std::io::Error::other(error));
        writer.start_file(path.as_str(), options).map_err(zip_error)?;
        writer.write_all(&data).map_err(|error| io_error(path.as_str(), error))?;
    }
    let bytes = writer
        .finish()
        .map_err(|error| io_error(&dir.display().to_string(), std::io::Error::other(error)))?
        .into_inner();
    if bytes.len() as u64 > limits.max_archive_bytes {
        return Err(IngestError::ArchiveTooLarge {
            size: bytes.len() as u64,
            limit: limits.max_archive_bytes,
        });
    }
    Ok(bytes)
}

/// Adds the files under `dir` (whose package path is `prefix`) to `files`.
fn collect(dir: &Path, prefix: &str, files: &mut Vec<PackagePath>) -> Result<(), IngestError> {
    let entries = fs::read_dir(dir).map_err(|error| io_error(&display(prefix), error))?;
    for entry in entries {
        let entry = entry.map_err(|error| io_error(&display(prefix), error))?;
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            let name = format!("{prefix}/{}", file_name.to_string_lossy());
            return Err(invalid(&name, PathError::NotUtf8));
        };
        if file_name.starts_with('.') || file_name == "node_modules" {
            continue;
        }
        let name = if prefix.is_empty() { file_name.to_owned() } else { format!("{prefix}/{file_name}") };
        let file_type = entry.file_type().map_err(|error| io_error(&name, error))?;
        if file_type.is_symlink() {
            return Err(IngestError::Symlink { name });
        } else if file_type.is_dir() {
            collect(&entry.path(), &name, files)?;
        } else if file_type.is_file() {
            files.push(PackagePath::parse(&name).map_err(|reason| invalid(&name, reason))?);
        } else {
            return Err(IngestError::SpecialFile { name });
        }
    }
    Ok(())
}

fn read_file(path: &Path, name: &str, limits: &Limits) -> Result<Vec<u8>, IngestError> {
    let size = fs::metadata(path).map_err(|error| io_error(name, error))?.len();
    if size > limits.max_file_bytes {
        return Err(IngestError::FileTooLarge { name: name.to_owned(), limit: limits.max_file_bytes });
    }
    fs::read(path).map_err(|error| io_error(name, error))
}

fn display(prefix: &str) -> String {
    if prefix.is_empty() {
        ".".to_owned()
    } else {
        prefix.to_owned()
    }
}

fn io_error(name: &str, source: std::io::Error) -> IngestError {
    IngestError::Io { name: name.to_owned(), source }
}

fn invalid(name: &str, reason: PathError) -> IngestError {
    IngestError::InvalidPath { name: name.to_owned(), reason }
}
