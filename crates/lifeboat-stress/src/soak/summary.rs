//! What a soak found: one report per upload, the run's report with its tables, and the one line per upload
//! printed as the run goes.

use super::*;

/// What one upload did.
#[derive(Debug, Clone)]
pub struct UploadReport {
    /// 1-based position in the run.
    pub index: u32,
    /// GCS or S3.
    pub provider: Provider,
    /// The file's size.
    pub file_size: u64,
    /// The faults planned (see `fired`).
    pub faults: Vec<Fault>,
    /// `running`, or the error code of a designed failure, or what went wrong.
    pub result: String,
    /// Bytes re-sent (including a resumed run's).
    pub resent: u64,
    /// Chunks the fired faults may cost.
    pub budget_units: u32,
    /// Whether the upload restarted from byte 0.
    pub restarted_from_zero: bool,
    /// Wall time of the upload (and its resume).
    pub wall: Duration,
    /// Checks that failed (empty: all good).
    pub failures: Vec<String>,
}

impl UploadReport {
    /// Fired faults.
    pub fn fired(&self) -> impl Iterator<Item = &Fault> {
        self.faults.iter().filter(|f| f.fired)
    }
}

/// The whole run.
#[derive(Debug, Clone)]
pub struct SoakReport {
    /// The configuration.
    pub config: SoakConfig,
    /// Chunk size actually used (rounded).
    pub chunk: u64,
    /// Every upload.
    pub uploads: Vec<UploadReport>,
    /// Wall time of the whole run.
    pub wall: Duration,
}

impl SoakReport {
    /// Uploads with at least one failed check.
    pub fn failures(&self) -> usize {
        self.uploads.iter().filter(|u| !u.failures.is_empty()).count()
    }

    /// Faults that happened.
    pub fn injected(&self) -> usize {
        self.uploads.iter().map(|u| u.fired().count()).sum()
    }

    /// The summary tables.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let c = &self.config;
        let gcs = self.uploads.iter().filter(|u| u.provider == Provider::Gcp).count();
        out.push_str(&format!(
            "Soak: {} uploads ({} GCS, {} S3), seed {}, files of {}, chunks of {}\n\n",
            self.uploads.len(),
            gcs,
            self.uploads.len() - gcs,
            c.seed,
            bytes(c.file_size),
            bytes(self.chunk)
        ));

        #[derive(Default)]
        struct Row {
            planned: u32,
            fired: u32,
            uploads: u32,
            running: u32,
            designed: u32,
            failed: u32,
            resent: u64,
            wall: Duration,
        }
        let mut rows: BTreeMap<Kind, Row> = BTreeMap::new();
        for u in &self.uploads {
            let mut kinds: Vec<Kind> = u.fired().map(|f| f.kind).collect();
            for f in &u.faults {
                let row = rows.entry(f.kind).or_default();
                row.planned += 1;
                if f.fired {
                    row.fired += 1;
                }
            }
            kinds.sort();
            kinds.dedup();
            for k in kinds {
                let row = rows.entry(k).or_default();
                row.uploads += 1;
                row.resent += u.resent;
                row.wall += u.wall;
                if !u.failures.is_empty() {
                    row.failed += 1;
                } else if u.result == "running" {
                    row.running += 1;
                } else {
                    row.designed += 1;
                }
            }
        }
        let mut t = Table::new(&[
            "fault kind",
            ">planned",
            ">injected",
            ">uploads",
            ">ok→running",
            ">designed error",
            ">check failed",
            ">re-sent (those uploads)",
            ">mean wall",
            "by design",
        ]);
        for (kind, r) in &rows {
            let mean = if r.uploads > 0 { r.wall.as_secs_f64() / f64::from(r.uploads) } else { 0.0 };
            t.row(vec![
                kind.label().into(),
                r.planned.to_string(),
                r.fired.to_string(),
                r.uploads.to_string(),
                r.running.to_string(),
                r.designed.to_string(),
                r.failed.to_string(),
                bytes(r.resent),
                format!("{mean:.2} s"),
                kind.design().into(),
            ]);
        }
        out.push_str(&t.render());

