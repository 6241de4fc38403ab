//! Notes written from chat: the files, byte for byte, their names whatever
//! the title, and what the parser makes of them.

use confnotes::capture::{append, render, write_new, Draft};
use confnotes::notes::{read_bytes, Kind};

const MB: usize = 1024 * 1024;

fn draft(title: &str) -> Draft {
    Draft {
        title: title.to_string(),
        speakers: "Ada Lovelace, Analytical Engines".to_string(),
        conference: Some("KubeCon EU 2023".to_string()),
        body: "Engines that weave algebraic patterns.\n\n- punched cards\n- loops".to_string(),
        author: "alice".to_string(),
        date: chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
    }
}

#[test]
fn a_note_from_chat_is_a_file_per_talk_the_parser_reads_as_written() {
    let tmp = tempfile::tempdir().unwrap();
    let w = write_new(tmp.path(), &draft("Weaving Patterns: Looms & Loops"), MB).unwrap();
    assert_eq!(w.rel, "kubecon-eu-2023/weaving-patterns-looms-loops.md");
    let bytes = std::fs::read(&w.path).unwrap();
    assert_eq!(
        String::from_utf8(bytes.clone()).unwrap(),
        "+++\ntitle = \"Weaving Patterns: Looms & Loops\"\nconference = \"KubeCon EU\"\nyear = 2023\n\
         author = \"alice\"\nwritten = \"2026-12-07\"\n+++\n\n\
         # Weaving Patterns: Looms & Loops - Ada Lovelace, Analytical Engines\n\n\
         Engines that weave algebraic patterns.\n\n- punched cards\n- loops\n"
    );
    let note = read_bytes(&w.rel, &bytes).note.unwrap();
    assert_eq!(note.chunks.len(), 1, "one talk: {:?}", note.chunks);
    let m = &note.chunks[0].meta;
    assert_eq!(m.kind, Kind::Talk);
    assert_eq!(m.title, "Weaving Patterns: Looms & Loops");
    assert_eq!(m.speakers, ["Ada Lovelace"]);
    assert_eq!(m.organizations, ["Analytical Engines"]);
    assert_eq!(m.conference.as_deref(), Some("KubeCon EU"));
    assert_eq!(m.year, Some(2023));
    // Nothing else is left in the folder: the temporary file is gone.
    let names: Vec<_> = std::fs::read_dir(w.path.parent().unwrap())
        .unwrap()
        .collect();
    assert_eq!(names.len(), 1);
}

#[test]
fn hostile_titles_give_safe_names_inside_the_notes() {
    let tmp = tempfile::tempdir().unwrap();
    let long = "x".repeat(500);
    for (title, file) in [
        ("../../etc/passwd", "etc-passwd.md"),
        ("CON", "con-note.md"),
        ("a\0b", "a-b.md"),
        (long.as_str(), &format!("{}.md", "x".repeat(60))),
        ("🎉🚀", "note.md"),
        ("/tmp/evil", "tmp-evil.md"),
        (".bashrc", "bashrc.md"),
    ] {
        let mut d = draft(title);
        d.conference = Some("../..".to_string());
        let w = write_new(tmp.path(), &d, MB).unwrap();
        assert_eq!(w.rel, format!("note/{file}"), "{title:?}");
        assert!(w.path.starts_with(tmp.path()));
        let text = std::fs::read_to_string(&w.path).unwrap();
        assert!(!text.contains('\0'), "{title:?}");
    }
}

#[test]
fn two_notes_with_one_title_at_once_get_two_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let writers: Vec<_> = (0..8)
        .map(|i| {
            let dir = dir.clone();
            std::thread::spawn(move || {
                let mut d = draft("Same Title");
                d.body = format!("writer {i}");
                write_new(&dir, &d, MB).unwrap().rel
            })
        })
        .collect();
    let mut rels: Vec<String> = writers.into_iter().map(|w| w.join().unwrap()).collect();
    rels.sort();
    rels.dedup();
    assert_eq!(rels.len(), 8, "{rels:?}");
    assert!(rels.contains(&"kubecon-eu-2023/same-title.md".to_string()));
    // Each file is whole and holds its own writer's text.
    let mut writers_seen: Vec<String> = rels
        .iter()
        .map(|r| {
            let t = std::fs::read_to_string(dir.join(r)).unwrap();
            t.lines().last().unwrap().to_string()
        })
        .collect();
    writers_seen.sort();
    writers_seen.dedup();
    assert_eq!(writers_seen.len(), 8);
}

#[test]
fn too_large_or_not_text_is_refused_and_nothing_written() {
    let tmp = tempfile::tempdir().unwrap();
    let mut big = draft("Big");
    big.body = "x".repeat(2 * MB);
    let e = write_new(tmp.path(), &big, MB).unwrap_err();
    assert!(format!("{e:#}").contains("at most 1024 KB"), "{e:#}");
    let mut nul = draft("Nul");
    nul.body = "a\0b".to_string();
    let e = write_new(tmp.path(), &nul, MB).unwrap_err();
    assert!(format!("{e:#}").contains("not text"), "{e:#}");
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
}

#[test]
fn a_paragraph_is_appended_with_its_date_and_author() {
    let tmp = tempfile::tempdir().unwrap();
    let w = write_new(tmp.path(), &draft("Looms"), MB).unwrap();
    let before = std::fs::read_to_string(&w.path).unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 8).unwrap();
    append(tmp.path(), &w.rel, "bob", day, "Slides are up.", MB).unwrap();
    let after = std::fs::read_to_string(&w.path).unwrap();
    assert_eq!(
        after,
        format!("{before}\n**2026-12-08 · bob**\n\nSlides are up.\n")
    );
    assert!(append(tmp.path(), "../outside.md", "bob", day, "x", MB).is_err());
    assert_eq!(render(&draft("Looms")).unwrap(), before);
}

#[test]
fn a_note_without_speakers_and_with_its_own_headings_is_still_one_talk() {
    let tmp = tempfile::tempdir().unwrap();
    let mut d = draft("Quiet Talk");
    d.speakers = String::new();
    d.conference = Some("KCD Amsterdam".to_string());
    d.body = "## Takeaways\n\nSmall things.\n\n## Links\n\nhttps://example.org/slides".to_string();
    let w = write_new(tmp.path(), &d, 1024 * 1024).unwrap();
    assert_eq!(w.rel, "kcd-amsterdam/quiet-talk.md");
    let note = read_bytes(&w.rel, &std::fs::read(&w.path).unwrap())
        .note
        .unwrap();
    let talks: Vec<_> = note
        .chunks
        .iter()
        .filter(|c| c.meta.kind.is_session())
        .collect();
    assert_eq!(talks.len(), 1, "{:?}", note.chunks);
    assert_eq!(talks[0].meta.title, "Quiet Talk");
    assert_eq!(talks[0].meta.year, Some(2026), "the year it was written");
    assert!(talks[0]
        .links
        .iter()
        .any(|l| l.url == "https://example.org/slides"));
}
