//! Buttons' state, kept in their custom_id.
//!
//! A button's whole state lives in its custom_id (`cn1|...`), so buttons
//! keep working after a restart: no session store is needed. Queries longer
//! than the id allows are cut; the page still shows what was searched.

use super::reply;
use crate::index::Filters;
use crate::notes::Kind;

/// The state of an `/ask` answer.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct AskState {
    pub offset: usize,
    pub hidden: bool,
    pub conference: String,
    pub query: String,
}

/// The state of a `/search` list.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct SearchState {
    pub page: usize,
    pub conference: String,
    pub year: Option<i32>,
    pub speaker: String,
    pub kind: Option<Kind>,
    pub query: String,
}

impl SearchState {
    pub(super) fn filters(&self) -> Filters {
        Filters {
            conference: non_empty(&self.conference),
            year: self.year,
            speaker: non_empty(&self.speaker),
            kind: self.kind,
        }
    }

    pub(super) fn id(&self, page: usize) -> String {
        let kind = self.kind.map_or("", |k| k.as_str());
        let year = self.year.map(|y| y.to_string()).unwrap_or_default();
        reply::custom_id(&format!(
            "cn1|srch|{page}|{}|{year}|{}|{kind}|{}",
            clean(&self.conference),
            clean(&self.speaker),
            self.query
        ))
    }
}

pub(super) fn non_empty(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.trim().to_string())
}

/// Field separators cannot appear inside fields.
fn clean(s: &str) -> String {
    s.replace('|', " ").chars().take(30).collect()
}

impl AskState {
    pub(super) fn id(&self, action: &str, offset: usize) -> String {
        reply::custom_id(&format!(
            "cn1|{action}|{offset}|{}|{}|{}",
            u8::from(self.hidden),
            clean(&self.conference),
            self.query
        ))
    }
}

/// The state of a `/schedule programme` list: the schedule by its key.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct ProgrammeState {
    pub page: usize,
    pub conference: String,
    pub day: String,
    pub track: String,
    pub query: String,
}

impl ProgrammeState {
    pub(super) fn id(&self, page: usize) -> String {
        reply::custom_id(&format!(
            "cn1|prog|{page}|{}|{}|{}|{}",
            clean(&self.conference),
            clean(&self.day),
            clean(&self.track),
            self.query
        ))
    }
}

/// A parsed custom_id.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Action {
    More(AskState),
    Show(AskState),
    Search(SearchState),
    Programme(ProgrammeState),
    /// More results for a Q&A question, by the id of the question's message.
    QaMore {
        message: u64,
        offset: usize,
    },
    /// "Not helpful" on the answer to a Q&A question.
    NotHelpful {
        message: u64,
    },
}

pub(super) fn qa_more_id(message: u64, offset: usize) -> String {
    format!("cn1|qa|{offset}|{message}")
}

pub(super) fn not_helpful_id(message: u64) -> String {
    format!("cn1|nh|{message}")
}

pub(super) fn parse_id(id: &str) -> Option<Action> {
    let mut it = id.splitn(2, '|');
    if it.next()? != "cn1" {
        return None;
    }
    let rest = it.next()?;
    let (action, rest) = rest.split_once('|')?;
    match action {
        "ask" | "show" => {
            let p: Vec<&str> = rest.splitn(4, '|').collect();
            let [offset, hidden, conference, query] = p.as_slice() else {
                return None;
            };
            let state = AskState {
                offset: offset.parse().ok()?,
                hidden: *hidden == "1",
                conference: conference.to_string(),
                query: query.to_string(),
            };
            Some(if action == "ask" {
                Action::More(state)
            } else {
                Action::Show(state)
            })
        }
        "srch" => {
            let p: Vec<&str> = rest.splitn(6, '|').collect();
            let [page, conference, year, speaker, kind, query] = p.as_slice() else {
                return None;
            };
            Some(Action::Search(SearchState {
                page: page.parse().ok()?,
                conference: conference.to_string(),
                year: year.parse().ok(),
                speaker: speaker.to_string(),
                kind: kind.parse().ok(),
                query: query.to_string(),
            }))
        }
        "prog" => {
            let p: Vec<&str> = rest.splitn(5, '|').collect();
            let [page, conference, day, track, query] = p.as_slice() else {
                return None;
            };
            Some(Action::Programme(ProgrammeState {
                page: page.parse().ok()?,
                conference: conference.to_string(),
                day: day.to_string(),
                track: track.to_string(),
                query: query.to_string(),
            }))
        }
        "qa" => {
            let (offset, message) = rest.split_once('|')?;
            Some(Action::QaMore {
                message: message.parse().ok()?,
                offset: offset.parse().ok()?,
            })
        }
        "nh" => Some(Action::NotHelpful {
            message: rest.parse().ok()?,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_fit() {
        let s = SearchState {
            page: 2,
            conference: "kubecon".into(),
            year: Some(2023),
            speaker: String::new(),
            kind: Some(Kind::Talk),
            query: "gitops | argo".into(),
        };
        assert_eq!(parse_id(&s.id(2)), Some(Action::Search(s.clone())));
        let a = AskState {
            offset: 3,
            hidden: true,
            conference: String::new(),
            query: "x".repeat(300),
        };
        let id = a.id("ask", 3);
        assert_eq!(id.chars().count(), 100);
        assert!(matches!(parse_id(&id), Some(Action::More(st)) if st.offset == 3 && st.hidden));
        assert_eq!(parse_id("other|thing"), None);
        assert_eq!(
            parse_id(&qa_more_id(123, 6)),
            Some(Action::QaMore {
                message: 123,
                offset: 6
            })
        );
        let p = ProgrammeState {
            page: 1,
            conference: "0123abcd".into(),
            day: "Wed 19 Apr".into(),
            track: "Security, Identity + Policy".into(),
            query: "ebpf | ".repeat(30),
        };
        let id = p.id(1);
        assert!(id.chars().count() <= 100);
        assert!(matches!(parse_id(&id), Some(Action::Programme(st))
            if st.page == 1 && st.day == p.day && st.track == p.track && st.conference == p.conference));
        assert_eq!(
            parse_id(&not_helpful_id(9)),
            Some(Action::NotHelpful { message: 9 })
        );
    }
}