        let ok = self.uploads.iter().filter(|u| u.failures.is_empty() && u.result == "running").count();
        let designed = self.uploads.iter().filter(|u| u.failures.is_empty() && u.result != "running").count();
        let resent: u64 = self.uploads.iter().map(|u| u.resent).sum();
        let restarts = self.uploads.iter().filter(|u| u.restarted_from_zero).count();
        let restarts_after_expiry = self
            .uploads
            .iter()
            .filter(|u| {
                u.restarted_from_zero
                    && u.fired().any(|f| matches!(f.kind, Kind::SessionExpiry | Kind::SessionExpiredTwice))
            })
            .count();
        // Re-sent bytes per fault that may cost a chunk, over uploads without a session expiry.
        let per_fault = self
            .uploads
            .iter()
            .filter(|u| u.budget_units > 0 && !u.restarted_from_zero)
            .map(|u| u.resent / u64::from(u.budget_units))
            .max()
            .unwrap_or(0);
        let mut walls: Vec<f64> = self.uploads.iter().map(|u| u.wall.as_secs_f64()).collect();
        walls.sort_by(f64::total_cmp);
        let pct = |p: f64| walls.get(((walls.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or(0.0);
        let mut s = Table::new(&["", ""]);
        s.row(vec!["faults injected".into(), format!("{} (of {} planned)", self.injected(), self.planned())]);
        s.row(vec![
            "uploads".into(),
            format!(
                "{}: {ok} ended running, {designed} ended with the designed error, {} failed a check",
                self.uploads.len(),
                self.failures()
            ),
        ]);
        s.row(vec![
            "bytes re-sent".into(),
            format!(
                "{} in all; worst per fault {} (limit one chunk, {})",
                bytes(resent),
                bytes(per_fault),
                bytes(self.chunk)
            ),
        ]);
        s.row(vec![
            "restarts from byte 0".into(),
            format!(
                "{restarts} ({restarts_after_expiry} after a session expiry, {} otherwise)",
                restarts - restarts_after_expiry
            ),
        ]);
        s.row(vec![
            "wall time".into(),
            format!(
                "{:.1} s in all; per upload median {:.2} s, p90 {:.2} s, max {:.2} s",
                self.wall.as_secs_f64(),
                pct(0.5),
                pct(0.9),
                pct(1.0)
            ),
        ]);
        s.row(vec!["reproduce".into(), self.config.command_line()]);
        out.push('\n');
        out.push_str(&s.render().lines().skip(2).collect::<Vec<_>>().join("\n"));
        out.push('\n');
        let failed: Vec<&UploadReport> = self.uploads.iter().filter(|u| !u.failures.is_empty()).collect();
        if !failed.is_empty() {
            out.push_str("\nFAILED CHECKS\n");
            for u in failed {
                for f in &u.failures {
                    out.push_str(&format!("  upload #{}: {f}\n", u.index));
                }
                out.push_str(&format!("    reproduce: {} --only {}\n", self.config.command_line(), u.index));
            }
        }
        out
    }

    pub(super) fn planned(&self) -> usize {
        self.uploads.iter().map(|u| u.faults.len()).sum()
    }
}

/// One line per upload, printed as the run goes.
pub fn upload_line(u: &UploadReport) -> String {
    let faults: Vec<String> =
        u.faults.iter().map(|f| if f.fired { f.detail.clone() } else { format!("({} — missed)", f.detail) }).collect();
    let status = if u.failures.is_empty() { "ok" } else { "FAILED" };
    format!(
        "#{:<4} {} {:>8}  {:<60} → {:<22} re-sent {:>8} ({} unit{})  {:>6.2} s  {status}",
        u.index,
        if u.provider == Provider::Gcp { "GCS" } else { "S3 " },
        bytes(u.file_size),
        clip(&faults.join("; "), 60),
        u.result,
        bytes(u.resent),
        u.budget_units,
        if u.budget_units == 1 { "" } else { "s" },
        u.wall.as_secs_f64(),
    )
}
