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
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::hash::Hash;
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

impl OpenError {
    /// The reason in an import's own error: its `empty`, or its `read`.
    pub fn into_import<E>(self, empty: E, read: impl FnOnce(std::io::Error) -> E) -> E {
        match self {
            OpenError::Read(error) => read(error),
            OpenError::Empty => empty,
        }
    }
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

impl<R: Read> CsvFile<R> {
    /// Reads the next row that holds anything into `record`: its line (the
    /// header is line 1), or `None` at the end of the file. Excel ends a
    /// sheet with rows of bare separators; they hold nothing and are passed
    /// over.
    pub fn next_row(&mut self, record: &mut csv::ByteRecord) -> Result<Option<u64>, csv::Error> {
        while self.reader.read_byte_record(record)? {
            if !record.iter().flatten().all(u8::is_ascii_whitespace) {
                return Ok(Some(
                    record.position().map_or(0, |position| position.line()),
                ));
            }
        }
        Ok(None)
    }

    /// How many bytes of the input have been read so far.
    pub fn consumed(&self) -> u64 {
        self.consumed.load(Ordering::Relaxed)
    }
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

/// What an import did, row by row of the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Rows the table did not have.
    pub inserted: u64,
    /// Stored rows the file changed.
    pub updated: u64,
    /// Stored rows equal to the file's (not written, but for a licence's
    /// import date).
    pub unchanged: u64,
    /// Rows left out, in file order.
    pub skipped: Vec<SkippedRow>,
}

#[cfg(test)]
impl ImportReport {
    /// The rows left out, each by its line and reason: what the imports'
    /// tests compare.
    pub fn reasons(&self) -> Vec<(u64, &str)> {
        self.skipped
            .iter()
            .map(|row| (row.line, row.reason.as_str()))
            .collect()
    }
}

/// A row left out of an import, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRow {
    /// The line the row starts on; the header is line 1.
    pub line: u64,
    pub reason: String,
}

/// The I/O error a CSV reader stopped on. With `flexible` and byte records
/// the only error left is I/O; anything else is kept as its description.
pub fn read_error(error: csv::Error) -> std::io::Error {
    match error.into_kind() {
        csv::ErrorKind::Io(error) => error,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

/// A column an import knows. A header names it by its English name or by
/// its Russian one, in any letter case.
pub trait Column: Copy + Eq + Hash + 'static {
    /// Every column, in the documented order.
    const ALL: &'static [Self];

    fn name(self) -> &'static str;

    /// The Russian name (the one a missing column is asked for by).
    fn russian_name(self) -> &'static str;

    /// Whether a header's name, lowercased, is this column's.
    fn is_named(self, wanted: &str) -> bool {
        self.name() == wanted || self.russian_name().to_lowercase() == wanted
    }

    /// A file without this column is refused.
    fn is_required(self) -> bool;
}

/// The English names of every column, as the error of a wrong header
/// lists them.
pub fn expected_header<C: Column>(separator: &str) -> String {
    C::ALL
        .iter()
        .map(|column| column.name())
        .collect::<Vec<_>>()
        .join(separator)
}

/// The header line's names as text (see [`text`]).
pub fn header_text(header: &csv::ByteRecord) -> Vec<String> {
    header.iter().map(|raw| text(raw).into_owned()).collect()
}

/// The header line's names, or `None` when one is not UTF-8 (for the
/// imports that take UTF-8 only).
pub fn header_utf8(header: &csv::ByteRecord) -> Option<Vec<String>> {
    header
        .iter()
        .map(|raw| String::from_utf8(raw.to_vec()).ok())
        .collect()
}

/// What is wrong with a header line, one problem a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderProblem {
    /// A name that is no column's: refused rather than ignored, since a
    /// misspelt column would otherwise drop its every value unsaid.
    Unknown(String),
    /// A column named twice.
    Repeated(String),
    /// A required column the header lacks, as `name (Russian name)`.
    Missing(String),
}

/// A header's problems: the unknown and repeated names in header order,
/// then the missing columns in the documented order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderProblems(pub Vec<HeaderProblem>);

impl HeaderProblems {
    /// The missing, unknown and repeated names, apart.
    pub fn split(self) -> (Vec<String>, Vec<String>, Vec<String>) {
        let (mut missing, mut unknown, mut repeated) = (Vec::new(), Vec::new(), Vec::new());
        for problem in self.0 {
            match problem {
                HeaderProblem::Missing(name) => missing.push(name),
                HeaderProblem::Unknown(name) => unknown.push(name),
                HeaderProblem::Repeated(name) => repeated.push(name),
            }
        }
        (missing, unknown, repeated)
    }
}

