//! Charts per day, as the numbers an SVG template draws: the dashboard's opt-ins
//! and opt-outs, and an entry point's visits, chats and answers. One or two bars
//! per day side by side: the first series solid, the second hatched, so they
//! differ without colour; a legend names both, each bar's title says its day and
//! count, the y axis has round ticks, and every seventh day is dated. The pages
//! carry the same figures as a table.

use super::dates::{iso_date, short_date};
use super::text::Chart;
use crate::consent::tally::Day;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = WIDTH - 8.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = HEIGHT - 36.0;

pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    /// The second series (hatched): on the dashboard, the opt-outs.
    pub opt_out: bool,
    pub title: String,
}

pub struct Tick {
    pub y: f64,
    pub label: String,
}

pub struct DateLabel {
    pub x: f64,
    pub label: String,
    /// `middle`, or `end` for the last, which would spill past the right edge.
    pub anchor: &'static str,
}

pub struct DayChart {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub bottom: f64,
    pub bars: Vec<Bar>,
    pub ticks: Vec<Tick>,
    pub dates: Vec<DateLabel>,
    /// What the chart shows, in words (its `<desc>`).
    pub description: String,
}

/// A round top for the y axis and the step between its ticks (at most five).
fn scale(max: i64) -> (i64, i64) {
    if max <= 4 {
        return (4, 1);
    }
    let rough = (max as f64 / 4.0).ceil();
    let magnitude = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * magnitude) as i64;
    (step * ((max + step - 1) / step), step)
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

pub fn daily(days: &[Day], words: &Chart) -> DayChart {
    let values: Vec<(i64, [i64; 2])> = days
        .iter()
        .map(|d| (d.day, [d.opt_ins, d.opt_outs]))
        .collect();
    let (ins, outs): (i64, i64) = days
        .iter()
        .fold((0, 0), |(a, b), d| (a + d.opt_ins, b + d.opt_outs));
    let description = match (days.first(), days.last()) {
        (Some(first), Some(last)) => {
            (words.description)(&iso_date(first.day), &iso_date(last.day), ins, outs)
        }
        _ => words.no_days.into(),
    };
    per_day(
        &values,
        Axis::Count,
        |day, n, second| (words.bar)(day, n, second),
        description,
    )
}

/// What the y axis counts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// Things: from 0 to a round number above the highest day.
    Count,
    /// Percentages: from 0 to 100 % (more when a day's value is above it).
    Percent,
}

/// Bars per day: `(day, [first, second])`, the second series hatched (a series of
/// zeros draws nothing); `title(day, value, second)` names each bar.
pub fn per_day(
    days: &[(i64, [i64; 2])],
    axis: Axis,
    title: impl Fn(&str, i64, bool) -> String,
    description: String,
) -> DayChart {
    let max = days.iter().map(|(_, [a, b])| *a.max(b)).max().unwrap_or(0);
    let (top_value, step) = match axis {
        Axis::Percent if max <= 100 => (100, 25),
        _ => scale(max),
    };
    let slot = (RIGHT - LEFT) / days.len().max(1) as f64;
    let bar_width = round(slot * 0.38);
    let height_of = |v: i64| (BOTTOM - TOP) * v as f64 / top_value as f64;
    let mut bars = Vec::new();
    for (i, (day, [first, second])) in days.iter().enumerate() {
        let x = LEFT + slot * i as f64 + slot * 0.1;
        for (n, opt_out, x) in [
            (*first, false, x),
            (*second, true, x + bar_width + slot * 0.04),
        ] {
            if n == 0 {
                continue;
            }
            let height = height_of(n);
            bars.push(Bar {
                x: round(x),
                y: round(BOTTOM - height),
                width: bar_width,
                height: round(height),
                opt_out,
                title: title(&iso_date(*day), n, opt_out),
            });
        }
    }
    let ticks = (0..=top_value / step)
        .map(|i| Tick {
            y: round(BOTTOM - height_of(i * step)),
            label: match axis {
                Axis::Count => (i * step).to_string(),
                Axis::Percent => format!("{}%", i * step),
            },
        })
        .collect();
    // Every seventh day back from the last, so today is always dated.
    let last = days.len().saturating_sub(1);
    let dates = days
        .iter()
        .enumerate()
        .filter(|(i, _)| (last - i).is_multiple_of(7))
        .map(|(i, (day, _))| match i == last {
            true => DateLabel {
                x: RIGHT,
                label: short_date(*day),
                anchor: "end",
            },
            false => DateLabel {
                x: round(LEFT + slot * (i as f64 + 0.5)),
                label: short_date(*day),
                anchor: "middle",
            },
        })
        .collect();
    DayChart {
        width: WIDTH,
        height: HEIGHT,
        left: LEFT,
        right: RIGHT,
        bottom: BOTTOM,
        bars,
        ticks,
        dates,
        description,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::console::text::EN;

    fn days(values: &[(i64, i64)]) -> Vec<Day> {
        values
            .iter()
            .enumerate()
            .map(|(i, (opt_ins, opt_outs))| Day {
                day: 20_000 + i as i64,
                opt_ins: *opt_ins,
                opt_outs: *opt_outs,
            })
            .collect()
    }

    #[test]
    fn the_axis_tops_out_at_a_round_number() {
        assert_eq!(scale(0), (4, 1));
        assert_eq!(scale(3), (4, 1));
        assert_eq!(scale(7), (8, 2));
        assert_eq!(scale(37), (40, 10));
        assert_eq!(scale(1234), (1500, 500));
    }

    #[test]
    fn bars_stand_on_the_axis_scaled_to_the_highest_day() {
        let chart = daily(&days(&[(4, 0), (0, 2), (0, 0)]), &EN.chart);
        assert_eq!(chart.bars.len(), 2, "a zero draws no bar");
        let full = &chart.bars[0];
        assert!(!full.opt_out);
        assert_eq!(full.y, TOP);
        assert_eq!(full.y + full.height, chart.bottom);
        assert!(chart.bars[1].opt_out);
        assert_eq!(chart.bars[1].height, round((chart.bottom - TOP) / 2.0));
        assert_eq!(chart.bars[0].title, "2024-10-04: 4 opt-ins");
        assert_eq!(chart.bars[1].title, "2024-10-05: 2 opt-outs");
        assert!(
            chart
                .bars
                .iter()
                .all(|b| b.x >= chart.left && b.x + b.width <= chart.right)
        );
        assert!(
            chart.description.contains("4 opt-ins") && chart.description.contains("2 opt-outs")
        );
    }

    #[test]
    fn a_percent_axis_runs_to_a_hundred_and_says_percent() {
        let chart = per_day(
            &[(20_000, [50, 0]), (20_001, [100, 0])],
            Axis::Percent,
            |day, n, _| format!("{day}: {n}%"),
            String::new(),
        );
        let labels: Vec<&str> = chart.ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["0%", "25%", "50%", "75%", "100%"]);
        assert_eq!(chart.bars[1].y, TOP, "100% is the top");
        assert_eq!(chart.bars[0].height, round((chart.bottom - TOP) / 2.0));
        assert_eq!(chart.bars[0].title, "2024-10-04: 50%");
    }

    #[test]
    fn today_and_every_seventh_day_before_it_are_dated() {
        let chart = daily(&days(&[(0, 0); 30]), &EN.chart);
        let labels: Vec<&str> = chart.dates.iter().map(|d| d.label.as_str()).collect();
        assert_eq!(labels.len(), 5);
        assert_eq!(labels.last(), Some(&short_date(20_029).as_str()));
    }
}
