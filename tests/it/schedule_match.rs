//! Matching the shipped notes to schedules of their conferences, written by
//! us in every format (`tests/fixtures/schedule/`): exact titles, titles in
//! other cases and with subtitles, a typo, near-misses, the same title at
//! two conferences, and events the team has no notes on. Precision must
//! stay at or above 0.95; recall is reported.

use crate::common;

use confnotes::answer::Engine;
use confnotes::config::Config;
use confnotes::index::{Filters, Silent};
use std::collections::BTreeSet;

/// The pairs (the notes' title, the schedule's title) a careful reader
/// would match.
const EXPECTED: &[(&str, &str)] = &[
    (
        "Detecting cloud and container threats",
        "Detecting cloud and container threats",
    ),
    (
        "Gateway API: The new way to travel north/south",
        "Gateway API: The New Way to Travel North/South",
    ),
    ("gRPS Proxyless Service", "gRPC Proxyless Service Mesh"),
    ("The Art of Hiding Yourself", "The Art of Hiding Yourself"),
    (
        "When Prometheus Can’t Take the Load Anymore",
        "When Prometheus Can’t Take the Load Anymore",
    ),
    ("Cluster API Deep Dive", "Cluster API Deep Dive"),
    (
        "HACKING INTO KUBERNETES SECURITY FOR BEGINNERS",
        "Hacking into Kubernetes Security for Beginners",
    ),
    (
        "A CI/CD Platform in the Palm of Your Hand",
        "A CI/CD Platform in the Palm of Your Hand",
    ),
    (
        "Verifiable GitHub Actions with eBPF",
        "Verifiable GitHub Actions with eBPF",
    ),
    (
        "Hands on with WebAssembly Microservices and Kubernetes",
        "Hands on with WebAssembly Microservices and Kubernetes",
    ),
    (
        "Experience with “Hard Multi-Tenancy” in Kubernetes Using Kata Containers",
        "Experience with “Hard Multi-Tenancy” in Kubernetes Using Kata Containers",
    ),
    (
        "Unlocking Argo CD’s Hidden Tools for Chaos Engineering - Featuring VCluster and More",
        "Unlocking Argo CD’s Hidden Tools for Chaos Engineering - Featuring VCluster and More",
    ),
    ("Kubeadm Deep Dive", "Kubeadm Deep Dive"),
    (
        "Flux Beyond Git: Harnessing the Power of OCI",
        "Flux Beyond Git: Harnessing the Power of OCI Artifacts",
    ),
    (
        "Using OpenTelemetry to empower end users",
        "Keynote: Using OpenTelemetry to empower end users",
    ),
    (
        "Moving Cloud Native beyond HTTP",
        "Moving Cloud Native beyond HTTP",
    ),
    ("Stop Writing Operators", "Stop Writing Operators"),
    (
        "Production CI/CD with Cloud Native Buildpacks",
        "Production CI/CD with Cloud Native Buildpacks",
    ),
];

/// The shipped notes and our schedules in one notes directory, indexed.
fn engine() -> (Engine, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    common::copy_shipped(&notes);
    let fixtures = common::root().join("tests/fixtures/schedule");
    for e in std::fs::read_dir(fixtures).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, notes.join(p.file_name().unwrap())).unwrap();
    }
    let config = Config {
        notes_dir: notes,
        index_dir: tmp.path().join("index"),
        data_dir: tmp.path().join("data"),
        synonyms_file: common::root().join("config/synonyms.toml"),
        ..Config::default()
    };
    let (engine, _) = Engine::open(&config, &Silent).unwrap();
    (engine, tmp)
}

