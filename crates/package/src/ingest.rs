//! [`ingest_zip`]: from an uploaded zip to a [`Package`], refusing anything unsafe to unpack.
//!
//! Two passes. The first reads only the central directory and refuses bad names, symlinks and
//! special files, encrypted entries, unknown compression methods and duplicates before a single
//! byte is inflated. The second inflates the files of the package root, counting real output
//! against the per-file, total and ratio limits as it goes: declared sizes are used to refuse
//! early, never to accept.

use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use zip::{CompressionMethod, ZipArchive};

use crate::json;
use crate::limits::Limits;
use crate::package::Package;
use crate::path::{PackagePath, PathError};

/// Dev-tool configuration files that are not part of a package (spec §13.4).
pub(crate) const PROJECT_CONFIG: &str = "project.config.json";
pub(crate) const PROJECT_PRIVATE_CONFIG: &str = "project.private.config.json";

/// Below this many bytes of output an entry's compression ratio is not checked.
const RATIO_GRACE_BYTES: u64 = 64 * 1024;

/// Why an archive or project tree was refused. Every variant about one entry names it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    #[error("the archive is {size} bytes, over the limit of {limit}")]
    ArchiveTooLarge { size: u64, limit: u64 },
    #[error("not a readable zip archive: {reason}")]
    InvalidArchive { reason: String },
    #[error("the archive has {count} entries, over the limit of {limit}")]
    TooManyEntries { count: u64, limit: u64 },
    #[error("{name}: {reason}")]
    InvalidPath { name: String, reason: PathError },
    #[error("{name}: symbolic links are not allowed in a package")]
    Symlink { name: String },
    #[error("{name}: only regular files and directories are allowed in a package")]
    SpecialFile { name: String },
    #[error("{name}: encrypted entries are not supported")]
    Encrypted { name: String },
    #[error("{name}: compression method {method} is not supported (use stored or deflate)")]
    UnsupportedCompression { name: String, method: String },
    #[error("{name}: duplicate entry, the same path as {first} once normalised")]
    DuplicateEntry { name: String, first: String },
    #[error("{name}: larger than the limit of {limit} bytes for one file")]
    FileTooLarge { name: String, limit: u64 },
    #[error("{name}: the archive unpacks to more than {limit} bytes")]
    TotalTooLarge { name: String, limit: u64 },
    #[error("{name}: compression ratio above {limit}:1, refused as a possible zip bomb")]
    CompressionRatio { name: String, limit: u64 },
    #[error("{name}: cannot be read: {reason}")]
    CorruptEntry { name: String, reason: String },
    #[error("{name}:{line}:{column}: {message}")]
    ProjectConfig { name: String, line: u32, column: u32, message: String },
    #[error("{name}: miniprogramRoot {root:?} holds no files")]
    MiniprogramRootMissing { name: String, root: String },
    #[error("the package has no files")]
    Empty,
    #[error("{name}: {source}")]
    Io {
        name: String,
        #[source]
        source: std::io::Error,
    },
}

