//! A conference's programme from its schedule, for people at the
//! conference: which conference "now" means, its days and tracks, the
//! events of a day, a track or some words, what is on now and what comes
//! next, and what the notes cover by track. Everything is in the
//! conference's own time (the offset most of its events are given in), so
//! "Wed 19 Apr 11:00" reads as the printed programme does. Pure functions
//! over [`Coverage`], which the engine makes once per index.

use super::coverage::{Coverage, CoveredEvent};
use super::Engine;
use crate::schedule::matching::same_conference;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// One event as a listing shows it, in the conference's time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Listed {
    pub id: String,
    /// "Wed 19 Apr"; empty when the schedule gives no time.
    pub day: String,
    /// "11:00–11:35"; empty without a time.
    pub time: String,
    pub room: Option<String>,
    pub track: Option<String>,
    pub title: String,
    pub speakers: Vec<String>,
    /// The title of the team's session on it, when the notes have one.
    pub notes: Option<String>,
}

/// Some of a conference's events, picked for a listing.
#[derive(Debug, Clone, Serialize)]
pub struct Listing {
    /// "KubeCon + CloudNativeCon Europe 2023".
    pub conference: String,
    /// A short name of the schedule that stays the same while its file
    /// does (buttons carry it).
    pub key: String,
    /// The conference's days, "Wed 19 Apr", in order.
    pub days: Vec<String>,
    /// The clock's time in the conference's time: "Wed 19 Apr 2023 11:10 +02:00".
    pub now: String,
    pub events: Vec<Listed>,
}

/// Which events of a programme to list; `None` is any.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// "Wed 19 Apr" (any case) or "2023-04-19".
    pub day: Option<String>,
    /// A track's name, or a part of it.
    pub track: Option<String>,
    /// Words that must each be in the title or a speaker's name.
    pub words: Option<String>,
}

/// Notes on `with_notes` of a track's `events`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackCoverage {
    pub track: String,
    pub with_notes: usize,
    pub events: usize,
}

/// What the notes cover of one schedule.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageSummary {
    pub conference: String,
    pub with_notes: usize,
    pub events: usize,
    pub by_track: Vec<TrackCoverage>,
    /// The events no one took notes on, in time order.
    pub uncovered: Vec<Listed>,
}

/// How events without a track are counted.
pub const NO_TRACK: &str = "(no track)";

impl Engine {
    /// Every schedule beside the notes, made once per index.
    pub fn schedules(&self) -> &[Coverage] {
        self.schedules.get_or_init(|| {
            self.coverage(None).unwrap_or_else(|e| {
                tracing::warn!(error = %crate::errors::chain(e.as_ref()), "cannot read the schedules");
                Vec::new()
            })
        })
    }

    /// The events of the conference `wanted` (else the one on by `now`)
    /// that `filter` lets through; `None` when no schedule is that conference.
    pub fn programme(
        &self,
        wanted: Option<&str>,
        now: DateTime<Utc>,
        filter: &Filter,
    ) -> Option<Listing> {
        let c = pick(self.schedules(), wanted, now)?;
        Some(listing(c, now, select(c, filter)))
    }

    /// The events running at `now`.
    pub fn on_now(&self, wanted: Option<&str>, now: DateTime<Utc>) -> Option<Listing> {
        let c = pick(self.schedules(), wanted, now)?;
        Some(listing(c, now, running(c, now)))
    }

    /// The first `limit` events starting after `now` that hold `words`.
    pub fn up_next(
        &self,
        wanted: Option<&str>,
        now: DateTime<Utc>,
        words: Option<&str>,
        limit: usize,
    ) -> Option<Listing> {
        let c = pick(self.schedules(), wanted, now)?;
        Some(listing(c, now, upcoming(c, now, words, limit)))
    }

    /// What the notes cover of the conference `wanted`, or of every schedule.
    pub fn coverage_summaries(
        &self,
        wanted: Option<&str>,
        now: DateTime<Utc>,
    ) -> Vec<CoverageSummary> {
        let all = self.schedules();
        match wanted.map(str::trim).filter(|w| !w.is_empty()) {
            Some(w) => pick(all, Some(w), now).into_iter().map(summarize).collect(),
            None => all.iter().map(summarize).collect(),
        }
    }
}

