//! Every form's anonymous counters in one read, for comparisons across forms
//! (and with entry points). A stand-in with the shape of the forms console's
//! `forms::figures` (branch forms-console, which also tallies single opt-in
//! grants): when both are merged, theirs replaces this file.

use crate::db::Db;

/// One form's figures, with what names it.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub slug: String,
    /// The title in the form's own language, at the current notice version.
    pub title: String,
    pub business_number_id: String,
    pub double_opt_in: bool,
    pub stats: FigureStats,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FigureStats {
    pub views: i64,
    pub submissions: i64,
    /// Submissions whose consent held at once (single opt-in).
    pub granted: i64,
    pub confirmations: i64,
    pub expiries: i64,
}

impl FigureStats {
    /// People whose consent the form brought into force: granted at once, or
    /// confirmed.
    pub fn opt_ins(&self) -> i64 {
        self.granted + self.confirmations
    }

    /// Opt-ins per view, to four decimals; 0 before the first view.
    pub fn conversion(&self) -> f64 {
        if self.views > 0 {
            (self.opt_ins() as f64 / self.views as f64 * 10_000.0).round() / 10_000.0
        } else {
            0.0
        }
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    slug: String,
    title: String,
    business_number_id: String,
    double_opt_in: i64,
    views: i64,
    submissions: i64,
    confirmations: i64,
    expiries: i64,
}

/// Every form's figures, oldest form first: one query, whatever the traffic.
pub async fn figures(db: &Db) -> anyhow::Result<Vec<Figures>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT f.slug, COALESCE(n.title, f.slug) AS title, f.business_number_id, f.double_opt_in, \
         f.views, f.submissions, f.confirmations, f.expiries \
         FROM forms f LEFT JOIN notices n ON n.form_id = f.id AND n.language = f.language \
         AND n.version = f.slug || '-v' || CAST(f.notice_version AS TEXT) \
         ORDER BY f.created_at, f.slug",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let double_opt_in = r.double_opt_in != 0;
            Figures {
                slug: r.slug,
                title: r.title,
                business_number_id: r.business_number_id,
                double_opt_in,
                stats: FigureStats {
                    views: r.views,
                    submissions: r.submissions,
                    // Without a tally of its own: a single opt-in grants at submission.
                    granted: if double_opt_in { 0 } else { r.submissions },
                    confirmations: r.confirmations,
                    expiries: r.expiries,
                },
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forms_conversion_is_its_opt_ins_over_views() {
        let stats = FigureStats {
            views: 8,
            submissions: 4,
            granted: 1,
            confirmations: 1,
            expiries: 1,
        };
        assert_eq!(stats.opt_ins(), 2);
        assert_eq!(stats.conversion(), 0.25);
        let unseen = FigureStats { views: 0, ..stats };
        assert_eq!(unseen.conversion(), 0.0);
    }
}
