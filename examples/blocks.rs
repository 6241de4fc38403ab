fn main() {
    let t = "Nicolas Grenié set the tone on day one.";
    for re in [
        r"^((?:\p{Lu}[\p{L}'’.-]+\s+){1,3}\p{Lu}[\p{L}'’-]+)",
        r"^((?:\p{Lu}[\p{L}'’.-]+\s+){1,3}\p{Lu}[\p{L}'’-]+)\s+(?:set|gave)",
        r"^((?:\p{Lu}[\p{L}'’.-]+\s+){1,3}\p{Lu}[\p{L}'’-]+(?:\s+(?:and|&)\s+(?:\p{Lu}[\p{L}'’.-]+\s+){1,3}\p{Lu}[\p{L}'’-]+)?)(?:,[^,]{3,80},)?\s+(?:set|gave)",
    ] {
        println!(
            "{re}: {:?}",
            regex::Regex::new(re)
                .unwrap()
                .captures(t)
                .map(|c| c[1].to_string())
        );
    }
}
