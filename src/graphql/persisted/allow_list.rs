//! The allow-list of `--persisted-operations`: the documents read once at
//! start from a directory of `.graphql` files or a JSON manifest, each known
//! by the SHA-256 of its text, every one checked (UTF-8, not empty, a
//! GraphQL document, its manifest key its hash) so that a bad list stops
//! the start naming the file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use super::{is_sha256_hex, sha256_hex};

/// Whether `text` parses as a GraphQL document; `Err` says where it does not.
fn check_syntax(text: &str) -> Result<(), String> {
    async_graphql::parser::parse_query(text)
        .map(|_| ())
        .map_err(|error| format!("is not a GraphQL document: {error}"))
}

/// The documents of `--persisted-operations`, by hash.
pub struct AllowList {
    documents: HashMap<String, Arc<str>>,
}

/// The reason an allow-list cannot be read, naming the file.
#[derive(Debug, thiserror::Error)]
#[error("--persisted-operations (PERSISTED_OPERATIONS): {path}: {problem}")]
pub struct AllowListError {
    /// The file or directory at fault.
    pub path: PathBuf,
    /// What is wrong with it.
    pub problem: String,
}

impl AllowList {
    /// Reads the allow-list at `path`:
    ///
    /// - a directory: every file in it (not in its subdirectories) whose
    ///   name ends in `.graphql` is one document, its id the SHA-256 of its
    ///   bytes exactly as read (a final newline included); other files are
    ///   ignored;
    /// - a file: a JSON manifest `{"<sha256>": "<document>", …}` (the shape
    ///   of Apollo's and Relay's persisted-query maps), each key the SHA-256
    ///   of its value's text.
    ///
    /// `Err` names the file: unreadable, not UTF-8, empty, not a GraphQL
    /// document (a syntax error, with its place), a manifest that is not
    /// such an object or whose hash is not its text's, or no document.
    pub fn load(path: &Path) -> Result<AllowList, AllowListError> {
        let fail = |path: &Path, problem: String| AllowListError {
            path: path.to_owned(),
            problem,
        };
        let metadata = std::fs::metadata(path)
            .map_err(|error| fail(path, format!("cannot be read: {error}")))?;
        let documents = if metadata.is_dir() {
            Self::read_directory(path)?
        } else {
            Self::read_manifest(path)?
        };
        if documents.is_empty() {
            return Err(fail(path, "holds no document".to_owned()));
        }
        Ok(AllowList { documents })
    }

    fn read_directory(dir: &Path) -> Result<HashMap<String, Arc<str>>, AllowListError> {
        let fail = |path: &Path, problem: String| AllowListError {
            path: path.to_owned(),
            problem,
        };
        let entries = std::fs::read_dir(dir)
            .map_err(|error| fail(dir, format!("cannot be read: {error}")))?;
        let mut documents = HashMap::new();
        for entry in entries {
            let entry = entry.map_err(|error| fail(dir, format!("cannot be read: {error}")))?;
            let path = entry.path();
            if path
                .extension()
                .is_none_or(|extension| extension != "graphql")
                || path.is_dir()
            {
                continue;
            }
            let bytes = std::fs::read(&path)
                .map_err(|error| fail(&path, format!("cannot be read: {error}")))?;
            let text =
                String::from_utf8(bytes).map_err(|_| fail(&path, "is not UTF-8".to_owned()))?;
            if text.trim().is_empty() {
                return Err(fail(
                    &path,
                    "is empty: a .graphql file holds one document".to_owned(),
                ));
            }
            check_syntax(&text).map_err(|problem| fail(&path, problem))?;
            documents.insert(sha256_hex(&text), Arc::from(text));
        }
        Ok(documents)
    }

    fn read_manifest(path: &Path) -> Result<HashMap<String, Arc<str>>, AllowListError> {
        let fail = |problem: String| AllowListError {
            path: path.to_owned(),
            problem,
        };
        let bytes =
            std::fs::read(path).map_err(|error| fail(format!("cannot be read: {error}")))?;
        let shape = "a manifest is a JSON object {\"<sha256>\": \"<document>\", …}";
        let value = crate::json::parse(&bytes)
            .map_err(|error| fail(format!("is not a manifest ({error}): {shape}")))?;
        let Value::Object(members) = value else {
            return Err(fail(format!("is not a JSON object: {shape}")));
        };
        let mut documents = HashMap::new();
        for (hash, text) in members {
            let Value::String(text) = text else {
                return Err(fail(format!(
                    "the document of `{hash}` is not a string: {shape}"
                )));
            };
            if !is_sha256_hex(&hash) {
                return Err(fail(format!(
                    "`{hash}` is not a SHA-256 (64 hexadecimal digits): {shape}"
                )));
            }
            if text.trim().is_empty() {
                return Err(fail(format!("the document of `{hash}` is empty")));
            }
            check_syntax(&text)
                .map_err(|problem| fail(format!("the document of `{hash}` {problem}")))?;
            let actual = sha256_hex(&text);
            if actual != hash.to_ascii_lowercase() {
                return Err(fail(format!(
                    "the document of `{hash}` has the SHA-256 {actual}: a key is the SHA-256 of its document's text"
                )));
            }
            documents.insert(actual, Arc::from(text));
        }
        Ok(documents)
    }

    /// How many documents the list holds.
    pub fn len(&self) -> usize {
        self.documents.len()
    }

    /// True when the list holds no document (never, once loaded).
    pub fn is_empty(&self) -> bool {
        self.documents.is_empty()
    }

    pub(super) fn get(&self, hash: &str) -> Option<&Arc<str>> {
        self.documents.get(hash)
    }
}
