//! Object identifiers: 25 lowercase base-36 characters, as swarmkit's `identity.NewID`.
//!
//! The generator is a parameter of the core, so tests get deterministic ids.

/// Something that hands out fresh ids.
pub trait IdSource {
    fn next_id(&mut self) -> String;
}

/// Turns 128 random bits into a swarmkit-style id (base 36, left-padded to 25 chars).
pub fn id_from_bits(bits: u128) -> String {
    const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut n = bits;
    let mut out = Vec::with_capacity(25);
    while n > 0 {
        out.push(ALPHABET[(n % 36) as usize]);
        n /= 36;
    }
    while out.len() < 25 {
        out.push(b'0');
    }
    out.truncate(25);
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Deterministic ids for tests: `id000…1`, `id000…2`, …
#[derive(Debug, Default)]
pub struct SequentialIds(pub u64);

impl IdSource for SequentialIds {
    fn next_id(&mut self) -> String {
        self.0 += 1;
        format!("id{:023}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_25_base36_chars() {
        for bits in [0u128, 1, u128::MAX, 12345678901234567890] {
            let id = id_from_bits(bits);
            assert_eq!(id.len(), 25, "{id}");
            assert!(id
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()));
        }
    }
}
