//! The rejected rows of an import as a CSV file to correct and import again:
//! the import's columns as they were typed, then `line` and `reason` (which an
//! import reads past). Written a page of rows at a time, so a file with many
//! rejections streams in constant memory.

use super::parse::COLUMNS;
use super::store;
use crate::csv_safe::defuse as safe;
use crate::db::Db;
use futures_util::Stream;

const PAGE: i64 = 1000;
/// Spreadsheet programs read a UTF-8 file right only when it starts so.
const BOM: &[u8] = b"\xef\xbb\xbf";

fn page_of(rows: &[store::Rejected], header: bool) -> anyhow::Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    if header {
        out.write_record(COLUMNS.iter().chain(&["line", "reason"]))?;
    }
    for r in rows {
        let line = r.line.to_string();
        let values = r.values.iter().map(|v| safe(v.as_deref().unwrap_or("")));
        out.write_record(
            values
                .chain([line.as_str().into(), safe(&r.reason)])
                .map(|v| v.into_owned()),
        )?;
    }
    Ok(out.into_inner()?)
}

pub fn rejected_csv(db: Db, import_id: String) -> impl Stream<Item = anyhow::Result<Vec<u8>>> {
    futures_util::stream::try_unfold(Some(0i64), move |after| {
        let db = db.clone();
        let import_id = import_id.clone();
        async move {
            let Some(after) = after else {
                return Ok(None);
            };
            let rows = store::rejected(&db, &import_id, after, PAGE).await?;
            let mut bytes = if after == 0 { BOM.to_vec() } else { Vec::new() };
            bytes.extend(page_of(&rows, after == 0)?);
            let next = match rows.last() {
                Some(last) if rows.len() as i64 == PAGE => Some(last.line),
                _ => None,
            };
            Ok(Some((bytes, next)))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_a_spreadsheet_would_run_are_escaped_and_phone_numbers_kept() {
        let rows = [store::Rejected {
            line: 7,
            values: [
                Some("+34612345678".into()),
                Some("=HYPERLINK(\"x\")".into()),
                None,
                Some("paper, shop 12".into()),
                Some("@v1".into()),
                Some("-".into()),
            ],
            reason: "phone: is empty".into(),
        }];
        let text = String::from_utf8(page_of(&rows, true).unwrap()).unwrap();
        assert_eq!(
            text,
            "phone,category,granted_at,source,notice_version,evidence,line,reason\n\
             +34612345678,\"'=HYPERLINK(\"\"x\"\")\",,\"paper, shop 12\",'@v1,'-,7,phone: is empty\n"
        );
    }
}
