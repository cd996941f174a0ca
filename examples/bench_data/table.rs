//! The one table of a benchmark run, from the tab-separated lines bench/run.sh collected.
//!
//! Lines: `load BACKEND SIZE SCENARIO REQUESTS DURATION_US P50_US P99_US MAX_US OK WRONG
//! SOCKET_ERRORS WRAPPED`, `import BACKEND SIZE SECONDS [PEAK_RSS_KB]`, `first BACKEND SIZE
//! SECONDS` (the first answer after start-up), `rss BACKEND SIZE KB`, `cases BACKEND SIZE
//! ROWS` and `export BACKEND SIZE CASES NOTIFICATIONS FORMAT SECONDS PEAK_RSS_KB` (one
//! `backline cases export` run; the table shows the median of a format's runs). A backend
//! named `peer-…` at size 0 is a peer's hello world (bench/peers), with the scenarios `ping`
//! and `command`; a second table divides backline's `/support` by each of them. Last, the
//! issue-13 targets with what this run measured ([`crate::targets`]).

use std::{collections::BTreeMap, fmt::Write as _};

pub struct Load {
    pub scenario: String,
    pub requests: f64,
    pub seconds: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    pub max_us: f64,
    pub ok: u64,
    pub wrong: u64,
    pub socket_errors: u64,
    pub wrapped: bool,
}

impl Load {
    pub fn rate(&self) -> f64 {
        self.requests / self.seconds
    }
}

/// One run of `backline cases export`.
pub struct Export {
    pub cases: u64,
    pub notifications: u64,
    pub format: String,
    pub seconds: f64,
    pub rss_kb: f64,
}

#[derive(Default)]
pub struct Group {
    pub import_seconds: Option<f64>,
    pub import_rss_kb: Option<f64>,
    pub first_seconds: Option<f64>,
    pub rss_kb: Option<f64>,
    pub case_rows: Option<u64>,
    pub loads: Vec<Load>,
    pub exports: Vec<Export>,
}

impl Group {
    pub fn load(&self, scenario: &str) -> Option<&Load> {
        self.loads.iter().find(|l| l.scenario == scenario)
    }

    /// Per format (in the order first run): cases, notifications, the median seconds of its
    /// runs and the highest peak RSS.
    pub fn export_medians(&self) -> Vec<(&str, u64, u64, f64, f64)> {
        let mut formats: Vec<&str> = Vec::new();
        for e in &self.exports {
            if !formats.contains(&e.format.as_str()) {
                formats.push(&e.format);
            }
        }
        formats
            .into_iter()
            .map(|format| {
                let runs: Vec<&Export> = self.exports.iter().filter(|e| e.format == format).collect();
                let mut seconds: Vec<f64> = runs.iter().map(|e| e.seconds).collect();
                seconds.sort_by(f64::total_cmp);
                let rss = runs.iter().map(|e| e.rss_kb).fold(0.0, f64::max);
                (
                    format,
                    runs[0].cases,
                    runs[0].notifications,
                    seconds[seconds.len() / 2],
                    rss,
                )
            })
            .collect()
    }
}

/// The run's lines, by backend and size.
pub type Groups = BTreeMap<(String, u64), Group>;

fn field<T: std::str::FromStr>(fields: &[&str], i: usize, line: &str) -> Result<T, String> {
    fields
        .get(i)
        .and_then(|f| f.parse().ok())
        .ok_or_else(|| format!("bad results line: {line}"))
}