/// One problem after another: `unknown column x; missing column y (…)`.
impl fmt::Display for HeaderProblems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (at, problem) in self.0.iter().enumerate() {
            if at > 0 {
                f.write_str("; ")?;
            }
            match problem {
                HeaderProblem::Unknown(name) => write!(f, "unknown column {name}")?,
                HeaderProblem::Repeated(name) => write!(f, "repeated column {name}")?,
                HeaderProblem::Missing(name) => write!(f, "missing column {name}")?,
            }
        }
        Ok(())
    }
}

/// The problems grouped by kind, then what the header should be:
/// `the header is not recognised: missing columns a, b; unknown columns c;
/// expected …`.
pub fn describe_header<C: Column>(
    missing: &[String],
    unknown: &[String],
    repeated: &[String],
) -> String {
    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(format!("missing columns {}", missing.join(", ")));
    }
    if !unknown.is_empty() {
        problems.push(format!("unknown columns {}", unknown.join(", ")));
    }
    if !repeated.is_empty() {
        problems.push(format!("repeated columns {}", repeated.join(", ")));
    }
    format!(
        "the header is not recognised: {}; expected {} (or the Russian names)",
        problems.join("; "),
        expected_header::<C>(",")
    )
}

/// Which column of the file holds which field, and what the header calls
/// each: a row's reasons quote the file's own words, Russian or English.
pub struct Header<C> {
    /// Per column of the file, the field it holds.
    columns: Vec<C>,
    /// Per field, its name as the header writes it.
    names: HashMap<C, String>,
}

impl<C: Column> Header<C> {
    /// Reads the header line's names (see [`header_text`] and
    /// [`header_utf8`]): every one must be a column, none twice, and no
    /// required column missing.
    pub fn read(names: Vec<String>) -> Result<Header<C>, HeaderProblems> {
        let mut columns = Vec::new();
        let mut found = HashMap::new();
        let mut problems = Vec::new();
        for name in names {
            let name = name.trim().to_owned();
            let wanted = name.to_lowercase();
            match C::ALL.iter().find(|column| column.is_named(&wanted)) {
                None => problems.push(HeaderProblem::Unknown(name)),
                Some(&column) => match found.entry(column) {
                    Entry::Occupied(_) => problems.push(HeaderProblem::Repeated(name)),
                    Entry::Vacant(slot) => {
                        slot.insert(name);
                        columns.push(column);
                    }
                },
            }
        }
        for &column in C::ALL {
            if column.is_required() && !found.contains_key(&column) {
                let name = format!("{} ({})", column.name(), column.russian_name());
                problems.push(HeaderProblem::Missing(name));
            }
        }
        if !problems.is_empty() {
            return Err(HeaderProblems(problems));
        }
        Ok(Header {
            columns,
            names: found,
        })
    }

    /// The column's name as the header writes it (its English name if the
    /// file has no such column).
    pub fn name(&self, column: C) -> &str {
        self.names
            .get(&column)
            .map_or(column.name(), String::as_str)
    }

    /// The row's field in `column`, if the file has the column and the row
    /// the field.
    pub fn cell<'r>(&self, record: &'r csv::ByteRecord, column: C) -> Option<&'r [u8]> {
        let at = self.columns.iter().position(|&held| held == column)?;
        record.get(at)
    }

    /// The row's fields, each with its column; refused when the row has
    /// more or fewer fields than the header.
    pub fn cells<'r>(
        &self,
        record: &'r csv::ByteRecord,
    ) -> Result<impl Iterator<Item = (C, &'r [u8])> + use<'_, 'r, C>, String> {
        if record.len() != self.columns.len() {
            return Err(format!(
                "expected {} fields, found {}",
                self.columns.len(),
                record.len()
            ));
        }
        Ok(self.columns.iter().copied().zip(record.iter()))
    }

    /// The row's values as text (see [`text`]), trimmed, the empty ones
    /// left out.
    pub fn values(&self, record: &csv::ByteRecord) -> Result<HashMap<C, String>, String> {
        self.values_by(record, |_, raw| Ok(text(raw)))
    }

    /// The row's values as [`Header::values`], but UTF-8 only: a field that
    /// is not refuses the row, by its column.
    pub fn utf8_values(&self, record: &csv::ByteRecord) -> Result<HashMap<C, String>, String> {
        self.values_by(record, |column, raw| {
            std::str::from_utf8(raw).map(Cow::Borrowed).map_err(|_| {
                format!(
                    "{}: not UTF-8 text (save the file as CSV UTF-8)",
                    self.name(column)
                )
            })
        })
    }

    fn values_by<'r>(
        &self,
        record: &'r csv::ByteRecord,
        read: impl Fn(C, &'r [u8]) -> Result<Cow<'r, str>, String>,
    ) -> Result<HashMap<C, String>, String> {
        let mut values = HashMap::new();
        for (column, raw) in self.cells(record)? {
            let value = read(column, raw)?;
            let value = value.trim();
            if !value.is_empty() {
                values.insert(column, value.to_owned());
            }
        }
        Ok(values)
    }
}

