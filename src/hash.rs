//! Hashes that notice change: of notes, chunks and sessions. A leaf: it
//! depends on nothing in the crate.

/// A 128-bit fingerprint of content, to notice that a note or a chunk
/// changed. Eight bytes a step in two independent lanes, about ten times
/// faster than FNV-1a; not for adversaries, only for change detection.
pub fn fingerprint(bytes: &[u8]) -> String {
    const K1: u64 = 0x9e37_79b9_7f4a_7c15;
    const K2: u64 = 0xc2b2_ae3d_27d4_eb4f;
    fn fmix(mut h: u64) -> u64 {
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
    let len = bytes.len() as u64;
    let (mut a, mut b) = (len ^ K2, len.rotate_left(32) ^ K1);
    let mut words = bytes.chunks_exact(16);
    for w in &mut words {
        let (x, y) = w.split_at(8);
        let x = u64::from_le_bytes(x.try_into().expect("8 bytes"));
        let y = u64::from_le_bytes(y.try_into().expect("8 bytes"));
        a = (a ^ x).wrapping_mul(K1).rotate_left(31);
        b = (b ^ y).wrapping_mul(K2).rotate_left(29);
    }
    let mut tail = [0u8; 16];
    tail[..words.remainder().len()].copy_from_slice(words.remainder());
    let x = u64::from_le_bytes(tail[..8].try_into().expect("8 bytes"));
    let y = u64::from_le_bytes(tail[8..].try_into().expect("8 bytes"));
    a = fmix((a ^ x).wrapping_mul(K1) ^ b);
    b = fmix((b ^ y).wrapping_mul(K2) ^ a);
    format!("{a:016x}{b:016x}")
}

/// FNV-1a, 64 bits: the session hashes kept in the state store (stable
/// across versions, so upgrading does not mark every session changed).
pub fn content_hash(bytes: &[u8]) -> String {
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
}
