//! ChaCha20 (RFC 8439) as a keystream generator: the deterministic random numbers of
//! `random seed N` ([`crate::RandomSeed`]). The adapter reads the streams; the compiler only
//! derives their keys.
//!
//! A stream is the block function's output for the all-zero 96-bit nonce and block counters 0,
//! 1, 2, … concatenated. The 32-bit counter wraps after 2^32 blocks (256 GiB of output), so the
//! stream then repeats from its start; no component reads that much.

/// The constants of the state's first row: "expand 32-byte k".
const SIGMA: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

/// The bytes of one block.
const BLOCK: usize = 64;

/// The 16 words of the initial state for `key`, `counter` and `nonce` (RFC 8439 §2.3).
fn state(key: &[u32; 8], counter: u32, nonce: &[u32; 3]) -> [u32; 16] {
    let mut s = [0u32; 16];
    s[..4].copy_from_slice(&SIGMA);
    s[4..12].copy_from_slice(key);
    s[12] = counter;
    s[13..].copy_from_slice(nonce);
    s
}

/// Little-endian words from bytes (the length of `bytes` is `4 * N`).
fn words<const N: usize>(bytes: &[u8]) -> [u32; N] {
    let mut out = [0u32; N];
    for (w, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
        *w = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    }
    out
}

/// The quarter rounds of a double round (RFC 8439 §2.2): the four columns, then the four
/// diagonals, each as the indices `a, b, c, d` of the state words it mixes.
const DOUBLE_ROUND: [[usize; 4]; 8] = [
    [0, 4, 8, 12],
    [1, 5, 9, 13],
    [2, 6, 10, 14],
    [3, 7, 11, 15],
    [0, 5, 10, 15],
    [1, 6, 11, 12],
    [2, 7, 8, 13],
    [3, 4, 9, 14],
];

/// RFC 8439 §2.1, on the state words at `a, b, c, d` (taken modulo 16).
fn quarter_round(s: &mut [u32; 16], [a, b, c, d]: [usize; 4]) {
    let (a, b, c, d) = (a % 16, b % 16, c % 16, d % 16);
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(16);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(12);
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(8);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(7);
}

/// The block function on an initial state (RFC 8439 §2.3): 20 rounds, the initial state added,
/// serialized little-endian.
fn block_of(initial: &[u32; 16]) -> [u8; BLOCK] {
    let mut s = *initial;
    for _ in 0..10 {
        for round in DOUBLE_ROUND {
            quarter_round(&mut s, round);
        }
    }
    let mut out = [0u8; BLOCK];
    for ((chunk, word), init) in out.chunks_exact_mut(4).zip(s).zip(initial) {
        chunk.copy_from_slice(&word.wrapping_add(*init).to_le_bytes());
    }
    out
}

/// The ChaCha20 block function (RFC 8439 §2.3): the 64 keystream bytes of block `counter` under
/// `key` and `nonce`.
pub fn block(key: &[u8; 32], counter: u32, nonce: &[u8; 12]) -> [u8; BLOCK] {
    block_of(&state(&words(key), counter, &words(nonce)))
}

/// A ChaCha20 keystream (nonce 0, block counter from 0), read in any pieces: reading 3 bytes then
/// 5 gives the same bytes as reading 8.
#[derive(Debug, Clone)]
pub struct ChaCha20 {
    /// The initial state of the next block to generate (its counter word advances).
    state: [u32; 16],
    /// The current block.
    buf: [u8; BLOCK],
    /// How much of `buf` has been read (`BLOCK`: all of it, generate the next).
    pos: usize,
}

impl ChaCha20 {
    /// The stream of `key`.
    pub fn new(key: [u8; 32]) -> Self {
        Self::at(&key, &[0; 12], 0)
    }

    /// The stream of `key` and `nonce` from block `counter` on.
    fn at(key: &[u8; 32], nonce: &[u8; 12], counter: u32) -> Self {
        ChaCha20 {
            state: state(&words(key), counter, &words(nonce)),
            buf: [0; BLOCK],
            pos: BLOCK,
        }
    }

    /// Fills `out` with the next bytes of the stream.
    pub fn fill(&mut self, out: &mut [u8]) {
        let mut out = out;
        while !out.is_empty() {
            if self.pos == BLOCK {
                self.buf = block_of(&self.state);
                // Wraps after 2^32 blocks (see the module's documentation).
                self.state[12] = self.state[12].wrapping_add(1);
                self.pos = 0;
            }
            let n = out.len().min(BLOCK - self.pos);
            let (now, rest) = out.split_at_mut(n);
            now.copy_from_slice(&self.buf[self.pos..self.pos + n]);
            self.pos += n;
            out = rest;
        }
    }