/// The conference's name as people say it, with its year.
pub fn label(c: &Coverage) -> String {
    match (&c.conference, c.year) {
        (Some(n), Some(y)) if !n.contains(&y.to_string()) => format!("{n} {y}"),
        (Some(n), _) => n.clone(),
        (None, _) => c.source.clone(),
    }
}

/// The schedule's file, fingerprinted to eight characters.
pub fn key(c: &Coverage) -> String {
    crate::hash::fingerprint(c.source.as_bytes())
        .chars()
        .take(8)
        .collect()
}

/// The offset most of the conference's events are given in (UTC when none
/// has a time).
pub fn offset(c: &Coverage) -> FixedOffset {
    let mut counts: BTreeMap<i32, usize> = BTreeMap::new();
    for s in c.events.iter().filter_map(start) {
        *counts.entry(s.offset().local_minus_utc()).or_default() += 1;
    }
    let best = counts
        .iter()
        .max_by_key(|(_, n)| **n)
        .map_or(0, |(o, _)| *o);
    FixedOffset::east_opt(best).unwrap_or(FixedOffset::east_opt(0).expect("UTC"))
}

fn start(e: &CoveredEvent) -> Option<DateTime<FixedOffset>> {
    e.meta.slot.as_ref()?.start
}

fn end(e: &CoveredEvent) -> Option<DateTime<FixedOffset>> {
    e.meta.slot.as_ref()?.end
}

fn day_of(t: DateTime<FixedOffset>, off: FixedOffset) -> String {
    t.with_timezone(&off).format("%a %-d %b").to_string()
}

/// The conference's days in order, each with its number of events.
pub fn days(c: &Coverage) -> Vec<(String, usize)> {
    let off = offset(c);
    let mut out: Vec<(NaiveDate, String, usize)> = Vec::new();
    for s in c.events.iter().filter_map(start) {
        let date = s.with_timezone(&off).date_naive();
        match out.iter_mut().find(|(d, _, _)| *d == date) {
            Some(d) => d.2 += 1,
            None => out.push((date, day_of(s, off), 1)),
        }
    }
    out.sort();
    out.into_iter().map(|(_, day, n)| (day, n)).collect()
}

/// The conference's tracks by name, each with its number of events.
pub fn tracks(c: &Coverage) -> Vec<(String, usize)> {
    by_track(c)
        .into_iter()
        .filter(|t| t.track != NO_TRACK)
        .map(|t| (t.track, t.events))
        .collect()
}

/// The schedule `wanted` names (its key, its name, a part of its name, or
/// the same conference by other words: "KubeCon EU"); among several, or
/// when none is named, the one whose dates hold `now`, else the one that
/// began last before `now`, else the first.
pub fn pick<'a>(
    all: &'a [Coverage],
    wanted: Option<&str>,
    now: DateTime<Utc>,
) -> Option<&'a Coverage> {
    let candidates: Vec<&Coverage> = match wanted.map(str::trim).filter(|w| !w.is_empty()) {
        None => all.iter().collect(),
        Some(w) => {
            let lw = w.to_lowercase();
            let exact: Vec<&Coverage> = all
                .iter()
                .filter(|c| key(c) == w || label(c).to_lowercase() == lw)
                .collect();
            let part: Vec<&Coverage> = all
                .iter()
                .filter(|c| label(c).to_lowercase().contains(&lw))
                .collect();
            let year = w.split_whitespace().find_map(|t| t.parse::<i32>().ok());
            let same: Vec<&Coverage> = all
                .iter()
                .filter(|c| {
                    c.conference
                        .as_deref()
                        .is_some_and(|n| same_conference(w, year, n, c.year))
                })
                .collect();
            [exact, part, same]
                .into_iter()
                .find(|v| !v.is_empty())
                .unwrap_or_default()
        }
    };
    let span = |c: &Coverage| {
        let off = offset(c);
        let first = c.events.iter().filter_map(start).min()?;
        let last = c.events.iter().filter_map(|e| end(e).or(start(e))).max()?;
        let today = now.with_timezone(&off).date_naive();
        Some((
            first,
            first.date_naive() <= today && today <= last.date_naive(),
        ))
    };
    candidates
        .iter()
        .find(|c| span(c).is_some_and(|(_, on)| on))
        .or_else(|| {
            candidates
                .iter()
                .filter_map(|c| span(c).map(|(first, _)| (first, c)))
                .filter(|(first, _)| *first <= now)
                .max_by_key(|(first, _)| *first)
                .map(|(_, c)| c)
        })
        .or(candidates.first())
        .copied()
}

