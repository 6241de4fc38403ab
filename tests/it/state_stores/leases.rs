//! Leases: one process among several holds a job at a time.

use super::check;
use chrono::Utc;
use std::thread::sleep;
use std::time::Duration;

const MS: fn(u64) -> Duration = Duration::from_millis;

#[test]
fn a_lease_is_held_by_one_owner_until_released_or_expired() {
    check("leases", |b| {
        let (a, c) = (b.open(), b.open());
        assert!(a.leases().unwrap().is_empty());
        let before = Utc::now();
        assert!(a.hold_lease("digests", "A", MS(300)).unwrap());
        // Another owner is refused, from any process; other names are free.
        assert!(!c.hold_lease("digests", "B", MS(300)).unwrap());
        assert!(!a.hold_lease("digests", "B", MS(60_000)).unwrap());
        assert!(c.hold_lease("reindex", "B", MS(300)).unwrap());
        let held = c.leases().unwrap();
        let names: Vec<(&str, &str)> = held
            .iter()
            .map(|l| (l.name.as_str(), l.owner.as_str()))
            .collect();
        assert_eq!(names, [("digests", "A"), ("reindex", "B")]);
        let until = held[0].expires_at - before;
        assert!(
            until > chrono::Duration::milliseconds(250) && until < chrono::Duration::seconds(2),
            "expires in {until}"
        );
        // The holder renews it (for longer): still refused to others once
        // the first term has run out.
        assert!(a.hold_lease("digests", "A", MS(5_000)).unwrap());
        sleep(MS(400));
        assert!(!c.hold_lease("digests", "B", MS(300)).unwrap());
        // Expired: no longer listed, and taken by someone else.
        assert_eq!(a.leases().unwrap().len(), 1, "reindex has expired");
        assert!(a.hold_lease("reindex", "C", MS(300)).unwrap());
        // Released by someone who does not hold it: nothing happens.
        c.release_lease("digests", "B").unwrap();
        assert!(!c.hold_lease("digests", "B", MS(300)).unwrap());
        // Released by its holder: taken at once.
        a.release_lease("digests", "A").unwrap();
        assert!(c.hold_lease("digests", "B", MS(300)).unwrap());
        assert!(!a.hold_lease("digests", "A", MS(300)).unwrap());
        a.release_lease("nothing", "A").unwrap();
        sleep(MS(400));
        assert!(a.leases().unwrap().is_empty());
        assert!(a.hold_lease("digests", "A", MS(300)).unwrap());
        // The snapshot shows the live leases.
        let snap = c.snapshot().unwrap();
        assert_eq!(snap.leases.len(), 1);
        assert_eq!(snap.leases[0].owner, "A");
    });
}