impl IngestError {
    /// A stable code for the refusal, e.g. `ingest.path_traversal`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::ArchiveTooLarge { .. } => "ingest.archive_too_large",
            Self::InvalidArchive { .. } => "ingest.invalid_archive",
            Self::TooManyEntries { .. } => "ingest.too_many_entries",
            Self::InvalidPath { reason, .. } => match reason {
                PathError::Traversal => "ingest.path_traversal",
                PathError::Absolute => "ingest.absolute_path",
                PathError::Backslash => "ingest.backslash",
                PathError::DriveLetter => "ingest.drive_letter",
                PathError::Empty | PathError::ControlCharacter | PathError::TooLong | PathError::NotUtf8 => {
                    "ingest.invalid_path"
                }
            },
            Self::Symlink { .. } => "ingest.symlink",
            Self::SpecialFile { .. } => "ingest.special_file",
            Self::Encrypted { .. } => "ingest.encrypted",
            Self::UnsupportedCompression { .. } => "ingest.unsupported_compression",
            Self::DuplicateEntry { .. } => "ingest.duplicate_entry",
            Self::FileTooLarge { .. } => "ingest.file_too_large",
            Self::TotalTooLarge { .. } => "ingest.total_too_large",
            Self::CompressionRatio { .. } => "ingest.compression_ratio",
            Self::CorruptEntry { .. } => "ingest.corrupt_entry",
            Self::ProjectConfig { .. } => "ingest.project_config",
            Self::MiniprogramRootMissing { .. } => "ingest.miniprogram_root_missing",
            Self::Empty => "ingest.empty",
            Self::Io { .. } => "ingest.io",
        }
    }

    /// The archive entry or project file the refusal is about, as written there.
    pub fn file(&self) -> Option<&str> {
        match self {
            Self::InvalidPath { name, .. }
            | Self::Symlink { name }
            | Self::SpecialFile { name }
            | Self::Encrypted { name }
            | Self::UnsupportedCompression { name, .. }
            | Self::DuplicateEntry { name, .. }
            | Self::FileTooLarge { name, .. }
            | Self::TotalTooLarge { name, .. }
            | Self::CompressionRatio { name, .. }
            | Self::CorruptEntry { name, .. }
            | Self::ProjectConfig { name, .. }
            | Self::MiniprogramRootMissing { name, .. }
            | Self::Io { name, .. } => Some(name),
            Self::ArchiveTooLarge { .. }
            | Self::InvalidArchive { .. }
            | Self::TooManyEntries { .. }
            | Self::Empty => None,
        }
    }
}

/// A file entry that passed the central-directory checks.
struct Entry {
    index: usize,
    name: String,
    path: PackagePath,
    compressed_size: u64,
    declared_size: u64,
}

/// Unpacks a mini program project from a zip. The project may sit at the zip root or in a single
/// top-level folder; its `project.config.json` `miniprogramRoot`, when present, selects the
/// package directory. Dev-tool files are left out. See the module docs for what is refused.
pub fn ingest_zip(bytes: &[u8], limits: &Limits) -> Result<Package, IngestError> {
    let Opened { mut reader, entries, project_root, package_root, config_path } = open(bytes, limits)?;
    let (wanted, paths): (Vec<&Entry>, Vec<PackagePath>) =
        entries.iter().filter_map(|entry| Some((entry, package_path(entry, &package_root)?))).unzip();
    if wanted.is_empty() {
        if package_root != project_root {
            return Err(IngestError::MiniprogramRootMissing { name: config_path, root: package_root });
        }
        return Err(IngestError::Empty);
    }
    let contents = reader.read_all(&wanted)?;
    Package::from_files(paths.into_iter().zip(contents), limits.clone())
}

/// The content of one file of a package zip, `None` when the package has no file at `path`.
/// Reads the central directory and that one entry (plus `project.config.json` to find the
/// package directory), under the same checks and limits as [`ingest_zip`]: for showing a file of
/// a package that was validated when it was uploaded, without unpacking all of it.
pub fn read_package_file(
    bytes: &[u8],
    path: &PackagePath,
    limits: &Limits,
) -> Result<Option<Vec<u8>>, IngestError> {
    let Opened { mut reader, entries, package_root, .. } = open(bytes, limits)?;
    let wanted = |entry: &&Entry| package_path(entry, &package_root).is_some_and(|p| p == *path);
    entries.iter().find(wanted).map(|entry| reader.read(entry)).transpose()
}

/// An archive past the central-directory checks, with its package directory located.
struct Opened<'a> {
    reader: EntryReader<'a>,
    entries: Vec<Entry>,
    /// The directory holding the project (`""` for the zip root).
    project_root: String,
    /// The directory holding the package: the project root or its `miniprogramRoot`.
    package_root: String,
    /// Where `project.config.json` is or would be.
    config_path: String,
}

