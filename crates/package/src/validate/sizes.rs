//! Package sizes (spec §13.1): every file belongs to the subpackage whose root holds it, or else
//! to the main package; each package and the total are checked against the [`crate::Limits`]
//! the package was ingested under.

use super::app_json::{AppConfig, APP_JSON};
use super::Validation;
use crate::codes;
use crate::report::{Location, PackageSize};

/// The name WeChat uses for the main package (as in `preloadRule`).
const MAIN_PACKAGE: &str = "__APP__";

pub(crate) fn check(v: &mut Validation<'_>, app: Option<&AppConfig>) -> Vec<PackageSize> {
    let limits = v.package.limits().clone();
    let subpackages = app.map(|app| app.subpackages.as_slice()).unwrap_or_default();
    let mut sizes: Vec<PackageSize> = std::iter::once(PackageSize {
        root: String::new(),
        name: MAIN_PACKAGE.to_owned(),
        files: 0,
        bytes: 0,
        limit: limits.main_package_bytes,
    })
    .chain(subpackages.iter().map(|sub| PackageSize {
        root: sub.root.clone(),
        name: sub.name.clone().unwrap_or_else(|| sub.root.clone()),
        files: 0,
        bytes: 0,
        limit: limits.subpackage_bytes,
    }))
    .collect();
    for (path, bytes) in v.package.files() {
        let owner = subpackages.iter().position(|sub| path.is_under(&sub.root)).map_or(0, |i| i + 1);
        sizes[owner].files += 1;
        sizes[owner].bytes += bytes.len() as u64;
    }

    let app_json = Location::new(APP_JSON, 1, 1);
    for (i, size) in sizes.iter().enumerate() {
        if size.bytes <= size.limit {
            continue;
        }
        if i == 0 {
            let message =
                format!("the main package is {} bytes, over the limit of {}", size.bytes, size.limit);
            v.error(codes::SIZE_MAIN_PACKAGE, app_json.clone(), message);
        } else {
            let message = format!(
                "subpackage \"{}\" is {} bytes, over the limit of {}",
                size.root, size.bytes, size.limit
            );
            v.error(codes::SIZE_SUBPACKAGE, subpackages[i - 1].location.clone(), message);
        }
    }
    let total = v.package.total_bytes();
    if total > limits.total_package_bytes {
        let message = format!(
            "all packages together are {total} bytes, over the limit of {}",
            limits.total_package_bytes
        );
        v.error(codes::SIZE_TOTAL, app_json, message);
    }
    sizes
}
