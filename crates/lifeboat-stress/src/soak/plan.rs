//! The fault plan of one upload: the kinds of fault, how each is injected, and where in the upload each lands
//! (the store sequence of pacing rules and faults; see the module docs of [`super`]).

use super::*;

/// The kinds of fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// The connection dies after a random byte count inside a chunk (sometimes answered 503 instead).
    Cut,
    /// One to three 5xx answers in a row, on the store or a console call.
    Burst5xx,
    /// The store stops reading the body for longer than the client's stall watchdog allows.
    Stall,
    /// A chunk's 308 loses its `Range` header ("nothing persisted").
    NoRange308,
    /// 429 with `Retry-After: 1`, on the store or a console call.
    RateLimited429,
    /// The request is processed but its answer is lost (the connection closes before the response).
    LostAnswer,
    /// Every console token expires mid-upload.
    TokenExpiry,
    /// The upload session (GCS) or multipart upload (S3) expires mid-upload (404 or 410).
    SessionExpiry,
    /// The instance still shows `loading failed` from an earlier attempt.
    StaleLoadingFailed,
    /// Fatal by design: 5xx on every attempt until the client gives up (then resumed from the journal).
    GiveUp5xx,
    /// Fatal by design: the session expires, and the fresh one expires too.
    SessionExpiredTwice,
    /// Fatal by design: Aura accepts upload-complete but never starts loading.
    ImportNeverStarts,
    /// Fatal by design: the load fails (`loading failed` after `loading`).
    ImportFails,
    /// Fatal by design: upload-complete answers 500, which may have started the import, so the client does not
    /// repeat it on its own (then resumed from the journal: nothing is sent again).
    CompleteRejected500,
}

impl Kind {
    const RECOVERABLE: [(Kind, u32); 9] = [
        (Kind::Cut, 20),
        (Kind::Burst5xx, 18),
        (Kind::Stall, 9),
        (Kind::NoRange308, 9),
        (Kind::RateLimited429, 9),
        (Kind::LostAnswer, 9),
        (Kind::TokenExpiry, 8),
        (Kind::SessionExpiry, 9),
        (Kind::StaleLoadingFailed, 9),
    ];
    const FATAL: [Kind; 5] = [
        Kind::GiveUp5xx,
        Kind::SessionExpiredTwice,
        Kind::ImportNeverStarts,
        Kind::ImportFails,
        Kind::CompleteRejected500,
    ];

    /// In words, for the table.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Cut => "connection cut inside a chunk",
            Kind::Burst5xx => "5xx burst",
            Kind::Stall => "stall past the watchdog",
            Kind::NoRange308 => "308 without Range",
            Kind::RateLimited429 => "429 with Retry-After",
            Kind::LostAnswer => "answer lost (processed, dropped)",
            Kind::TokenExpiry => "console token expiry",
            Kind::SessionExpiry => "session expiry (404/410)",
            Kind::StaleLoadingFailed => "stale `loading failed`",
            Kind::GiveUp5xx => "FATAL 5xx until the client gives up",
            Kind::SessionExpiredTwice => "FATAL session expires twice",
            Kind::ImportNeverStarts => "FATAL import never starts",
            Kind::ImportFails => "FATAL load fails",
            Kind::CompleteRejected500 => "FATAL 500 at upload-complete",
        }
    }

    /// Whether the run is resumed from its journal after this designed failure.
    pub(super) fn resumed_after(self) -> bool {
        matches!(self, Kind::GiveUp5xx | Kind::CompleteRejected500)
    }

    /// Whether the fault is fatal by design.
    pub fn fatal(self) -> bool {
        Kind::FATAL.contains(&self)
    }

    /// The error code a fatal fault must end with, the words its message must contain, and the instance status it
    /// leaves (`None`: the status it had).
    pub fn expected_error(self) -> Option<(&'static str, &'static [&'static str], Option<&'static str>)> {
        match self {
            Kind::GiveUp5xx => Some(("upload-stalled", &["stopped making progress", "resuming continues"], None)),
            Kind::SessionExpiredTwice => Some(("session-expired", &["expired twice"], None)),
            Kind::ImportNeverStarts => Some(("import-never-started", &["did not start loading"], None)),
            Kind::ImportFails => Some(("import-failed", &["Aura could not load"], Some("loading failed"))),
            Kind::CompleteRejected500 => {
                Some(("complete-rejected", &["refused to start the import", "resuming continues"], None))
            }
            _ => None,
        }
    }

    /// What happens by design, for the table.
    pub(super) fn design(self) -> &'static str {
        match self {
            Kind::GiveUp5xx => "upload-stalled, then resumed from the journal → running",
            Kind::SessionExpiredTwice => "session-expired, instance unchanged",
            Kind::ImportNeverStarts => "import-never-started, instance unchanged",
            Kind::ImportFails => "import-failed with Aura's message, instance `loading failed`",
            Kind::CompleteRejected500 => "complete-rejected, then resumed: nothing re-sent → running",
            Kind::SessionExpiry => "recovers: one restart from byte 0",
            _ => "recovers",
        }
    }
}