/// The first line each key of a file was on: a row twice in one file (one
/// practitioner, one licence, one record) is the file's mistake, and which
/// of the two is right is not the import's to guess, so only the first is
/// taken.
pub struct FirstLines<K>(HashMap<K, u64>);

impl<K: Eq + Hash> Default for FirstLines<K> {
    fn default() -> Self {
        FirstLines(HashMap::new())
    }
}

impl<K: Eq + Hash> FirstLines<K> {
    /// The line the key was first on, if not this one; else it is noted
    /// as on `line`.
    pub fn earlier(&mut self, key: K, line: u64) -> Option<u64> {
        match self.0.entry(key) {
            Entry::Occupied(first) => Some(*first.get()),
            Entry::Vacant(slot) => {
                slot.insert(line);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    enum Test {
        Snils,
        Place,
        Note,
    }

    impl Column for Test {
        const ALL: &'static [Test] = &[Test::Snils, Test::Place, Test::Note];

        fn name(self) -> &'static str {
            match self {
                Test::Snils => "snils",
                Test::Place => "place",
                Test::Note => "note",
            }
        }

        fn russian_name(self) -> &'static str {
            match self {
                Test::Snils => "СНИЛС",
                Test::Place => "Место",
                Test::Note => "Примечание",
            }
        }

        fn is_required(self) -> bool {
            self != Test::Note
        }
    }

    fn names(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn a_header_names_columns_in_either_language_and_any_case() {
        let header = Header::<Test>::read(names(&[" место ", "SNILS"])).unwrap();
        assert_eq!(header.name(Test::Place), "место");
        assert_eq!(header.name(Test::Note), "note");
        let record = csv::ByteRecord::from(vec!["Кабинет 5 ", "  "]);
        let values = header.values(&record).unwrap();
        assert_eq!(
            values.get(&Test::Place).map(String::as_str),
            Some("Кабинет 5")
        );
        assert!(
            !values.contains_key(&Test::Snils),
            "empty values are left out"
        );
        assert_eq!(header.cell(&record, Test::Snils), Some(&b"  "[..]));
        assert_eq!(header.cell(&record, Test::Note), None);
        let short = csv::ByteRecord::from(vec!["Кабинет 5"]);
        assert_eq!(
            header.values(&short).unwrap_err(),
            "expected 2 fields, found 1"
        );
        let not_utf8 = csv::ByteRecord::from(vec![&b"\xcc"[..], &b"1"[..]]);
        assert_eq!(
            header.utf8_values(&not_utf8).unwrap_err(),
            "место: not UTF-8 text (save the file as CSV UTF-8)"
        );
    }

    #[test]
    fn a_wrong_header_lists_every_problem() {
        let problems = Header::<Test>::read(names(&["snils", "where", "СНИЛС"]))
            .err()
            .unwrap();
        assert_eq!(
            problems.to_string(),
            "unknown column where; repeated column СНИЛС; missing column place (Место)"
        );
        let (missing, unknown, repeated) = problems.split();
        assert_eq!(
            describe_header::<Test>(&missing, &unknown, &repeated),
            "the header is not recognised: missing columns place (Место); unknown columns where; \
             repeated columns СНИЛС; expected snils,place,note (or the Russian names)"
        );
    }

    #[test]
    fn a_key_counts_from_its_first_line() {
        let mut seen = FirstLines::default();
        assert_eq!(seen.earlier("a", 2), None);
        assert_eq!(seen.earlier("b", 3), None);
        assert_eq!(seen.earlier("a", 4), Some(2));
        assert_eq!(seen.earlier("a", 5), Some(2));
    }

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