fn open<'a>(bytes: &'a [u8], limits: &'a Limits) -> Result<Opened<'a>, IngestError> {
    let archive_size = bytes.len() as u64;
    if archive_size > limits.max_archive_bytes {
        return Err(IngestError::ArchiveTooLarge { size: archive_size, limit: limits.max_archive_bytes });
    }
    let archive = ZipArchive::new(Cursor::new(bytes))
        .map_err(|error| IngestError::InvalidArchive { reason: error.to_string() })?;
    if archive.len() as u64 > limits.max_entries {
        return Err(IngestError::TooManyEntries { count: archive.len() as u64, limit: limits.max_entries });
    }
    if archive.has_duplicate_names() {
        // The zip crate keeps one entry per name; find the name it folded for the message.
        let name = duplicated_name(bytes, archive.central_directory_start()).unwrap_or_default();
        return Err(IngestError::DuplicateEntry { first: name.clone(), name });
    }
    let entries = list_entries(&archive)?;

    let project_root = project_root(&entries);
    let mut reader = EntryReader { archive, archive_size, limits, unpacked: 0 };
    let config_path = join(&project_root, PROJECT_CONFIG);
    let package_root = match entries.iter().find(|e| e.path.as_str() == config_path) {
        Some(config) => {
            let data = reader.read(config)?;
            miniprogram_root(&config.name, &data, &project_root)?
        }
        None => project_root.clone(),
    };
    Ok(Opened { reader, entries, project_root, package_root, config_path })
}

/// An entry's path inside the package, `None` for entries outside it and dev-tool files.
fn package_path(entry: &Entry, package_root: &str) -> Option<PackagePath> {
    let relative = entry.path.strip_dir(package_root)?;
    (!matches!(relative.as_str(), PROJECT_CONFIG | PROJECT_PRIVATE_CONFIG)).then_some(relative)
}

/// First pass: the central directory only.
fn list_entries(archive: &ZipArchive<Cursor<&[u8]>>) -> Result<Vec<Entry>, IngestError> {
    let mut entries = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for index in 0..archive.len() {
        let entry = archive
            .by_index_data(index)
            .map_err(|error| IngestError::InvalidArchive { reason: error.to_string() })?;
        let name = match entry.name() {
            Ok(name) => name.into_owned(),
            Err(_) => {
                let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
                return Err(IngestError::InvalidPath { name, reason: PathError::NotUtf8 });
            }
        };
        let path = PackagePath::parse(&name)
            .map_err(|reason| IngestError::InvalidPath { name: name.clone(), reason })?;
        if let Some(mode) = entry.unix_mode() {
            match mode & 0o170_000 {
                0o120_000 => return Err(IngestError::Symlink { name }),
                0 | 0o100_000 | 0o040_000 => {}
                _ => return Err(IngestError::SpecialFile { name }),
            }
        }
        if entry.encrypted() {
            return Err(IngestError::Encrypted { name });
        }
        if entry.is_dir() || is_archiver_junk(&path) {
            continue;
        }
        let method = entry.compression();
        if !matches!(method, CompressionMethod::Stored | CompressionMethod::Deflated) {
            return Err(IngestError::UnsupportedCompression { name, method: method.to_string() });
        }
        // Case-insensitive, because the developer tools run on case-insensitive file systems
        // and two such entries could never have come from one project directory.
        if let Some(first) = seen.insert(path.as_str().to_lowercase(), name.clone()) {
            return Err(IngestError::DuplicateEntry { name, first });
        }
        entries.push(Entry {
            index,
            name,
            path,
            compressed_size: entry.compressed_size(),
            declared_size: entry.size(),
        });
    }
    Ok(entries)
}

/// The first name the central directory starting at `start` lists twice.
fn duplicated_name(bytes: &[u8], start: u64) -> Option<String> {
    const HEADER: usize = 46;
    let field = |at: usize| -> Option<usize> {
        Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?) as usize)
    };
    let mut seen = std::collections::HashSet::new();
    let mut at = usize::try_from(start).ok()?;
    while bytes.get(at..at + 4)? == b"PK\x01\x02" {
        let (name_len, extra_len, comment_len) = (field(at + 28)?, field(at + 30)?, field(at + 32)?);
        let name = bytes.get(at + HEADER..at + HEADER + name_len)?;
        if !seen.insert(name) {
            return Some(String::from_utf8_lossy(name).into_owned());
        }
        at += HEADER + name_len + extra_len + comment_len;
    }
    None
}

