//! Hashes that notice change: of notes, chunks and sessions. A leaf: it
//! depends on nothing in the crate.

/// A 128-bit fingerprint of content, to notice that a note or a chunk
/// changed. Eight bytes a step in two independent lanes, about ten times
/// faster than FNV-1a; not for adversaries, only for change detection.
pub(crate) fn fingerprint(bytes: &[u8]) -> String {
    let mut f = Fingerprint::default();
    f.write(bytes);
    f.finish()
}

/// [`fingerprint`] of content given in pieces: the same as of the pieces
/// joined, without joining them.
#[derive(Clone)]
pub(crate) struct Fingerprint {
    a: u64,
    b: u64,
    len: u64,
    /// Bytes not yet folded in: fewer than 16.
    tail: [u8; 16],
    held: usize,
}

const K1: u64 = 0x9e37_79b9_7f4a_7c15;
const K2: u64 = 0xc2b2_ae3d_27d4_eb4f;

impl Default for Fingerprint {
    fn default() -> Self {
        Fingerprint {
            a: K2,
            b: K1,
            len: 0,
            tail: [0; 16],
            held: 0,
        }
    }
}

impl Fingerprint {
    fn step(&mut self, w: &[u8]) {
        let (x, y) = w.split_at(8);
        let x = u64::from_le_bytes(x.try_into().expect("8 bytes"));
        let y = u64::from_le_bytes(y.try_into().expect("8 bytes"));
        self.a = (self.a ^ x).wrapping_mul(K1).rotate_left(31);
        self.b = (self.b ^ y).wrapping_mul(K2).rotate_left(29);
    }

    pub(crate) fn write(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len() as u64;
        if self.held > 0 {
            let take = (16 - self.held).min(bytes.len());
            self.tail[self.held..self.held + take].copy_from_slice(&bytes[..take]);
            self.held += take;
            bytes = &bytes[take..];
            if self.held < 16 {
                return;
            }
            let tail = self.tail;
            self.step(&tail);
            self.held = 0;
        }
        let mut words = bytes.chunks_exact(16);
        for w in &mut words {
            self.step(w);
        }
        let rest = words.remainder();
        self.tail[..rest.len()].copy_from_slice(rest);
        self.held = rest.len();
    }

    pub(crate) fn finish(mut self) -> String {
        fn fmix(mut h: u64) -> u64 {
            h ^= h >> 33;
            h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
            h ^= h >> 33;
            h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
            h ^ (h >> 33)
        }
        self.tail[self.held..].fill(0);
        let x = u64::from_le_bytes(self.tail[..8].try_into().expect("8 bytes"));
        let y = u64::from_le_bytes(self.tail[8..].try_into().expect("8 bytes"));
        // The length last, so zero padding is not the same content.
        let a = fmix((self.a ^ x ^ self.len).wrapping_mul(K1) ^ self.b);
        let b = fmix((self.b ^ y ^ self.len.rotate_left(32)).wrapping_mul(K2) ^ a);
        format!("{a:016x}{b:016x}")
    }
}

/// FNV-1a, 64 bits: the session hashes kept in the state store (stable
/// across versions, so upgrading does not mark every session changed).
pub(crate) fn content_hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_notice_every_small_change() {
        let base: Vec<u8> = (0..100u8).collect();
        let mut seen = std::collections::HashSet::new();
        assert!(seen.insert(fingerprint(&base)));
        for i in 0..base.len() {
            let mut b = base.clone();
            b[i] ^= 1;
            assert!(seen.insert(fingerprint(&b)), "flip at {i}");
        }
        for n in 0..base.len() {
            assert!(seen.insert(fingerprint(&base[..n])), "prefix {n}");
        }
        // Zero padding is not the same content.
        assert_ne!(fingerprint(b"ab"), fingerprint(b"ab\0"));
        assert_eq!(fingerprint(&base), fingerprint(&base.clone()));
    }

    #[test]
    fn a_fingerprint_in_pieces_is_the_fingerprint_of_the_whole() {
        let base: Vec<u8> = (0..100u8).collect();
        for cuts in [vec![0], vec![1, 2], vec![15, 16, 17], vec![7, 40, 41, 99]] {
            let mut f = Fingerprint::default();
            let mut from = 0;
            for &c in &cuts {
                f.write(&base[from..c]);
                from = c;
            }
            f.write(&base[from..]);
            assert_eq!(f.finish(), fingerprint(&base), "cut at {cuts:?}");
        }
    }
}