#[test]
fn notes_match_their_schedules_with_high_precision() {
    let (engine, _tmp) = engine();
    let coverage = engine.coverage(None).unwrap();
    assert_eq!(coverage.len(), 4, "one schedule per format");
    let made: BTreeSet<(String, String)> = coverage
        .iter()
        .flat_map(|c| &c.decisions)
        .filter(|d| d.matched().is_some())
        .map(|d| (d.title.clone(), d.event.as_ref().unwrap().1.clone()))
        .collect();
    let expected: BTreeSet<(String, String)> = EXPECTED
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    let right = made.intersection(&expected).count();
    let precision = right as f64 / made.len().max(1) as f64;
    let recall = right as f64 / expected.len() as f64;
    eprintln!(
        "schedule matching: precision {precision:.3} ({right} of {} made), recall {recall:.3} ({right} of {})",
        made.len(),
        expected.len()
    );
    for wrong in made.difference(&expected) {
        eprintln!("  wrong: {wrong:?}");
    }
    for missed in expected.difference(&made) {
        eprintln!("  missed: {missed:?}");
    }
    assert!(precision >= 0.95, "precision {precision:.3}");
    assert!(recall >= 0.8, "recall {recall:.3}");
    // Coverage counts the events with notes.
    let eu23 = coverage
        .iter()
        .find(|c| c.source == "kubecon-eu-2023.xml")
        .unwrap();
    assert_eq!(eu23.with_notes, 7);
    assert_eq!(eu23.events.len(), 10);
}

#[test]
fn answers_put_the_notes_first_and_mark_schedule_only_events() {
    let (engine, _tmp) = engine();
    // Only the schedule knows this talk.
    let a = engine
        .ask("wasm rollouts at a bank", &Filters::default(), 5, 0)
        .unwrap();
    let first = &a.hits[0];
    assert_eq!(
        first.meta.title,
        "Fleet-wide Wasm Rollouts at a Fictional Bank"
    );
    assert_eq!(first.meta.kind, confnotes::notes::Kind::Scheduled);
    assert!(
        first
            .meta
            .slot
            .as_ref()
            .unwrap()
            .line
            .starts_with("Wed 19 Apr"),
        "{:?}",
        first.meta.slot
    );
    // A talk with notes, whose schedule entry the question also finds: the
    // session, with its schedule line, links and abstract, and not the
    // event a second time.
    let a = engine
        .ask(
            "a ci/cd platform in the palm of your hand",
            &Filters::default(),
            5,
            0,
        )
        .unwrap();
    let hit = &a.hits[0];
    assert_eq!(
        hit.meta.kind,
        confnotes::notes::Kind::Talk,
        "{:?}",
        hit.meta
    );
    let slot = hit
        .meta
        .slot
        .as_ref()
        .expect("the schedule line of a matched session");
    assert_eq!(
        slot.line,
        "Wed 19 Apr 11:00–11:35 · Hall 7, Room A · CI/CD track · recording"
    );
    assert!(hit
        .links
        .iter()
        .any(|l| l.url == "https://video.example.org/kceu23/101"));
    assert!(hit
        .schedule_abstract
        .as_deref()
        .is_some_and(|t| t.contains("MicroVMs") && !t.contains("script")));
    // Looked up by its title, the session shows the same.
    let looked_up = engine
        .session("A CI/CD Platform in the Palm of Your Hand")
        .unwrap()
        .unwrap();
    assert_eq!(looked_up.meta.slot, hit.meta.slot);
    assert!(looked_up.schedule_abstract.is_some());
    assert!(
        a.hits
            .iter()
            .all(|h| h.meta.title != hit.meta.title || h.meta.id == hit.meta.id),
        "the event shown again: {:?}",
        a.hits.iter().map(|h| &h.meta.id).collect::<Vec<_>>()
    );
}

#[test]
fn a_digest_names_the_days_events_when_asked() {
    let (engine, tmp) = engine();
    drop(engine);
    let notes = tmp.path().join("notes");
    let index = tmp.path().join("index");
    let digest = |on: &str| {
        let out = common::confnotes_env(
            &notes,
            &index,
            &[
                ("CONFNOTES_DIGEST__SCHEDULE_TODAY", on),
                (
                    "CONFNOTES_DATA_DIR",
                    tmp.path().join("data").to_str().unwrap(),
                ),
            ],
            &["digest", "--date", "2023-04-19", "--json"],
        );
        common::json(&out)
    };
    assert!(digest("false").get("today").is_none(), "off by default");
    let d = digest("true");
    let today = d["today"].as_array().unwrap();
    let titles: Vec<&str> = today.iter().map(|e| e["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles[0], "A CI/CD Platform in the Palm of Your Hand",
        "{titles:?}"
    );
    assert!(titles.contains(&"Fleet-wide Wasm Rollouts at a Fictional Bank"));
    assert!(today.iter().all(|e| e["slot"]["start"]
        .as_str()
        .unwrap()
        .starts_with("2023-04-19")));
    assert!(today[0]["notes"].is_string(), "the team's notes are named");
}
