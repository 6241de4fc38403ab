fn main() {
    let p = std::env::args().nth(1).unwrap();
    let t = std::fs::read_to_string(p).unwrap().replace('\r', "\n");
    let blocks = confnotes::notes::markdown::parse(&t, 1);
    for w in [
        "John Aspinall",
        "Milton Mamani Torres",
        "Richard Uttner, Projector Software",
    ] {
        println!("{w}: {:?}", confnotes::notes::byline::byline(w));
    }
    let o = confnotes::notes::outline::decide(
        &blocks,
        None,
        confnotes::notes::outline::TalkLevel::Auto,
    );
    for n in &o.nodes {
        println!(
            "{} {:?} {:?} {:?}",
            n.text,
            n.role,
            n.byline.as_ref().map(|b| &b.speakers),
            n.evidence
        );
    }
}
