//! The smallest Typst "world" a document needs: one template as the main
//! file, one virtual `data.json` with the caller's data, the embedded fonts,
//! and nothing else. No file system, no packages, no network, no clock: a
//! template that asks for anything more gets "not found".
//!
//! User text reaches Typst only inside `data.json`, which the template reads
//! with `json(...)` and shows as strings; a string is never parsed as markup,
//! so `#`, `[`, `$` or `@` in a record's title come out as typed.

use std::sync::LazyLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, Source, VirtualPath};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use crate::fonts;

/// The path the templates read their data from.
pub(crate) const DATA_PATH: &str = "/data.json";
const MAIN_PATH: &str = "/main.typ";

/// Parsed once per process: the standard library and the fonts.
struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static SHARED: LazyLock<Shared> = LazyLock::new(|| {
    let fonts: Vec<Font> = fonts::FACES
        .iter()
        .flat_map(|face| Font::iter(Bytes::new(*face)))
        .collect();
    Shared {
        library: LazyHash::new(Library::builder().build()),
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

pub(crate) struct DocumentWorld {
    main: Source,
    data: Bytes,
}

impl DocumentWorld {
    pub(crate) fn new(template: &'static str, data: Vec<u8>) -> Self {
        let main_id = FileId::new(None, VirtualPath::new(MAIN_PATH));
        Self {
            main: Source::new(main_id, template.to_owned()),
            data: Bytes::new(data),
        }
    }

    fn data_id() -> FileId {
        FileId::new(None, VirtualPath::new(DATA_PATH))
    }
}

impl World for DocumentWorld {
    fn library(&self) -> &LazyHash<Library> {
        &SHARED.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &SHARED.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotFound(id.vpath().as_rootless_path().into()))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == Self::data_id() {
            Ok(self.data.clone())
        } else {
            Err(FileError::NotFound(id.vpath().as_rootless_path().into()))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        SHARED.fonts.get(index).cloned()
    }

    // Dates in a document are the caller's, already written out; a
    // template that asks for "today" gets none, so output is reproducible.
    fn today(&self, _offset: Option<i64>) -> Option<Datetime> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_face_is_read_and_named_as_the_templates_ask() {
        assert_eq!(SHARED.fonts.len(), fonts::FACES.len());
        for font in &SHARED.fonts {
            assert_eq!(font.info().family, fonts::FAMILY);
        }
    }
}
