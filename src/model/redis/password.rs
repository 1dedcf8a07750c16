//! How strong a Redis password is, judged once while the server is built so that the text
//! is never kept: its length in characters, and whether it is a published example.

/// What is known about one password the server accepts (never its text).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PasswordStrength {
    /// Length in characters; `None` for a `#hash` rule (only the digest is written).
    pub chars: Option<usize>,
    /// A password printed in documentation or sample configs (`foobared`, ...).
    pub known_example: bool,
}

/// Shorter than this is weak: Redis does not rate-limit AUTH, and redis.conf advises a long
/// password ("use a very strong password", redis@7.0.15:redis.conf, ACL section; `ACL GENPASS`
/// gives 64 hex characters by default).
pub const MIN_CHARS: usize = 32;

/// Passwords from Redis's own sample config, vendor docs and tutorials, compared in
/// lower case. Sources: redis.conf (`foobared`), Magento and DigitalOcean guides
/// (`yourverycomplexpasswordhere`), docker-library defaults.
const KNOWN_EXAMPLES: &[&str] = &[
    "foobared",
    "yourverycomplexpasswordhere",
    "your_redis_password",
    "yourpassword",
    "your-password",
    "redispassword",
    "redis",
    "password",
    "changeme",
    "secret",
    "mypassword",
    "sOmE_sEcUrE_pAsS",
];

impl PasswordStrength {
    /// Judge a `>password` (bytes as redis-server keeps them).
    pub fn of_password(pw: &[u8]) -> PasswordStrength {
        let text = String::from_utf8_lossy(pw);
        let lower = text.to_lowercase();
        PasswordStrength {
            chars: Some(text.chars().count()),
            known_example: KNOWN_EXAMPLES.iter().any(|k| k.to_lowercase() == lower),
        }
    }

    /// Judge a `#<sha256 hex>` rule: only a known example's digest can be recognised.
    pub fn of_digest(hex: &str) -> PasswordStrength {
        // The examples' digests, computed once per process rather than once per rule.
        static DIGESTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        let digests =
            DIGESTS.get_or_init(|| KNOWN_EXAMPLES.iter().map(|k| crate::sha256::hex_digest(k.as_bytes())).collect());
        let known = digests.iter().any(|d| d.eq_ignore_ascii_case(hex));
        PasswordStrength { chars: None, known_example: known }
    }

    /// Weak: a known example, or shorter than [`MIN_CHARS`].
    pub fn is_weak(&self) -> bool {
        self.known_example || self.chars.is_some_and(|c| c < MIN_CHARS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_and_length() {
        assert!(PasswordStrength::of_password(b"foobared").known_example);
        assert!(PasswordStrength::of_password(b"FooBared").known_example);
        assert!(PasswordStrength::of_password(b"short").is_weak());
        assert!(!PasswordStrength::of_password(&[b'x'; 32]).is_weak());
        let foobared = crate::sha256::hex_digest(b"foobared");
        assert!(PasswordStrength::of_digest(&foobared).known_example);
        assert!(!PasswordStrength::of_digest(&crate::sha256::hex_digest(&[b'q'; 40])).is_weak());
    }
}
