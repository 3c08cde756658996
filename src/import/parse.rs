//! Reading an import file as it streams in: CSV records cut from whatever
//! chunks arrive (csv-core, the csv crate's push parser, so no more than one
//! record is ever held), the header that says where each column is, and each
//! record as the row it was typed, numbered by its line in the file.

use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

/// The columns of an import file, in the order rows are kept and downloaded.
pub const COLUMNS: [&str; 6] = [
    "phone",
    "category",
    "granted_at",
    "source",
    "notice_version",
    "evidence",
];

/// Columns a row may leave empty.
pub const OPTIONAL: [&str; 1] = ["evidence"];

/// The longest record read (its values together); a longer one is not a
/// consent, and more likely a file that is not CSV at all.
pub const MAX_RECORD: usize = 64 * 1024;
/// The most values a record may have.
const MAX_FIELDS: usize = 64;

/// Why a whole file is refused, as the person who chose it should read it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error(
        "The file is empty. Its first line must name the columns: phone, category, granted_at, source, notice_version, evidence."
    )]
    Empty,
    #[error(
        "The first line must name the columns; {0} missing. Expected: phone, category, granted_at, source, notice_version, evidence."
    )]
    MissingColumns(String),
    #[error("The first line names the column \"{0}\" twice.")]
    DuplicateColumn(String),
    #[error("Line {0} is longer than 64 KiB. Is this a CSV file?")]
    RecordTooLong(u64),
    #[error("Line {0} has more than 64 values. Is this a CSV file?")]
    TooManyValues(u64),
    #[error("The file has no rows below its first line.")]
    NoRows,
}

/// One record: its first line in the file and its values, unescaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: u64,
    pub values: Vec<Vec<u8>>,
}

/// Cuts CSV records out of a byte stream that arrives in chunks of any size.
/// The delimiter is read from the first line: a semicolon when it has more of
/// them than commas (spreadsheets in many languages save CSV so), else a comma.
pub struct Records {
    reader: Option<Reader>,
    /// Bytes of the first line, held until its end shows the delimiter.
    first_line: Vec<u8>,
    out: Vec<u8>,
    out_len: usize,
    ends: Vec<usize>,
    ends_len: usize,
    /// The line of the next byte read, and the one the record being read
    /// started on (none yet while only line breaks came).
    line: u64,
    record_line: Option<u64>,
}

impl Default for Records {
    fn default() -> Self {
        Self {
            reader: None,
            first_line: Vec::new(),
            out: vec![0; 4096],
            out_len: 0,
            ends: vec![0; 16],
            ends_len: 0,
            line: 1,
            record_line: None,
        }
    }
}

impl Records {
    /// Reads `chunk`, adding every record it completes to `done`.
    pub fn push(&mut self, chunk: &[u8], done: &mut Vec<Record>) -> Result<(), FileError> {
        if self.reader.is_none() {
            self.first_line.extend_from_slice(chunk);
            if !self.first_line.contains(&b'\n') && self.first_line.len() <= MAX_RECORD {
                return Ok(());
            }
            let held = std::mem::take(&mut self.first_line);
            self.start(&held);
            return self.feed(&held, done);
        }
        self.feed(chunk, done)
    }

    /// The end of the file: the last record, if it had no line break after it.
    pub fn finish(&mut self, done: &mut Vec<Record>) -> Result<(), FileError> {
        if self.reader.is_none() {
            let held = std::mem::take(&mut self.first_line);
            self.start(&held);
            self.feed(&held, done)?;
        }
        self.feed(&[], done)
    }

    fn start(&mut self, first: &[u8]) {
        let line = first.split(|b| *b == b'\n').next().unwrap_or_default();
        let count = |c: u8| line.iter().filter(|b| **b == c).count();
        let delimiter = if count(b';') > count(b',') {
            b';'
        } else {
            b','
        };
        self.reader = Some(ReaderBuilder::new().delimiter(delimiter).build());
    }

    /// Feeds bytes to the parser; empty `input` means the end of the file.
    fn feed(&mut self, mut input: &[u8], done: &mut Vec<Record>) -> Result<(), FileError> {
        let eof = input.is_empty();
        let reader = self.reader.as_mut().expect("started before feeding");
        loop {
            let (result, read, written, ended) = reader.read_record(
                input,
                &mut self.out[self.out_len..],
                &mut self.ends[self.ends_len..],
            );
            // Blank lines before a record, and the break after the previous
            // one, are read with it; its line is where its first byte is.
            for &b in &input[..read] {
                if self.record_line.is_none() && b != b'\r' && b != b'\n' {
                    self.record_line = Some(self.line);
                }
                if b == b'\n' {
                    self.line += 1;
                }
            }
            input = &input[read..];
            self.out_len += written;
            self.ends_len += ended;
            match result {
                ReadRecordResult::InputEmpty if !eof => return Ok(()),
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    if self.out.len() >= MAX_RECORD {
                        return Err(FileError::RecordTooLong(
                            self.record_line.unwrap_or(self.line),
                        ));
                    }
                    self.out.resize(self.out.len() * 2, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    if self.ends.len() >= MAX_FIELDS {
                        return Err(FileError::TooManyValues(
                            self.record_line.unwrap_or(self.line),
                        ));
                    }
                    self.ends.resize(self.ends.len() * 2, 0);
                }
                ReadRecordResult::Record => {
                    let mut values = Vec::with_capacity(self.ends_len);
                    let mut start = 0;
                    for &end in &self.ends[..self.ends_len] {
                        values.push(self.out[start..end].to_vec());
                        start = end;
                    }
                    let line = self.record_line.take().unwrap_or(self.line);
                    self.out_len = 0;
                    self.ends_len = 0;
                    done.push(Record { line, values });
                }
                ReadRecordResult::End => return Ok(()),
            }
        }
    }
}