pub fn parse(results: &str) -> Result<Groups, String> {
    let mut groups = Groups::new();
    for line in results.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        let key = (
            f.get(1).copied().unwrap_or_default().to_owned(),
            field(&f, 2, line)?,
        );
        let group = groups.entry(key).or_default();
        match f[0] {
            "import" => {
                group.import_seconds = Some(field(&f, 3, line)?);
                group.import_rss_kb = f.get(4).and_then(|kb| kb.parse().ok());
            }
            "first" => group.first_seconds = Some(field(&f, 3, line)?),
            "rss" => group.rss_kb = Some(field(&f, 3, line)?),
            "cases" => group.case_rows = Some(field(&f, 3, line)?),
            "load" => group.loads.push(Load {
                scenario: f.get(3).copied().unwrap_or_default().to_owned(),
                requests: field(&f, 4, line)?,
                seconds: field::<f64>(&f, 5, line)? / 1e6,
                p50_us: field(&f, 6, line)?,
                p99_us: field(&f, 7, line)?,
                max_us: field(&f, 8, line)?,
                ok: field(&f, 9, line)?,
                wrong: field(&f, 10, line)?,
                socket_errors: field(&f, 11, line)?,
                wrapped: field::<u8>(&f, 12, line)? != 0,
            }),
            "export" => group.exports.push(Export {
                cases: field(&f, 3, line)?,
                notifications: field(&f, 4, line)?,
                format: f.get(5).copied().unwrap_or_default().to_owned(),
                seconds: field(&f, 6, line)?,
                rss_kb: field(&f, 7, line)?,
            }),
            other => return Err(format!("unknown results line kind `{other}`")),
        }
    }
    Ok(groups)
}

pub fn markdown(results: &str) -> Result<String, String> {
    let groups = parse(results)?;
    let mut out = String::new();
    let ms = |us: f64| format!("{:.2}", us / 1000.0);
    let _ = writeln!(
        out,
        "| backend | vendors | import | first answer | server peak RSS | scenario | req/s | p50 ms | p99 ms | max ms | × PING | answers |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---|");
    for ((backend, size), group) in &groups {
        let ping = group
            .loads
            .iter()
            .find(|l| l.scenario == "ping")
            .map(|l| l.requests / l.seconds);
        let import = match (group.import_seconds, group.import_rss_kb) {
            (Some(s), Some(kb)) => format!("{s:.1} s, {:.0} MB", kb / 1024.0),
            (Some(s), None) => format!("{s:.1} s"),
            _ => "—".into(),
        };
        let first = group
            .first_seconds
            .map_or("—".into(), |s| format!("{:.0} ms", s * 1000.0));
        let rss = group
            .rss_kb
            .map_or("—".into(), |kb| format!("{:.0} MB", kb / 1024.0));
        if group.loads.is_empty() && group.import_seconds.is_some() {
            // BENCH_SCENARIOS ran no load here (e.g. only the export): the import still counts.
            let _ = writeln!(
                out,
                "| {backend} | {size} | {import} | {first} | {rss} | — | | | | | | |"
            );
        }
        for (row, load) in group.loads.iter().enumerate() {
            let rate = load.requests / load.seconds;
            let (import, first, rss) = if row == 0 {
                (import.clone(), first.clone(), rss.clone())
            } else {
                (String::new(), String::new(), String::new())
            };
            let ratio = ping.map_or("—".into(), |p| format!("{:.2}", rate / p));
            let mut answers = format!("{} ok", load.ok);
            if load.wrong > 0 {
                let _ = write!(answers, ", {} wrong", load.wrong);
            }
            if load.socket_errors > 0 {
                let _ = write!(answers, ", {} socket errors", load.socket_errors);
            }
            if load.scenario == "case-open" {
                // wrk stops counting at the deadline with requests in flight: the server
                // still opens those cases, so there may be up to one row per connection more.
                answers = match group.case_rows {
                    Some(rows) if rows >= load.ok => format!(
                        "{answers}; {rows} case rows: none lost ({} answered after wrk stopped counting)",
                        rows - load.ok
                    ),
                    Some(rows) => format!("{answers}; {rows} case rows: {} LOST", load.ok - rows),
                    None => format!("{answers}; case rows not counted"),
                };
                if load.wrapped {
                    answers.push_str("; request list wrapped (replays)");
                }
            }
            let _ = writeln!(
                out,
                "| {} | {} | {import} | {first} | {rss} | {} | {:.0} | {} | {} | {} | {ratio} | {answers} |",
                if row == 0 { backend.as_str() } else { "" },
                match (row, size) {
                    (0, 0) => "—".to_owned(),
                    (0, size) => size.to_string(),
                    _ => String::new(),
                },
                load.scenario,
                rate,
                ms(load.p50_us),
                ms(load.p99_us),
                ms(load.max_us),
            );
        }
    }
    export_table(&mut out, &groups);
    peer_table(&mut out, &groups);
    crate::targets::section(&mut out, &groups);
    Ok(out)
}