/// Files archivers add on their own: macOS resource forks and Finder metadata.
fn is_archiver_junk(path: &PackagePath) -> bool {
    path.is_under("__MACOSX") || path.file_name() == ".DS_Store"
}

/// The directory holding the project: the zip root, or the single folder everything is in.
fn project_root(entries: &[Entry]) -> String {
    let mut top: Option<&str> = None;
    for entry in entries {
        let Some((first, _)) = entry.path.as_str().split_once('/') else { return String::new() };
        match top {
            None => top = Some(first),
            Some(seen) if seen == first => {}
            Some(_) => return String::new(),
        }
    }
    top.unwrap_or_default().to_owned()
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

/// The package directory `project.config.json` selects.
pub(crate) fn miniprogram_root(name: &str, data: &[u8], project_root: &str) -> Result<String, IngestError> {
    let config_error = |offset: usize, text: &str, message: String| {
        let before = &text[..offset.min(text.len())];
        let line = before.matches('\n').count() as u32 + 1;
        let column = before.rsplit('\n').next().unwrap_or_default().chars().count() as u32 + 1;
        IngestError::ProjectConfig { name: name.to_owned(), line, column, message }
    };
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let text = std::str::from_utf8(data).map_err(|error| {
        let valid = std::str::from_utf8(&data[..error.valid_up_to()]).unwrap_or_default();
        config_error(valid.len(), valid, "not valid UTF-8".into())
    })?;
    let value = json::parse(text).map_err(|error| config_error(error.offset, text, error.message))?;
    let Some(object) = value.as_object() else {
        return Err(config_error(0, text, "expected a JSON object".into()));
    };
    let Some(property) = object.get("miniprogramRoot") else { return Ok(project_root.to_owned()) };
    let Some(root) = property.value.as_string_lit() else {
        return Err(config_error(
            json::start(&property.value),
            text,
            "miniprogramRoot must be a string".into(),
        ));
    };
    match PackagePath::parse(&root.value) {
        Ok(root) => Ok(join(project_root, root.as_str())),
        Err(PathError::Empty) => Ok(project_root.to_owned()),
        Err(reason) => Err(config_error(root.range.start, text, format!("miniprogramRoot: {reason}"))),
    }
}

/// Archives with fewer compressed bytes to inflate than this are inflated on one thread: not
/// worth a second.
const PARALLEL_COMPRESSED_BYTES: u64 = 128 * 1024;

/// Most threads one archive is inflated on.
const MAX_INFLATE_THREADS: usize = 4;

/// Second pass: inflates entries while counting what comes out.
struct EntryReader<'a> {
    archive: ZipArchive<Cursor<&'a [u8]>>,
    archive_size: u64,
    limits: &'a Limits,
    unpacked: u64,
}

