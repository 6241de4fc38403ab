//! Team rules that say how to find the talks in some files (`[[notes.rules]]`
//! in the config): a glob over paths relative to the notes directory and a
//! [`TalkLevel`]. A file's own `confnotes_talks` front matter wins over them.

use super::outline::TalkLevel;

#[derive(Debug, Clone, PartialEq)]
pub struct TalkRule {
    pub glob: String,
    pub level: TalkLevel,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TalkRules(pub Vec<TalkRule>);

impl TalkRules {
    /// The level the first matching rule gives `rel`, or `Auto`.
    pub fn for_file(&self, rel: &str) -> TalkLevel {
        self.0
            .iter()
            .find(|r| glob_match(&r.glob, rel))
            .map_or(TalkLevel::Auto, |r| r.level)
    }

    /// Changes when the rules do, so the index re-reads every note.
    pub fn fingerprint(&self) -> String {
        self.0
            .iter()
            .map(|r| format!("{}={:?}", r.glob, r.level))
            .collect::<Vec<_>>()
            .join(";")
    }
}

/// `*` matches within one path segment, `**` across segments, `?` one
/// character; everything else matches itself.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = path.chars().collect();
    // Dynamic programming over (pattern index, path index): linear in
    // pattern × path, no exponential backtracking on many stars.
    let mut reach = vec![vec![false; s.len() + 1]; p.len() + 1];
    reach[0][0] = true;
    let mut i = 0;
    while i < p.len() {
        let double = p[i] == '*' && p.get(i + 1) == Some(&'*');
        let step = if double { 2 } else { 1 };
        for j in 0..=s.len() {
            if !reach[i][j] {
                continue;
            }
            match p[i] {
                '*' => {
                    // Zero or more characters, not crossing `/` unless `**`.
                    let mut k = j;
                    loop {
                        reach[i + step][k] = true;
                        if k == s.len() || (!double && s[k] == '/') {
                            break;
                        }
                        k += 1;
                    }
                    // `**/` also matches no directory at all.
                    if double && p.get(i + 2) == Some(&'/') {
                        reach[i + 3][j] = true;
                    }
                }
                '?' if j < s.len() && s[j] != '/' => reach[i + 1][j + 1] = true,
                c if j < s.len() && s[j] == c => reach[i + 1][j + 1] = true,
                _ => {}
            }
        }
        i += step;
    }
    reach[p.len()][s.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*.md", "a.md"));
        assert!(!glob_match("*.md", "dir/a.md"));
        assert!(glob_match("reinvent-2015/*.md", "reinvent-2015/keynote.md"));
        assert!(glob_match("**/*.md", "a/b/c.md"));
        assert!(glob_match("**/*.md", "c.md"));
        assert!(glob_match("kubecon-?u-*.txt", "kubecon-eu-2023.txt"));
        assert!(!glob_match("kubecon-*.txt", "kubecon-eu-2023.md"));
        assert!(glob_match(&"*".repeat(40), "short"));
    }

    #[test]
    fn the_first_matching_rule_wins() {
        let rules = TalkRules(vec![
            TalkRule {
                glob: "talks/*.md".into(),
                level: TalkLevel::File,
            },
            TalkRule {
                glob: "**".into(),
                level: TalkLevel::Level(3),
            },
        ]);
        assert_eq!(rules.for_file("talks/a.md"), TalkLevel::File);
        assert_eq!(rules.for_file("other.md"), TalkLevel::Level(3));
        assert_eq!(TalkRules::default().for_file("x.md"), TalkLevel::Auto);
    }
}