    /// The next 8 bytes of the stream as a little-endian `u64`.
    pub fn next_u64(&mut self) -> u64 {
        let mut bytes = [0u8; 8];
        self.fill(&mut bytes);
        u64::from_le_bytes(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    fn hex(text: &str) -> Vec<u8> {
        let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
        digits
            .chunks(2)
            .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
            .collect()
    }

    fn test_key() -> [u8; 32] {
        core::array::from_fn(|i| i as u8)
    }

    /// RFC 8439 §2.3.2.
    #[test]
    fn block_function_test_vector() {
        let nonce: [u8; 12] = hex("00 00 00 09 00 00 00 4a 00 00 00 00")
            .try_into()
            .unwrap();
        let expected = hex("
            10 f1 e7 e4 d1 3b 59 15 50 0f dd 1f a3 20 71 c4
            c7 d1 f4 c7 33 c0 68 03 04 22 aa 9a c3 d4 6c 4e
            d2 82 64 46 07 9f aa 09 14 c2 d7 05 d9 8b 02 a2
            b5 12 9c d1 de 16 4e b9 cb d0 83 e8 a2 50 3c 4e
        ");
        assert_eq!(block(&test_key(), 1, &nonce).to_vec(), expected);
    }

    /// RFC 8439 §2.4.2: the keystream is the ciphertext XOR the plaintext.
    #[test]
    fn encryption_example_keystream() {
        let nonce: [u8; 12] = hex("00 00 00 00 00 00 00 4a 00 00 00 00")
            .try_into()
            .unwrap();
        let plaintext = b"Ladies and Gentlemen of the class of '99: If I could offer you only \
                          one tip for the future, sunscreen would be it.";
        let ciphertext = hex("
            6e 2e 35 9a 25 68 f9 80 41 ba 07 28 dd 0d 69 81
            e9 7e 7a ec 1d 43 60 c2 0a 27 af cc fd 9f ae 0b
            f9 1b 65 c5 52 47 33 ab 8f 59 3d ab cd 62 b3 57
            16 39 d6 24 e6 51 52 ab 8f 53 0c 35 9f 08 61 d8
            07 ca 0d bf 50 0d 6a 61 56 a3 8e 08 8a 22 b6 5e
            52 bc 51 4d 16 cc f8 06 81 8c e9 1a b7 79 37 36
            5a f9 0b bf 74 a3 5b e6 b4 0b 8e ed f2 78 5e 42
            87 4d
        ");
        assert_eq!(plaintext.len(), 114);
        assert_eq!(ciphertext.len(), 114);
        let expected: Vec<u8> = ciphertext
            .iter()
            .zip(plaintext)
            .map(|(c, p)| c ^ p)
            .collect();

        let mut stream = ChaCha20::at(&test_key(), &nonce, 1);
        let mut keystream = vec![0u8; 114];
        stream.fill(&mut keystream);
        assert_eq!(keystream, expected);

        // The same bytes in odd pieces, across the block boundary at 64.
        let mut stream = ChaCha20::at(&test_key(), &nonce, 1);
        let mut pieces = vec![0u8; 114];
        for range in [0..1, 1..7, 7..63, 63..65, 65..65, 65..114] {
            stream.fill(&mut pieces[range]);
        }
        assert_eq!(pieces, expected);

        // And the block function agrees.
        let mut blocks = block(&test_key(), 1, &nonce).to_vec();
        blocks.extend_from_slice(&block(&test_key(), 2, &nonce));
        assert_eq!(blocks[..114], expected[..]);
    }

    /// The stream of `new` is blocks 0, 1, … under the zero nonce.
    #[test]
    fn new_starts_at_block_zero_with_nonce_zero() {
        let key = [7u8; 32];
        let mut expected = block(&key, 0, &[0; 12]).to_vec();
        expected.extend_from_slice(&block(&key, 1, &[0; 12]));
        let mut stream = ChaCha20::new(key);
        let mut got = vec![0u8; 128];
        stream.fill(&mut got);
        assert_eq!(got, expected);
    }

    /// After block 2^32 - 1 the counter wraps to 0 (documented, never reached in practice).
    #[test]
    fn the_counter_wraps() {
        let key = test_key();
        let mut expected = block(&key, u32::MAX, &[0; 12]).to_vec();
        expected.extend_from_slice(&block(&key, 0, &[0; 12]));
        let mut stream = ChaCha20::at(&key, &[0; 12], u32::MAX);
        let mut got = vec![0u8; 128];
        stream.fill(&mut got);
        assert_eq!(got, expected);
    }

    #[test]
    fn split_reads_equal_one_read() {
        let key = test_key();
        let mut whole = [0u8; 8];
        ChaCha20::new(key).fill(&mut whole);
        let mut split = ChaCha20::new(key);
        let mut first = [0u8; 3];
        let mut second = [0u8; 5];
        split.fill(&mut first);
        split.fill(&mut second);
        assert_eq!([&first[..], &second[..]].concat(), whole);

        // Longer runs, and u64s taken from the same stream as bytes.
        let mut whole = vec![0u8; 300];
        ChaCha20::new(key).fill(&mut whole);
        let mut mixed = ChaCha20::new(key);
        let mut got = Vec::new();
        for n in [3usize, 5, 64, 0, 1, 100] {
            let mut piece = vec![0u8; n];
            mixed.fill(&mut piece);
            got.extend_from_slice(&piece);
        }
        while got.len() + 8 <= whole.len() {
            got.extend_from_slice(&mixed.next_u64().to_le_bytes());
        }
        assert_eq!(got[..], whole[..got.len()]);
    }

    #[test]
    fn next_u64_is_little_endian() {
        let key = test_key();
        let mut bytes = [0u8; 16];
        ChaCha20::new(key).fill(&mut bytes);
        let mut stream = ChaCha20::new(key);
        assert_eq!(
            stream.next_u64(),
            u64::from_le_bytes(bytes[..8].try_into().unwrap())
        );
        assert_eq!(
            stream.next_u64(),
            u64::from_le_bytes(bytes[8..].try_into().unwrap())
        );
    }
}