/// How one planned fault is injected.
#[derive(Debug, Clone)]
pub(super) enum Inject {
    /// A rule in the store sequence; `units`: how many chunks it may cost when it fires.
    Store {
        rule: Rule,
        units: u32,
    },
    /// A rule on a console route.
    Console {
        rule: Rule,
    },
    TokenExpiry,
    /// `after`: bytes acknowledged before the sessions expire.
    SessionExpiry {
        status: u16,
        after: u64,
        twice: bool,
    },
    Stale,
    NeverStarts,
    FailNext,
}

/// One fault of one upload.
#[derive(Debug, Clone)]
pub struct Fault {
    /// The kind.
    pub kind: Kind,
    /// Where and how, in words.
    pub detail: String,
    pub(super) inject: Inject,
    pub(super) rule_id: Option<u64>,
    pub(super) count: u32,
    /// Whether it actually happened.
    pub fired: bool,
}

/// Plans the faults of upload `index`: deterministic in (seed, index, config).
pub(super) fn plan(config: &SoakConfig, provider: Provider, units: u32, chunk: u64, rng: &mut StdRng) -> Vec<Fault> {
    let store_route = if provider == Provider::Gcp { GCS_ROUTE } else { S3_ROUTE };
    let mut faults = Vec::new();
    let fault = |kind: Kind, detail: String, inject: Inject| Fault {
        kind,
        detail,
        inject,
        rule_id: None,
        count: 0,
        fired: false,
    };
    let fatal = rng.random_range(0..100) < config.fatal_percent;
    if fatal {
        let kind = Kind::FATAL[rng.random_range(0..Kind::FATAL.len())];
        let f = match kind {
            Kind::GiveUp5xx => {
                let count = if provider == Provider::Gcp { MAX_ATTEMPTS + 6 } else { 80 };
                fault(
                    kind,
                    format!("503 ×{count} on the store"),
                    Inject::Store { rule: Rule::on(store_route).times(count).status(503), units: 0 },
                )
            }
            Kind::SessionExpiredTwice => {
                let status = if rng.random_bool(0.5) { 410 } else { 404 };
                let after = chunk * u64::from(rng.random_range(1..=(units / 3).max(1)));
                fault(
                    kind,
                    format!("sessions expire ({status}) after {}, and again", bytes(after)),
                    Inject::SessionExpiry { status, after, twice: true },
                )
            }
            Kind::ImportNeverStarts => fault(kind, "import never starts".into(), Inject::NeverStarts),
            Kind::CompleteRejected500 => fault(
                kind,
                "500 upload-complete".into(),
                Inject::Console { rule: Rule::on(COMPLETE_ROUTE).status(500) },
            ),
            _ => fault(kind, "load fails".into(), Inject::FailNext),
        };
        faults.push(f);
        return faults;
    }
    let n = rng.random_range(1..=config.max_faults.max(1));
    let total_weight: u32 = Kind::RECOVERABLE.iter().map(|(_, w)| w).sum();
    let mut once: Vec<Kind> = Vec::new();
    while faults.len() < n as usize {
        let mut pick = rng.random_range(0..total_weight);
        let mut kind = Kind::Cut;
        for (k, w) in Kind::RECOVERABLE {
            if pick < w {
                kind = k;
                break;
            }
            pick -= w;
        }
        if kind == Kind::NoRange308 && provider == Provider::Aws {
            kind = Kind::Cut;
        }
        if matches!(kind, Kind::TokenExpiry | Kind::SessionExpiry | Kind::StaleLoadingFailed) {
            if once.contains(&kind) {
                continue;
            }
            once.push(kind);
        }
        let on_store = rng.random_bool(0.6);
        let console_route = |rng: &mut StdRng| {
            if provider == Provider::Aws && rng.random_bool(0.2) {
                MULTIPART_STATUS_ROUTE
            } else {
                CONSOLE_ROUTES[rng.random_range(0..CONSOLE_ROUTES.len())]
            }
        };
        let short = |route: &str| route.rsplit('/').next().unwrap_or(route).to_string();
        let f = match kind {
            Kind::Cut => {
                let at = rng.random_range(1..chunk);
                if rng.random_bool(0.5) {
                    fault(
                        kind,
                        format!("cut after {}", bytes(at)),
                        Inject::Store { rule: Rule::on(store_route).cut_after_bytes(at), units: 1 },
                    )
                } else {
                    fault(
                        kind,
                        format!("503 after {}", bytes(at)),
                        Inject::Store { rule: Rule::on(store_route).cut_after_bytes(at).status(503), units: 1 },
                    )
                }
            }
            Kind::Burst5xx => {
                let status = [500, 502, 503, 504][rng.random_range(0..4)];
                let count = rng.random_range(1..=3u32);
                if on_store {
                    // On S3 each failed attempt may be a different part in flight.
                    let units = if provider == Provider::Gcp { 1 } else { count };
                    fault(
                        kind,
                        format!("{status} ×{count} store"),
                        Inject::Store { rule: Rule::on(store_route).times(count).status(status), units },
                    )
                } else {
                    let route = console_route(rng);
                    // A 500 at upload-complete may have started the import: that is the fatal kind above.
                    let status = if route == COMPLETE_ROUTE && status == 500 { 503 } else { status };
                    fault(
                        kind,
                        format!("{status} ×{count} {}", short(route)),
                        Inject::Console { rule: Rule::on(route).times(count).status(status) },
                    )
                }
            }
            Kind::Stall => {
                let ms = rng.random_range(1500..=2500u64);
                let after = rng.random_range(0..chunk / 2);
                fault(
                    kind,
                    format!("stall {ms} ms after {}", bytes(after)),
                    Inject::Store { rule: Rule::on(store_route).stall_ms(ms).stall_after_bytes(after), units: 1 },
                )
            }
            Kind::NoRange308 => fault(
                kind,
                "308 without Range".into(),
                Inject::Store { rule: Rule::on(store_route).omit_range(), units: 1 },
            ),
            Kind::RateLimited429 => {
                if on_store {
                    fault(
                        kind,
                        "429 store".into(),
                        Inject::Store { rule: Rule::on(store_route).status(429).retry_after(1), units: 1 },
                    )
                } else {
                    // On the status poll too: the emulator's loads last at least 2.5 s whatever the clock, so a
                    // 1 s gap can't swallow a whole load (which the watcher would read as "never started").
                    let route = console_route(rng);
                    fault(
                        kind,
                        format!("429 {}", short(route)),
                        Inject::Console { rule: Rule::on(route).status(429).retry_after(1) },
                    )
                }
            }
            Kind::LostAnswer => {
                if on_store {
                    fault(
                        kind,
                        "lost answer store".into(),
                        Inject::Store { rule: Rule::on(store_route).dropped(), units: 1 },
                    )
                } else {
                    let route = if rng.random_bool(0.5) { COMPLETE_ROUTE } else { STATUS_ROUTE };
                    fault(
                        kind,
                        format!("lost answer {}", short(route)),
                        Inject::Console { rule: Rule::on(route).dropped() },
                    )
                }
            }
            Kind::TokenExpiry => fault(kind, "token expiry".into(), Inject::TokenExpiry),
            Kind::SessionExpiry => {
                let status = if rng.random_bool(0.5) { 410 } else { 404 };
                let after = chunk * u64::from(rng.random_range(1..=(units / 2).max(1)));
                fault(
                    kind,
                    format!("session expiry {status} after {}", bytes(after)),
                    Inject::SessionExpiry { status, after, twice: false },
                )
            }
            Kind::StaleLoadingFailed => fault(kind, "stale loading failed".into(), Inject::Stale),
            _ => continue,
        };
        faults.push(f);
    }
    faults
}