/// The events `filter` lets through, in the schedule's (time) order.
pub fn select<'a>(c: &'a Coverage, filter: &Filter) -> Vec<&'a CoveredEvent> {
    let off = offset(c);
    c.events
        .iter()
        .filter(|e| match filter.day.as_deref().map(str::trim) {
            None | Some("") => true,
            Some(d) => start(e).is_some_and(|s| {
                day_of(s, off).eq_ignore_ascii_case(d)
                    || s.with_timezone(&off).date_naive().to_string() == d
            }),
        })
        .filter(|e| match filter.track.as_deref().map(str::trim) {
            None | Some("") => true,
            Some(t) => track_of(e).to_lowercase().contains(&t.to_lowercase()),
        })
        .filter(|e| holds_words(e, filter.words.as_deref()))
        .collect()
}

/// The events running at `now`: begun, not yet ended.
pub fn running(c: &Coverage, now: DateTime<Utc>) -> Vec<&CoveredEvent> {
    c.events
        .iter()
        .filter(|e| matches!((start(e), end(e)), (Some(s), Some(t)) if s <= now && now < t))
        .collect()
}

/// The first `limit` events starting after `now` that hold `words`.
pub fn upcoming<'a>(
    c: &'a Coverage,
    now: DateTime<Utc>,
    words: Option<&str>,
    limit: usize,
) -> Vec<&'a CoveredEvent> {
    let mut next: Vec<&CoveredEvent> = c
        .events
        .iter()
        .filter(|e| start(e).is_some_and(|s| s > now) && holds_words(e, words))
        .collect();
    next.sort_by_key(|e| start(e));
    next.truncate(limit);
    next
}

fn track_of(e: &CoveredEvent) -> &str {
    e.meta
        .slot
        .as_ref()
        .and_then(|s| s.track.as_deref())
        .unwrap_or(NO_TRACK)
}

/// Every word of `words` in the title or a speaker's (or organisation's) name.
fn holds_words(e: &CoveredEvent, words: Option<&str>) -> bool {
    let Some(words) = words else { return true };
    let hay = std::iter::once(&e.meta.title)
        .chain(&e.meta.speakers)
        .chain(&e.meta.organizations)
        .map(|s| s.to_lowercase())
        .collect::<Vec<_>>()
        .join("\n");
    words
        .split_whitespace()
        .all(|w| hay.contains(&w.to_lowercase()))
}

/// An event as listings show it.
pub fn listed(c: &Coverage, e: &CoveredEvent) -> Listed {
    let off = offset(c);
    let slot = e.meta.slot.as_ref();
    let (day, time) = match start(e) {
        Some(s) => {
            let s = s.with_timezone(&off);
            let mut time = s.format("%H:%M").to_string();
            if let Some(t) = end(e).map(|t| t.with_timezone(&off)) {
                time.push_str(&t.format("–%H:%M").to_string());
            }
            (day_of(s, off), time)
        }
        None => (String::new(), String::new()),
    };
    Listed {
        id: e.meta.id.clone(),
        day,
        time,
        room: slot.and_then(|s| s.room.clone()),
        track: slot.and_then(|s| s.track.clone()),
        title: e.meta.title.clone(),
        speakers: e.meta.speakers.clone(),
        notes: e.notes.as_ref().map(|id| {
            c.decisions
                .iter()
                .find(|d| &d.session == id)
                .map_or_else(|| id.clone(), |d| d.title.clone())
        }),
    }
}

fn listing(c: &Coverage, now: DateTime<Utc>, events: Vec<&CoveredEvent>) -> Listing {
    let off = offset(c);
    Listing {
        conference: label(c),
        key: key(c),
        days: days(c).into_iter().map(|(d, _)| d).collect(),
        now: now
            .with_timezone(&off)
            .format("%a %-d %b %Y %H:%M %:z")
            .to_string(),
        events: events.into_iter().map(|e| listed(c, e)).collect(),
    }
}

/// Notes on X of Y events, in all and by track (by name, events without a
/// track last).
pub fn by_track(c: &Coverage) -> Vec<TrackCoverage> {
    let mut map: BTreeMap<(bool, String), (usize, usize)> = BTreeMap::new();
    for e in &c.events {
        let t = track_of(e);
        let n = map.entry((t == NO_TRACK, t.to_string())).or_default();
        n.0 += usize::from(e.notes.is_some());
        n.1 += 1;
    }
    map.into_iter()
        .map(|((_, track), (with_notes, events))| TrackCoverage {
            track,
            with_notes,
            events,
        })
        .collect()
}

