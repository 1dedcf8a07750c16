//! Which Redis (or Valkey) release's rules apply to a server, and why sesslint thinks so.

/// The Redis release whose rules apply, and how sesslint decided it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RedisVersion {
    pub major: u8,
    pub minor: u8,
    /// Valkey (same rules as Redis 7.2 for what sesslint checks).
    pub valkey: bool,
    /// Why this version: `sesslint.toml redis-version`, a directive, a distribution.
    pub why: String,
    /// No direct evidence (a distribution default or nothing at all).
    pub assumed: bool,
}

impl RedisVersion {
    /// Since 7.0 protected mode depends only on the default user having `nopass`; before,
    /// any `bind` line switched it off (redis@6.2.0:src/networking.c:968-971, removed by
    /// commit 07b0d144c).
    pub fn protected_mode_ignores_bind(&self) -> bool {
        self.valkey || self.major >= 7
    }

    /// `Redis 7.0`, `Valkey 8.0`.
    pub fn name(&self) -> String {
        format!("{} {}.{}", if self.valkey { "Valkey" } else { "Redis" }, self.major, self.minor)
    }

    /// Parse `7.0`, `6.2.14`, `valkey 8.0` (sesslint.toml `redis-version`).
    pub fn parse(text: &str, why: &str) -> Option<RedisVersion> {
        let t = text.trim().to_ascii_lowercase();
        let (valkey, nums) = match t.strip_prefix("valkey") {
            Some(rest) => (true, rest.trim_start_matches([' ', '-'])),
            None => (false, t.strip_prefix("redis").map_or(t.as_str(), |r| r.trim_start_matches([' ', '-']))),
        };
        let mut parts = nums.split('.');
        let major: u8 = parts.next()?.parse().ok()?;
        let minor: u8 = parts.next().map_or(Some(0), |m| m.parse().ok())?;
        if parts.clone().any(|p| p.parse::<u32>().is_err()) || !(2..=99).contains(&major) {
            return None;
        }
        Some(RedisVersion { major, minor, valkey, why: why.to_owned(), assumed: false })
    }
}