/// Where each of `COLUMNS` is in the file's records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    positions: [Option<usize>; 6],
    width: usize,
    /// Columns of the file that are not the import's, which are read past.
    pub ignored: Vec<String>,
}

/// A column name as people write it: any case, spaces or dashes for `_`.
fn column_name(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw)
        .trim()
        .to_lowercase()
        .replace([' ', '-'], "_")
}

impl Header {
    pub fn parse(record: &Record) -> Result<Self, FileError> {
        let mut positions = [None; 6];
        let mut ignored = Vec::new();
        for (at, raw) in record.values.iter().enumerate() {
            let name = column_name(raw);
            match COLUMNS.iter().position(|c| *c == name) {
                Some(_) if name.is_empty() => {}
                Some(i) if positions[i].is_some() => {
                    return Err(FileError::DuplicateColumn(name));
                }
                Some(i) => positions[i] = Some(at),
                None if name.is_empty() => {}
                None => ignored.push(name),
            }
        }
        let missing: Vec<&str> = COLUMNS
            .iter()
            .zip(positions)
            .filter(|(c, p)| p.is_none() && !OPTIONAL.contains(c))
            .map(|(c, _)| *c)
            .collect();
        match missing.as_slice() {
            [] => Ok(Self {
                positions,
                width: record.values.len(),
                ignored,
            }),
            [one] => Err(FileError::MissingColumns(format!("{one} is"))),
            more => Err(FileError::MissingColumns(format!(
                "{} are",
                more.join(", ")
            ))),
        }
    }

    /// A record as the row it was typed, or `None` for one with no value at all
    /// (spreadsheets save empty rows as `,,,,,`).
    pub fn row(&self, record: &Record) -> Option<Row> {
        let mut problems = Vec::new();
        let mut not_utf8 = false;
        let text: Vec<String> = record
            .values
            .iter()
            .map(|v| match std::str::from_utf8(v) {
                Ok(s) => s.to_owned(),
                Err(_) => {
                    not_utf8 = true;
                    String::from_utf8_lossy(v).into_owned()
                }
            })
            .collect();
        if text.iter().all(|t| t.trim().is_empty()) {
            return None;
        }
        if text.len() != self.width {
            problems.push(format!(
                "has {} values where the first line names {} columns",
                text.len(),
                self.width
            ));
        }
        if not_utf8 {
            problems.push("is not UTF-8 text (save the file as \"CSV UTF-8\")".to_owned());
        }
        let values = self
            .positions
            .map(|p| p.and_then(|at| text.get(at)).and_then(|t| value(t)));
        Some(Row {
            line: record.line as i64,
            values,
            problem: (!problems.is_empty()).then(|| format!("the line {}", problems.join(" and "))),
        })
    }
}

/// A value as typed, trimmed; empty is none. The apostrophe that a download of
/// rejected rows puts before `=`, `+`, `-` or `@` (so that a spreadsheet shows
/// the value instead of running it as a formula) is taken off again, so the
/// corrected file can be imported as it is.
fn value(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    let unescaped = match trimmed.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => trimmed,
    };
    (!unescaped.is_empty()).then(|| unescaped.to_owned())
}

/// One row of the file as typed, in the order of `COLUMNS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: i64,
    pub values: [Option<String>; 6],
    /// What was wrong with the record itself (not its values).
    pub problem: Option<String>,
}

