//! Nix's base-32 encoding: the alphabet without `e o u t`, digits read from the end.
//!
//! Nix prints the *last* 5-bit group first, so an encoding is not the familiar RFC 4648 one;
//! [`encode`] and [`decode`] are exact inverses for any byte length, and [`decode`] rejects
//! strings whose top digit carries bits beyond the byte length.

/// The 32 characters, in digit order.
pub const ALPHABET: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";

/// The length of the encoding of `bytes` bytes.
pub const fn encoded_len(bytes: usize) -> usize {
    if bytes == 0 {
        0
    } else {
        (bytes * 8 - 1) / 5 + 1
    }
}

/// The digit value of a character, or `None` outside the alphabet.
pub const fn digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'd' => Some(c - b'a' + 10),
        b'f'..=b'n' => Some(c - b'f' + 14),
        b'p'..=b's' => Some(c - b'p' + 23),
        b'v'..=b'z' => Some(c - b'v' + 27),
        _ => None,
    }
}

/// Whether `c` is a character of the alphabet.
pub const fn is_digit(c: u8) -> bool {
    digit(c).is_some()
}

/// Encodes bytes the way Nix prints hashes and store-path hash parts.
pub fn encode(bytes: &[u8]) -> String {
    let len = encoded_len(bytes.len());
    let mut out = String::with_capacity(len);
    for n in (0..len).rev() {
        let b = n * 5;
        let i = b / 8;
        let j = b % 8;
        let low = u16::from(bytes[i]) >> j;
        let high = if i + 1 < bytes.len() {
            u16::from(bytes[i + 1]) << (8 - j)
        } else {
            0
        };
        out.push(char::from(ALPHABET[usize::from((low | high) & 0x1f)]));
    }
    out
}

/// Decodes a Nix base-32 string into `bytes` bytes; `None` if it is not one.
pub fn decode(text: &[u8], bytes: usize) -> Option<Vec<u8>> {
    if text.len() != encoded_len(bytes) {
        return None;
    }
    let mut out = vec![0u8; bytes];
    for (n, &c) in text.iter().rev().enumerate() {
        let d = digit(c)?;
        let b = n * 5;
        let i = b / 8;
        let j = b % 8;
        out[i] |= d << j;
        let carry = u16::from(d) >> (8 - j);
        if i + 1 < bytes {
            out[i + 1] |= carry as u8;
        } else if carry != 0 {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alphabet_digits_round_trip() {
        for (i, &c) in ALPHABET.iter().enumerate() {
            assert_eq!(digit(c), Some(i as u8));
        }
        for c in [b'e', b'o', b'u', b't', b'A', b'-'] {
            assert_eq!(digit(c), None);
        }
    }

    #[test]
    fn sha256_of_empty_string_matches_nix() {
        use sha2::Digest;
        let h = sha2::Sha256::digest(b"");
        // `nix-hash --type sha256 --to-base32 e3b0c4...b855`
        assert_eq!(
            encode(&h),
            "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73"
        );
        assert_eq!(decode(encode(&h).as_bytes(), 32).as_deref(), Some(&h[..]));
    }

    #[test]
    fn decode_rejects_overflowing_top_digit() {
        // 20 bytes = 160 bits = exactly 32 digits, no spare bits: anything decodes.
        assert!(decode(&[b'z'; 32], 20).is_some());
        // 32 bytes = 256 bits in 52 digits: the top digit has only 1 valid bit.
        let mut s = vec![b'0'; 52];
        s[0] = b'2';
        assert!(decode(&s, 32).is_none());
    }

    proptest::proptest! {
        #[test]
        fn round_trips(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..70)) {
            let s = encode(&bytes);
            proptest::prop_assert_eq!(decode(s.as_bytes(), bytes.len()), Some(bytes));
        }
    }
}