/// `backline cases export` to /dev/null: the median of each format's runs.
fn export_table(out: &mut String, groups: &Groups) {
    if groups.values().all(|g| g.exports.is_empty()) {
        return;
    }
    let _ = writeln!(
        out,
        "\n| backend | vendors | cases export | cases | notifications | seconds (median) | peak RSS |"
    );
    let _ = writeln!(out, "|---|---:|---|---:|---:|---:|---:|");
    for ((backend, size), group) in groups {
        for (format, cases, notifications, seconds, rss_kb) in group.export_medians() {
            let runs = group.exports.iter().filter(|e| e.format == format).count();
            let _ = writeln!(
                out,
                "| {backend} | {size} | {format} ({runs} run{}) | {cases} | {notifications} | {seconds:.2} s | {:.0} MB |",
                if runs == 1 { "" } else { "s" },
                rss_kb / 1024.0
            );
        }
    }
}

/// backline's `/support` (and PING) divided by each peer's command (and PING), same run.
fn peer_table(out: &mut String, groups: &Groups) {
    let rate = |group: &Group, scenario: &str| {
        group
            .loads
            .iter()
            .find(|l| l.scenario == scenario)
            .map(|l| l.requests / l.seconds)
    };
    let peers: Vec<(&str, &Group)> = groups
        .iter()
        .filter_map(|((backend, _), group)| backend.strip_prefix("peer-").map(|name| (name, group)))
        .collect();
    if peers.is_empty() {
        return;
    }
    let _ = writeln!(out);
    let mut header = String::from("| backend | vendors | /support req/s |");
    let mut rule = String::from("|---|---:|---:|");
    for (peer, group) in &peers {
        let command = rate(group, "command").map_or("—".into(), |r| format!("{r:.0}"));
        let _ = write!(
            header,
            " ÷ {peer} hello world ({command} req/s) | PING ÷ {peer} PING |"
        );
        rule.push_str("---:|---:|");
    }
    let _ = writeln!(out, "{header}\n{rule}");
    for ((backend, size), group) in groups.iter().filter(|((b, _), _)| !b.starts_with("peer-")) {
        let Some(support) = rate(group, "support") else {
            continue;
        };
        let mut line = format!("| {backend} | {size} | {support:.0} |");
        for (_, peer) in &peers {
            let ratio = |ours: Option<f64>, theirs: Option<f64>| match (ours, theirs) {
                (Some(a), Some(b)) if b > 0.0 => format!("{:.1}×", a / b),
                _ => "—".into(),
            };
            let _ = write!(
                line,
                " {} | {} |",
                ratio(Some(support), rate(peer, "command")),
                ratio(rate(group, "ping"), rate(peer, "ping"))
            );
        }
        let _ = writeln!(out, "{line}");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_import_without_load_scenarios_still_has_its_row_and_an_export_its_table() {
        let results = "import\tsqlite\t10000\t1.84\t120000\n\
                       export\tsqlite\t10000\t10000\t50000\tjson\t0.70\t53000\n";
        let table = super::markdown(results).expect("the results parse");
        assert!(
            table.contains("| sqlite | 10000 | 1.8 s, 117 MB | — | — | — |"),
            "{table}"
        );
        assert!(
            table.contains("| sqlite | 10000 | json (1 run) | 10000 | 50000 | 0.70 s | 52 MB |"),
            "{table}"
        );
    }
}