/// Builds the store rule sequence (pacing, fault, pacing, …, pacing for the rest) and drops store faults that
/// don't fit before the last chunk. Returns the rules with the index of the fault each belongs to.
pub(super) fn store_sequence(
    faults: &mut Vec<Fault>,
    store_route: &str,
    pace_ms: u64,
    units: u32,
    rng: &mut StdRng,
) -> Vec<(Rule, Option<usize>)> {
    let pace = |count: u32| Rule::on(store_route).times(count).delay_ms(pace_ms);
    let mut rules = Vec::new();
    let mut used = 0u32;
    let mut keep = vec![true; faults.len()];
    let mut first = true;
    for (i, f) in faults.iter().enumerate() {
        let Inject::Store { rule, .. } = &f.inject else { continue };
        // A fatal "give up" goes after at least one chunk, so the resume has something to resume from.
        let gap = if first {
            let lo = u32::from(f.kind == Kind::GiveUp5xx);
            rng.random_range(lo..=(units / 3).max(lo))
        } else {
            rng.random_range(2..=4)
        };
        first = false;
        if used + gap + 1 >= units {
            keep[i] = false;
            continue;
        }
        if gap > 0 {
            rules.push((pace(gap), None));
        }
        rules.push((rule.clone(), Some(i)));
        used += gap + 1;
    }
    rules.push((pace(1_000_000), None));
    // Faults that didn't fit are not planned at all.
    let mut index_map = HashMap::new();
    let mut kept = Vec::new();
    for (i, f) in faults.drain(..).enumerate() {
        if keep[i] {
            index_map.insert(i, kept.len());
            kept.push(f);
        }
    }
    *faults = kept;
    rules.into_iter().map(|(r, i)| (r, i.and_then(|i| index_map.get(&i).copied()))).collect()
}
