//! Every form's anonymous counters in one read, for comparisons across forms
//! (and with entry points): views, submissions, confirmations, expiries, and
//! who opted in.

use crate::db::Db;

/// One form's figures, with its title in its own language.
#[derive(Debug, Clone, PartialEq)]
pub struct FormFigures {
    pub business_number_id: String,
    pub slug: String,
    pub title: String,
    pub double_opt_in: bool,
    pub views: i64,
    pub submissions: i64,
    pub confirmations: i64,
    pub expiries: i64,
}

impl FormFigures {
    /// People the form brought in: the confirmations of a double opt-in, the
    /// submissions of a single one.
    pub fn opted_in(&self) -> i64 {
        if self.double_opt_in {
            self.confirmations
        } else {
            self.submissions
        }
    }

    /// `opted_in / views`, four decimals; 0 without views.
    pub fn conversion(&self) -> f64 {
        if self.views > 0 {
            (self.opted_in() as f64 / self.views as f64 * 10_000.0).round() / 10_000.0
        } else {
            0.0
        }
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    business_number_id: String,
    slug: String,
    title: Option<String>,
    double_opt_in: i64,
    views: i64,
    submissions: i64,
    confirmations: i64,
    expiries: i64,
}

/// Every form of every number, oldest first.
pub async fn figures(db: &Db) -> anyhow::Result<Vec<FormFigures>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT f.business_number_id, f.slug, n.title, f.double_opt_in, f.views, f.submissions, \
         f.confirmations, f.expiries FROM forms f LEFT JOIN notices n ON n.form_id = f.id \
         AND n.language = f.language AND n.version = f.slug || '-v' || CAST(f.notice_version AS TEXT) \
         ORDER BY f.created_at, f.slug",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| FormFigures {
            business_number_id: r.business_number_id,
            title: r
                .title
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| r.slug.clone()),
            slug: r.slug,
            double_opt_in: r.double_opt_in != 0,
            views: r.views,
            submissions: r.submissions,
            confirmations: r.confirmations,
            expiries: r.expiries,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(double_opt_in: bool) -> FormFigures {
        FormFigures {
            business_number_id: "n".into(),
            slug: "spring".into(),
            title: "Spring".into(),
            double_opt_in,
            views: 8,
            submissions: 4,
            confirmations: 2,
            expiries: 1,
        }
    }

    #[test]
    fn a_forms_conversion_is_who_opted_in_over_views() {
        assert_eq!(form(true).conversion(), 0.25);
        assert_eq!(form(false).conversion(), 0.5);
        let unseen = FormFigures {
            views: 0,
            ..form(true)
        };
        assert_eq!(unseen.conversion(), 0.0);
    }
}