/// What the notes cover of a schedule.
pub fn summarize(c: &Coverage) -> CoverageSummary {
    CoverageSummary {
        conference: label(c),
        with_notes: c.with_notes,
        events: c.events.len(),
        by_track: by_track(c),
        uncovered: c
            .events
            .iter()
            .filter(|e| e.notes.is_none())
            .map(|e| listed(c, e))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notes::{Kind, SessionMeta, Slot};
    use crate::schedule::matching::{Decision, Outcome};

    fn event(
        id: &str,
        title: &str,
        at: Option<&str>,
        mins: i64,
        track: Option<&str>,
    ) -> CoveredEvent {
        let start = at.map(|t| DateTime::parse_from_rfc3339(t).unwrap());
        CoveredEvent {
            meta: SessionMeta {
                id: id.into(),
                kind: Kind::Scheduled,
                title: title.into(),
                speakers: vec!["Ada Example".into()],
                organizations: vec![],
                conference: Some("DemoConf".into()),
                year: Some(2023),
                section: None,
                file: "demo.xml".into(),
                line: 1,
                slot: Some(Slot {
                    start,
                    end: start.map(|s| s + chrono::Duration::minutes(mins)),
                    room: Some("Room A".into()),
                    track: track.map(str::to_string),
                    line: String::new(),
                }),
            },
            notes: None,
        }
    }

    fn demo(name: &str, source: &str, day1: &str, day2: &str) -> Coverage {
        let mut events = vec![
            event(
                "e1",
                "Opening keynote",
                Some(&format!("{day1}T09:00:00+02:00")),
                30,
                Some("Keynote"),
            ),
            event(
                "e2",
                "eBPF for everyone",
                Some(&format!("{day1}T10:00:00+02:00")),
                40,
                Some("Security"),
            ),
            // Given in UTC: the same conference day, 11:00 there.
            event(
                "e3",
                "Wasm at the edge",
                Some(&format!("{day1}T09:00:00Z")),
                30,
                Some("Emerging"),
            ),
            event(
                "e4",
                "Policy as code",
                Some(&format!("{day2}T09:30:00+02:00")),
                30,
                Some("Security"),
            ),
            event("e5", "Hallway track", None, 0, None),
        ];
        events[1].notes = Some("notes/ebpf".into());
        Coverage {
            conference: Some(name.into()),
            year: Some(2023),
            source: source.into(),
            with_notes: 1,
            events,
            decisions: vec![Decision {
                session: "notes/ebpf".into(),
                title: "eBPF for Everyone (our notes)".into(),
                outcome: Outcome::Matched,
                event: Some(("e2".into(), "eBPF for everyone".into(), 1.0)),
                runner_up: None,
            }],
        }
    }

    fn at(t: &str) -> DateTime<Utc> {
        t.parse().unwrap()
    }

    #[test]
    fn days_tracks_and_times_are_in_the_conferences_offset() {
        let c = demo("DemoConf", "demo.xml", "2023-04-19", "2023-04-20");
        assert_eq!(offset(&c).local_minus_utc(), 7200);
        assert_eq!(
            days(&c),
            [("Wed 19 Apr".to_string(), 3), ("Thu 20 Apr".to_string(), 1)]
        );
        assert_eq!(
            tracks(&c).iter().map(|t| t.0.as_str()).collect::<Vec<_>>(),
            ["Emerging", "Keynote", "Security"]
        );
        let wasm = listed(&c, &c.events[2]);
        assert_eq!(
            (wasm.day.as_str(), wasm.time.as_str()),
            ("Wed 19 Apr", "11:00–11:30")
        );
        let ebpf = listed(&c, &c.events[1]);
        assert_eq!(ebpf.notes.as_deref(), Some("eBPF for Everyone (our notes)"));
        let hall = listed(&c, &c.events[4]);
        assert!(hall.day.is_empty() && hall.time.is_empty());
    }

    #[test]
    fn filters_by_day_track_and_words() {
        let c = demo("DemoConf", "demo.xml", "2023-04-19", "2023-04-20");
        let ids = |f: Filter| {
            select(&c, &f)
                .iter()
                .map(|e| e.meta.id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(Filter::default()).len(), 5);
        let day = |d: &str| Filter {
            day: Some(d.into()),
            ..Filter::default()
        };
        assert_eq!(ids(day("wed 19 apr")), ["e1", "e2", "e3"]);
        assert_eq!(ids(day("2023-04-20")), ["e4"]);
        let track = Filter {
            track: Some("secur".into()),
            ..Filter::default()
        };
        assert_eq!(ids(track), ["e2", "e4"]);
        let words = Filter {
            words: Some("EBPF ada".into()),
            ..Filter::default()
        };
        assert_eq!(ids(words), ["e2"]);
        let none = Filter {
            words: Some("ebpf nobody".into()),
            ..Filter::default()
        };
        assert!(ids(none).is_empty());
    }

    #[test]
    fn now_and_next_by_the_clock() {
        let c = demo("DemoConf", "demo.xml", "2023-04-19", "2023-04-20");
        let ids = |v: Vec<&CoveredEvent>| v.iter().map(|e| e.meta.id.clone()).collect::<Vec<_>>();
        // 10:10 there: the eBPF talk runs (10:00–10:40).
        assert_eq!(ids(running(&c, at("2023-04-19T08:10:00Z"))), ["e2"]);
        // Its end is not part of it.
        assert!(running(&c, at("2023-04-19T08:40:00Z")).is_empty());
        assert_eq!(
            ids(upcoming(&c, at("2023-04-19T08:10:00Z"), None, 10)),
            ["e3", "e4"]
        );
        assert_eq!(
            ids(upcoming(&c, at("2023-04-19T08:10:00Z"), Some("policy"), 10)),
            ["e4"]
        );
        assert_eq!(
            ids(upcoming(&c, at("2023-04-19T00:00:00Z"), None, 2)),
            ["e1", "e2"]
        );
        assert!(upcoming(&c, at("2024-01-01T00:00:00Z"), None, 10).is_empty());
    }

    #[test]
    fn the_conference_on_by_the_clock_is_picked() {
        let all = vec![
            demo("DemoConf", "a.xml", "2023-04-19", "2023-04-20"),
            demo("OtherConf", "b.xml", "2023-06-01", "2023-06-02"),
        ];
        let name =
            |t: &str, w: Option<&str>| pick(&all, w, at(t)).map(|c| c.conference.clone().unwrap());
        // During each, that one; on a day with no talks before 09:00, still it.
        assert_eq!(
            name("2023-04-20T05:00:00Z", None).as_deref(),
            Some("DemoConf")
        );
        assert_eq!(
            name("2023-06-01T05:00:00Z", None).as_deref(),
            Some("OtherConf")
        );
        // Between them: the one begun last; before both: the first.
        assert_eq!(
            name("2023-05-10T00:00:00Z", None).as_deref(),
            Some("DemoConf")
        );
        assert_eq!(
            name("2024-05-10T00:00:00Z", None).as_deref(),
            Some("OtherConf")
        );
        assert_eq!(
            name("2020-01-01T00:00:00Z", None).as_deref(),
            Some("DemoConf")
        );
        // Named: by its name, a part of it, its key; an unknown name is none.
        assert_eq!(
            name("2023-04-20T05:00:00Z", Some("other")).as_deref(),
            Some("OtherConf")
        );
        assert_eq!(
            name("2023-04-20T05:00:00Z", Some(&key(&all[1]))).as_deref(),
            Some("OtherConf")
        );
        assert_eq!(label(&all[0]), "DemoConf 2023");
        assert_eq!(name("2023-04-20T05:00:00Z", Some("nowhere")), None);
    }

    #[test]
    fn coverage_by_track_and_uncovered() {
        let c = demo("DemoConf", "demo.xml", "2023-04-19", "2023-04-20");
        let s = summarize(&c);
        assert_eq!((s.with_notes, s.events), (1, 5));
        let security = s.by_track.iter().find(|t| t.track == "Security").unwrap();
        assert_eq!((security.with_notes, security.events), (1, 2));
        assert_eq!(s.by_track.last().unwrap().track, NO_TRACK);
        assert_eq!(s.by_track.iter().map(|t| t.events).sum::<usize>(), 5);
        assert_eq!(s.uncovered.len(), 4);
        assert!(s.uncovered.iter().all(|e| e.id != "e2"));
    }
}