impl Row {
    pub fn get(&self, column: &str) -> Option<&str> {
        COLUMNS
            .iter()
            .position(|c| *c == column)
            .and_then(|i| self.values[i].as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records_of(chunks: &[&[u8]]) -> Result<Vec<Record>, FileError> {
        let mut records = Records::default();
        let mut done = Vec::new();
        for chunk in chunks {
            records.push(chunk, &mut done)?;
        }
        records.finish(&mut done)?;
        Ok(done)
    }

    fn texts(r: &Record) -> Vec<String> {
        r.values
            .iter()
            .map(|v| String::from_utf8(v.clone()).unwrap())
            .collect()
    }

    #[test]
    fn records_are_cut_from_chunks_of_any_size_with_their_first_line() {
        let file: &[u8] = b"\xef\xbb\xbfphone,category\r\n+34612345678,offers\r\n\r\n\"+34 612\n345 679\",\"a, b\"\n+34612345670,x";
        let whole = records_of(&[file]).unwrap();
        let lines: Vec<u64> = whole.iter().map(|r| r.line).collect();
        assert_eq!(lines, [1, 2, 4, 6]);
        assert_eq!(
            texts(&whole[0]),
            ["phone", "category"],
            "the BOM is not read"
        );
        assert_eq!(texts(&whole[2]), ["+34 612\n345 679", "a, b"]);
        assert_eq!(texts(&whole[3]), ["+34612345670", "x"]);
        for size in [1, 2, 3, 5, 7, 64] {
            let chunks: Vec<&[u8]> = file.chunks(size).collect();
            assert_eq!(records_of(&chunks).unwrap(), whole, "chunks of {size}");
        }
    }

    #[test]
    fn a_final_line_break_ends_the_last_record_and_adds_none() {
        let r = records_of(&[b"a,b\n1,2\n"]).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].line, 2);
    }

    #[test]
    fn semicolons_are_the_delimiter_when_the_first_line_says_so() {
        let r = records_of(&[b"phone;category;evidence\n+34612345678;offers;\"a, b\"\n"]).unwrap();
        assert_eq!(texts(&r[1]), ["+34612345678", "offers", "a, b"]);
        let r = records_of(&[b"phone,category\n+34612345678,of;fers\n"]).unwrap();
        assert_eq!(texts(&r[1]), ["+34612345678", "of;fers"]);
    }

    #[test]
    fn a_record_too_long_or_too_wide_refuses_the_file() {
        let long = vec![b'x'; MAX_RECORD + 1];
        assert_eq!(
            records_of(&[b"a\n", &long]),
            Err(FileError::RecordTooLong(2))
        );
        let wide = vec![b','; 100];
        assert!(matches!(
            records_of(&[b"a\n", &wide, b"\n"]),
            Err(FileError::TooManyValues(_))
        ));
    }

    fn record(line: u64, values: &[&str]) -> Record {
        Record {
            line,
            values: values.iter().map(|v| v.as_bytes().to_vec()).collect(),
        }
    }

    #[test]
    fn the_header_names_the_columns_in_any_order_and_case() {
        let h = Header::parse(&record(
            1,
            &[
                "Granted-At",
                "Phone",
                "crm_id",
                "category",
                "source",
                "Notice Version",
            ],
        ))
        .unwrap();
        assert_eq!(h.ignored, ["crm_id"]);
        let row = h
            .row(&record(
                2,
                &[
                    "2024-03-01T09:30:00Z",
                    " +34612345678 ",
                    "c-1",
                    "offers",
                    "paper",
                    "v1",
                ],
            ))
            .unwrap();
        assert_eq!(row.get("phone"), Some("+34612345678"));
        assert_eq!(row.get("granted_at"), Some("2024-03-01T09:30:00Z"));
        assert_eq!(row.get("evidence"), None, "optional, and absent");
        assert_eq!(row.problem, None);
    }

    #[test]
    fn a_header_without_a_required_column_refuses_the_file() {
        let e = Header::parse(&record(1, &["phone", "category", "granted_at"])).unwrap_err();
        assert_eq!(
            e,
            FileError::MissingColumns("source, notice_version are".into())
        );
        assert!(e.to_string().contains("source, notice_version are missing"));
        let e = Header::parse(&record(
            1,
            &[
                "phone",
                "phone",
                "category",
                "granted_at",
                "source",
                "notice_version",
            ],
        ))
        .unwrap_err();
        assert_eq!(e, FileError::DuplicateColumn("phone".into()));
    }

    #[test]
    fn rows_say_what_is_wrong_with_their_record() {
        let h = Header::parse(&record(
            1,
            &[
                "phone",
                "category",
                "granted_at",
                "source",
                "notice_version",
            ],
        ))
        .unwrap();
        assert_eq!(h.row(&record(5, &["", " ", "", "", ""])), None);
        let short = h.row(&record(6, &["+34612345678", "offers"])).unwrap();
        assert_eq!(
            short.problem.as_deref(),
            Some("the line has 2 values where the first line names 5 columns")
        );
        assert_eq!(short.get("granted_at"), None);
        let latin1 = Record {
            line: 7,
            values: vec![
                b"+34612345678".to_vec(),
                b"offers".to_vec(),
                b"2024-03-01T09:30:00Z".to_vec(),
                b"tienda \xf1".to_vec(),
                b"v1".to_vec(),
            ],
        };
        let row = h.row(&latin1).unwrap();
        assert!(row.problem.as_deref().unwrap().contains("not UTF-8"));
        assert_eq!(row.get("source"), Some("tienda \u{fffd}"));
    }

    #[test]
    fn an_apostrophe_before_a_formula_character_is_taken_off() {
        assert_eq!(value("'+34612345678").as_deref(), Some("+34612345678"));
        assert_eq!(value("'=cmd").as_deref(), Some("=cmd"));
        assert_eq!(value("'tis").as_deref(), Some("'tis"));
        assert_eq!(value("  "), None);
    }
}
