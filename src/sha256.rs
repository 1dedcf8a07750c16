//! The SHA-256 of ACL passwords: redis-server keeps `>password` as the hex SHA-256 that
//! `#hash` names (acl.c `ACLHashPassword`), so only the same digest tells which `<pw`/`!hash`
//! removes which password. The digest itself is the `sha2` crate's.

use sha2::{Digest, Sha256};

/// The digest of `data` as 64 lowercase hex digits (the form ACL `#hash` rules take).
pub fn hex_digest(data: &[u8]) -> String {
    // Two digits a byte from a table: `write!("{b:02x}")` cost twice the digest itself.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(data);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 0xf)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_digests() {
        // FIPS 180-4 examples, and a two-block message.
        assert_eq!(super::hex_digest(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(super::hex_digest(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(
            super::hex_digest(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
    }
}