impl EntryReader<'_> {
    /// Inflates `entry` within what is left of the total limit.
    fn read(&mut self, entry: &Entry) -> Result<Vec<u8>, IngestError> {
        let total_left = self.limits.max_uncompressed_bytes.saturating_sub(self.unpacked);
        let data = inflate(&mut self.archive, entry, self.archive_size, self.limits, total_left)?;
        self.unpacked += data.len() as u64;
        Ok(data)
    }

    /// Inflates `entries`, in order: the same contents, or the same refusal naming the same
    /// entry, as reading them one after another with [`Self::read`], whichever thread inflated
    /// what. Large archives are inflated on as many threads as the machine has cores (at most
    /// [`MAX_INFLATE_THREADS`]) taking entries from one queue; then the outcomes are checked in
    /// entry order against the total limit, and an entry that failed or was skipped there is read
    /// again here, as the one-after-another reading would have read it, for its exact refusal.
    fn read_all(&mut self, entries: &[&Entry]) -> Result<Vec<Vec<u8>>, IngestError> {
        let compressed: u64 = entries.iter().map(|entry| entry.compressed_size).sum();
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(MAX_INFLATE_THREADS)
            .min(entries.len());
        if threads <= 1 || compressed < PARALLEL_COMPRESSED_BYTES {
            return entries.iter().map(|entry| self.read(entry)).collect();
        }
        let inflated = self.inflate_in_parallel(entries, threads);
        let mut contents = Vec::with_capacity(entries.len());
        for (entry, outcome) in entries.iter().zip(inflated) {
            let total_left = self.limits.max_uncompressed_bytes.saturating_sub(self.unpacked);
            let data = match outcome {
                Some(Ok(data)) if data.len() as u64 <= total_left => {
                    self.unpacked += data.len() as u64;
                    data
                }
                _ => self.read(entry)?,
            };
            contents.push(data);
        }
        Ok(contents)
    }

    /// Each entry's outcome on its own (the total limit applied to it alone); `None` for the
    /// entries skipped once everything inflated so far already exceeds the total limit, which
    /// keeps a hostile archive from costing more memory on several threads than on one.
    fn inflate_in_parallel(
        &self,
        entries: &[&Entry],
        threads: usize,
    ) -> Vec<Option<Result<Vec<u8>, IngestError>>> {
        let limits = self.limits;
        let (next, unpacked) = (AtomicUsize::new(0), AtomicU64::new(0));
        let work = || {
            // A clone shares the parsed central directory; only the reader position is its own.
            let mut archive = self.archive.clone();
            let mut done = Vec::new();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(&entry) = entries.get(index) else { break };
                let outcome =
                    (unpacked.load(Ordering::Relaxed) <= limits.max_uncompressed_bytes).then(|| {
                        let total_left = limits.max_uncompressed_bytes;
                        let data = inflate(&mut archive, entry, self.archive_size, limits, total_left)?;
                        unpacked.fetch_add(data.len() as u64, Ordering::Relaxed);
                        Ok(data)
                    });
                done.push((index, outcome));
            }
            done
        };
        let mut outcomes: Vec<Option<Result<Vec<u8>, IngestError>>> =
            std::iter::repeat_with(|| None).take(entries.len()).collect();
        std::thread::scope(|scope| {
            // A thread that cannot be started leaves its share to the others.
            let helpers: Vec<_> = (1..threads)
                .filter_map(|_| {
                    std::thread::Builder::new().name("package-inflate".into()).spawn_scoped(scope, work).ok()
                })
                .collect();
            let mut done = work();
            for helper in helpers {
                done.extend(helper.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
            }
            for (index, outcome) in done {
                outcomes[index] = outcome;
            }
        });
        outcomes
    }
}

/// Inflates one entry, refusing it once its output passes the per-file limit, `total_left` or
/// its compression-ratio allowance.
fn inflate(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    entry: &Entry,
    archive_size: u64,
    limits: &Limits,
    total_left: u64,
) -> Result<Vec<u8>, IngestError> {
    let corrupt = |error: &dyn std::fmt::Display| IngestError::CorruptEntry {
        name: entry.name.clone(),
        reason: error.to_string(),
    };
    if entry.declared_size > limits.max_file_bytes {
        return Err(IngestError::FileTooLarge { name: entry.name.clone(), limit: limits.max_file_bytes });
    }
    let mut file = archive.by_index(entry.index).map_err(|e| corrupt(&e))?;
    // The compressed stream cannot be longer than the archive, whatever the header says.
    let compressed = entry.compressed_size.clamp(1, archive_size.max(1));
    let ratio_cap = compressed.saturating_mul(limits.max_compression_ratio).max(RATIO_GRACE_BYTES);
    let allowed = limits.max_file_bytes.min(total_left).min(ratio_cap);

    let mut data = Vec::with_capacity(entry.declared_size.min(allowed) as usize);
    (&mut file).take(allowed.saturating_add(1)).read_to_end(&mut data).map_err(|e| corrupt(&e))?;
    let size = data.len() as u64;
    if size > allowed {
        let name = entry.name.clone();
        return Err(if size > limits.max_file_bytes {
            IngestError::FileTooLarge { name, limit: limits.max_file_bytes }
        } else if size > total_left {
            IngestError::TotalTooLarge { name, limit: limits.max_uncompressed_bytes }
        } else {
            IngestError::CompressionRatio { name, limit: limits.max_compression_ratio }
        });
    }
    Ok(data)
}
