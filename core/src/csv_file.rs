//! How a clinic's CSV file is opened, for every import (the register, the
//! education records, the licences): the byte order mark Excel's "CSV
//! UTF-8" writes is skipped, the delimiter is told by the header line
//! (Excel in a Russian locale separates with ';' because ',' is the
//! decimal separator there), rows with the wrong number of fields are left
//! to the caller to report, and the bytes read are counted for a progress
//! bar. [`text`] reads a field (or a header name) as UTF-8 or, failing
//! that, as Windows-1251, what an older Excel saves as "CSV"; an import
//! that takes only UTF-8 (the register, the education records: their
//! files come from systems that write it) reads the bytes itself.

use std::borrow::Cow;
use std::io::{BufRead, BufReader, Chain, Cursor, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Why a file cannot be read as CSV at all.
#[derive(Debug)]
pub enum OpenError {
    Read(std::io::Error),
    /// Nothing but whitespace before the first line break.
    Empty,
}

/// The header line put back in front of the rest of the counted input.
pub type Input<R> = Chain<Cursor<Vec<u8>>, BufReader<Counting<R>>>;

/// The opened file: its CSV reader (headers not read yet) and how many
/// bytes of the input it has consumed so far.
pub struct CsvFile<R> {
    pub reader: csv::Reader<Input<R>>,
    pub consumed: Arc<AtomicU64>,
}

pub fn open<R: Read>(input: R) -> Result<CsvFile<R>, OpenError> {
    let consumed = Arc::new(AtomicU64::new(0));
    let mut input = BufReader::new(Counting {
        inner: input,
        consumed: consumed.clone(),
    });
    // The delimiter is decided by the header line, so it is read by hand
    // first and put back in front of the rest for the CSV reader.
    let mut header = Vec::new();
    input
        .read_until(b'\n', &mut header)
        .map_err(OpenError::Read)?;
    if let Some(rest) = header.strip_prefix(b"\xEF\xBB\xBF") {
        header = rest.to_vec();
    }
    if header.iter().all(u8::is_ascii_whitespace) {
        return Err(OpenError::Empty);
    }
    // Both separators are ASCII, the same byte in UTF-8 and Windows-1251.
    let count = |separator: u8| header.iter().filter(|&&b| b == separator).count();
    let delimiter = if count(b';') > count(b',') {
        b';'
    } else {
        b','
    };
    let reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        // Rows with the wrong number of fields are reported, not fatal.
        .flexible(true)
        // Lines end at '\n' alone. With the default (CR, LF or CRLF) the
        // reader counts a CRLF's '\n' into the next record and every line
        // number in a Windows file comes out one short; the '\r' left at
        // the end of the last field is trimmed like any other whitespace.
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(Cursor::new(header).chain(input));
    Ok(CsvFile { reader, consumed })
}

/// A reader that counts what passes through it, for the progress bar.
pub struct Counting<R> {
    inner: R,
    consumed: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.consumed
            .fetch_add(u64::try_from(read).unwrap_or(u64::MAX), Ordering::Relaxed);
        Ok(read)
    }
}

/// A field's bytes as text: UTF-8, or else Windows-1251. Russian text in
/// Windows-1251 is practically never valid UTF-8 (its letters are UTF-8's
/// lead bytes with no continuation after them), so the guess is safe.
pub fn text(raw: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(raw) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => encoding_rs::WINDOWS_1251.decode_without_bom_handling(raw).0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_is_utf8_or_windows_1251() {
        assert_eq!(text("Москва".as_bytes()), "Москва");
        // "Москва" as an old Excel saves it.
        assert_eq!(text(b"\xcc\xee\xf1\xea\xe2\xe0"), "Москва");
        assert_eq!(text(b"active"), "active");
    }

    #[test]
    fn a_windows_1251_header_opens_with_its_delimiter() {
        // "ОГРН;ИНН" in Windows-1251.
        let file = b"\xce\xc3\xd0\xcd;\xc8\xcd\xcd\n1;2\n";
        let mut opened = open(&file[..]).expect("opens");
        let header = opened.reader.byte_headers().unwrap().clone();
        assert_eq!(header.len(), 2);
        assert_eq!(text(&header[0]), "ОГРН");
        assert!(matches!(open(&b" \n"[..]), Err(OpenError::Empty)));
    }
}
