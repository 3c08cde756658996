//! The table a run prints: one row per figure, each beside the ceiling it is compared
//! with (measured in the same run), their ratio, the target and whether it
//! was met. Markdown, ready for README.

use crate::databases::Backend;
use std::time::Duration;

pub struct Row {
    pub backend: Option<Backend>,
    pub what: String,
    pub figure: String,
    pub ceiling: String,
    pub ratio: Option<f64>,
    pub target: String,
    pub met: Option<bool>,
}

#[derive(Default)]
pub struct Report {
    rows: Vec<Row>,
}

impl Report {
    /// Adds a row and prints it at once, so a long run shows its progress.
    pub fn add(&mut self, row: Row) {
        eprintln!("   => {}", render(&row));
        self.rows.push(row);
    }

    pub fn markdown(&self, date: &str, machine: &str, notes: &[String]) -> String {
        let mut out = format!("Run of {date} on {machine}.\n\n");
        out.push_str("| backend | what | figure | ceiling (same run) | ratio | target | met? |\n");
        out.push_str("| --- | --- | --- | --- | --- | --- | --- |\n");
        for row in self.in_order() {
            out.push_str(&render(row));
            out.push('\n');
        }
        for note in notes {
            out.push_str(&format!("\n{note}\n"));
        }
        out
    }
}

impl Report {
    /// Rows as measured, but each backend's ceilings ahead of its figures (a
    /// ceiling is measured when a scenario first needs it).
    fn in_order(&self) -> Vec<&Row> {
        let mut rows: Vec<(usize, &Row)> = self.rows.iter().enumerate().collect();
        let backend_at = |b: Option<Backend>| {
            self.rows
                .iter()
                .position(|r| r.backend == b)
                .unwrap_or(usize::MAX)
        };
        rows.sort_by_key(|(i, r)| (backend_at(r.backend), !r.is_ceiling(), *i));
        rows.into_iter().map(|(_, r)| r).collect()
    }
}

impl Row {
    fn is_ceiling(&self) -> bool {
        self.what.starts_with("ceiling:")
    }
}

fn render(row: &Row) -> String {
    format!(
        "| {} | {} | {} | {} | {} | {} | {} |",
        row.backend.map_or("—", Backend::title),
        row.what,
        row.figure,
        row.ceiling,
        row.ratio.map_or("—".into(), |r| format!("{r:.2}")),
        row.target,
        match row.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "—",
        }
    )
}

/// 12345.6 → "12 346": thousands apart, as the README writes them.
pub fn int(x: f64) -> String {
    let n = x.round() as i64;
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

pub fn per_second(x: f64) -> String {
    format!("{}/s", int(x))
}

pub fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms >= 100.0 {
        format!("{} ms", int(ms))
    } else if ms >= 10.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

/// The machine, as `nproc` and /proc/cpuinfo name it.
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let memory = procfs::Current::current()
        .ok()
        .map(|m: procfs::Meminfo| format!(", {} GiB", m.mem_total / (1 << 30)))
        .unwrap_or_default();
    format!("{cores} cores ({model}){memory}")
}

pub fn today() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.format(&time::macros::format_description!("[year]-[month]-[day]"))
        .unwrap_or_else(|_| "unknown date".into())
}

#[cfg(test)]
mod tests {
    #[test]
    fn writes_thousands_apart() {
        assert_eq!(super::int(5146.2), "5 146");
        assert_eq!(super::int(999.0), "999");
        assert_eq!(super::int(1_000_000.0), "1 000 000");
        assert_eq!(super::int(-1234.0), "-1 234");
    }
}
