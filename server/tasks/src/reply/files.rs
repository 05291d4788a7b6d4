//! What the workspace holds at a path a reply names: a text file the edit may change, nothing
//! (so an empty SEARCH may create it), or something that must never be edited, with the reason.
//!
//! The distinction is what keeps a reply from destroying a file: a reader that answered "no
//! such file" for a latin-1 or binary file once let an empty SEARCH "create" it, overwriting it.

/// One path of the workspace, as the caller found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileRead {
    /// A UTF-8 text file (or an open document), with its text.
    Text(String),
    /// Nothing is there.
    Missing,
    /// A directory: no file of that name, and nothing an edit may write over.
    Directory,
    /// Something is there that switchboard does not edit; the reason reads after "the file ",
    /// e.g. "is not UTF-8 text (it may be latin-1)".
    NotEditable(String),
}

impl FileRead {
    /// A file's bytes, classified: text when they are UTF-8 without NUL bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> FileRead {
        // Git's heuristic: a NUL in the first 8 KiB means binary.
        if bytes.iter().take(8192).any(|&b| b == 0) {
            return FileRead::NotEditable(
                "is binary (it holds NUL bytes), so switchboard does not edit it".to_string(),
            );
        }
        match String::from_utf8(bytes) {
            Ok(text) => FileRead::Text(text),
            Err(err) => FileRead::NotEditable(format!(
                "is not UTF-8 text (byte {} is not valid UTF-8; latin-1 and other encodings \
                 are not edited), so switchboard does not edit it: convert it to UTF-8 first",
                err.utf8_error().valid_up_to()
            )),
        }
    }

    /// The text, for a caller that only reads text files.
    pub fn text(self) -> Option<String> {
        match self {
            FileRead::Text(text) => Some(text),
            FileRead::Missing | FileRead::Directory | FileRead::NotEditable(_) => None,
        }
    }

    /// Whether a file is there (a directory is not one): what makes a word of a reply read as
    /// the name of a file.
    pub fn exists(&self) -> bool {
        matches!(self, FileRead::Text(_) | FileRead::NotEditable(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_text_binary_or_another_encoding() {
        assert_eq!(
            FileRead::from_bytes(b"caf\xc3\xa9\n".to_vec()),
            FileRead::Text("café\n".to_string())
        );
        let latin1 = FileRead::from_bytes(b"caf\xe9\n".to_vec());
        assert!(
            matches!(&latin1, FileRead::NotEditable(why) if why.contains("not UTF-8") && why.contains("byte 3")),
            "{latin1:?}"
        );
        let binary = FileRead::from_bytes(b"\x89PNG\r\n\x1a\n\0\0".to_vec());
        assert!(matches!(&binary, FileRead::NotEditable(why) if why.contains("binary")));
        assert_eq!(
            FileRead::from_bytes(Vec::new()),
            FileRead::Text(String::new())
        );
    }
}
