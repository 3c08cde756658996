//! The one CSV writer: every CSV that Assent hands out (ledger and blocked-sends
//! exports, console and command line) goes through it. Spreadsheet programs run
//! a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return,
//! which they skip) as a formula, and exported values come from outside (user
//! agents, source references, names), so such a value gets a leading `'`, which
//! makes the spreadsheet show it as text (OWASP's advice for CSV injection).
//! A plain number such as `+34612345678` or `-2.5` computes nothing and is left
//! alone, so phone numbers stay as they are.

use std::borrow::Cow;

/// `value`, made safe to open in a spreadsheet.
pub fn defuse(value: &str) -> Cow<'_, str> {
    // Spreadsheets skip leading spaces before deciding it is a formula.
    let lead = value.trim_start_matches([' ', '\u{a0}']);
    let risky = lead.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_plain_number(lead) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// A sign, digits, and at most one decimal point.
fn is_plain_number(s: &str) -> bool {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    !digits.is_empty()
        && digits.chars().any(|c| c.is_ascii_digit())
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.matches('.').count() <= 1
}

/// CSV records into a buffer that the caller takes as it fills (a file, an HTTP
/// body streamed in chunks).
pub struct SafeCsv {
    writer: csv::Writer<Vec<u8>>,
}

impl Default for SafeCsv {
    fn default() -> Self {
        Self {
            writer: csv::Writer::from_writer(Vec::new()),
        }
    }
}

impl SafeCsv {
    /// Writes one record, each field defused.
    pub fn record<'a>(&mut self, fields: impl IntoIterator<Item = &'a str>) -> anyhow::Result<()> {
        self.writer
            .write_record(fields.into_iter().map(|f| defuse(f).into_owned()))?;
        Ok(())
    }

    /// About how many bytes `take` would return (the writer keeps a few KiB of
    /// its own until it fills).
    pub fn pending(&self) -> usize {
        self.writer.get_ref().len()
    }

    /// What was written since the last call.
    pub fn take(&mut self) -> anyhow::Result<Vec<u8>> {
        let full = std::mem::replace(&mut self.writer, csv::Writer::from_writer(Vec::new()));
        full.into_inner()
            .map_err(|e| anyhow::anyhow!("CSV buffer: {}", e.error()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text() {
        for (raw, safe) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("  =1+1", "'  =1+1"),
            ("-", "'-"),
            ("+", "'+"),
        ] {
            assert_eq!(defuse(raw), safe, "{raw:?}");
        }
    }

    #[test]
    fn everything_else_is_left_alone() {
        for raw in [
            "",
            "offers",
            "a=b",
            "Mozilla/5.0",
            "+34612345678",
            "-2.5",
            "2026-11-30T10:00:00Z",
            "'quoted",
        ] {
            assert_eq!(defuse(raw), raw, "{raw:?}");
        }
    }

    #[test]
    fn records_are_written_defused_and_quoted() {
        let mut csv = SafeCsv::default();
        csv.record(["a", "=1+1", "x,y"]).unwrap();
        assert_eq!(
            String::from_utf8(csv.take().unwrap()).unwrap(),
            "a,'=1+1,\"x,y\"\n"
        );
        csv.record(["b"]).unwrap();
        assert_eq!(csv.take().unwrap(), b"b\n");
    }
}
