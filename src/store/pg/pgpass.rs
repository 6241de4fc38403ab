//! The password for a PostgreSQL connection, found the way libpq finds it
//! when the URL has none: `PGPASSWORD`, then the password file
//! (`PGPASSFILE`, or `~/.pgpass`): lines of
//! `hostname:port:database:username:password`, `*` matching anything, `\`
//! escaping `:` and `\`. The first matching line wins. Like libpq, a file
//! that others can read is ignored, with a warning.

use std::path::Path;

/// What a password is looked up for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Target<'a> {
    pub host: &'a str,
    pub port: u16,
    pub database: &'a str,
    pub user: &'a str,
}

/// The password of the first line of `text` matching `t`.
pub(crate) fn lookup(text: &str, t: &Target<'_>) -> Option<String> {
    let port = t.port.to_string();
    // A Unix socket directory counts as "localhost", as libpq has it.
    let host = if t.host.starts_with('/') {
        "localhost"
    } else {
        t.host
    };
    text.lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .filter_map(fields)
        .find(|f| {
            let want = [host, port.as_str(), t.database, t.user];
            f.iter()
                .zip(want)
                .all(|(field, value)| field == "*" || field == value)
        })
        .map(|f| f[4].clone())
}

/// The five fields of a line, unescaped; `None` for a line with fewer.
fn fields(line: &str) -> Option<[String; 5]> {
    let mut out: Vec<String> = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    out.last_mut()?.push(n);
                }
            }
            // The password is the rest of the line, colons and all.
            ':' if out.len() < 5 => out.push(String::new()),
            c => out.last_mut()?.push(c),
        }
    }
    out.try_into().ok()
}

/// The password for `t` from the file at `path`, if it is there, private,
/// and has a matching line.
pub(crate) fn from_file(path: &Path, t: &Target<'_>) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(
                file = %path.display(),
                "password file ignored: others may read it (chmod 0600 it)"
            );
            return None;
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    let text = std::fs::read_to_string(path).ok()?;
    lookup(&text, t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t<'a>(host: &'a str, db: &'a str, user: &'a str) -> Target<'a> {
        Target {
            host,
            port: 5432,
            database: db,
            user,
        }
    }

    #[test]
    fn the_first_matching_line_wins_with_wildcards_and_escapes() {
        let file = "# comment\n\
                    db.example:5432:confnotes:bot:first\n\
                    *:*:confnotes:bot:sec\\:ret:with:colons\n\
                    *:*:*:*:fallback\n";
        assert_eq!(
            lookup(file, &t("db.example", "confnotes", "bot")).as_deref(),
            Some("first")
        );
        assert_eq!(
            lookup(file, &t("other", "confnotes", "bot")).as_deref(),
            Some("sec:ret:with:colons")
        );
        assert_eq!(
            lookup(file, &t("other", "else", "bot")).as_deref(),
            Some("fallback")
        );
        assert_eq!(lookup("a:1:b:c:d\n", &t("a", "b", "c")), None, "port");
        assert_eq!(lookup("short:line\n", &t("short", "b", "c")), None);
    }

    #[test]
    fn a_socket_directory_is_localhost() {
        assert_eq!(
            lookup(
                "localhost:5432:d:u:pw\n",
                &t("/var/run/postgresql", "d", "u")
            )
            .as_deref(),
            Some("pw")
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_can_read_is_ignored() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgpass");
        std::fs::write(&path, "*:*:*:*:pw\n").unwrap();
        let target = t("h", "d", "u");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(from_file(&path, &target), None);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(from_file(&path, &target).as_deref(), Some("pw"));
    }
}
