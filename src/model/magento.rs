//! Magento 2 installs: where `app/etc/env.php` sends sessions (`session.save`,
//! `session.redis`) and caches (`cache.frontend.*`), every value located in the file.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::endpoint::{Auth, RedisTarget};
use super::{FileId, Location};
use crate::php_value::{ArrayKey, PhpValue};
use crate::syntax::env_php::{ArrayId, EnvPhp, ExprKind};

/// One scalar from env.php: its value (if statically known) and where it stands.
#[derive(Clone, Debug, serde::Serialize)]
pub struct MagentoValue {
    /// `None` when the value is not statically known (`getenv()`, `$_ENV`, ...).
    pub value: Option<String>,
    /// The whole `'key' => value` entry.
    pub entry_at: Location,
    /// The value expression.
    pub value_at: Location,
}

/// A `'key' => [...]` block: its scalars by key, and where its array and entries stand so
/// that a rewrite can change a value, add an entry before the closing bracket, or drop one.
#[derive(Clone, Debug, serde::Serialize)]
pub struct MagentoBlock {
    /// The block's key (`'redis'`).
    pub at: Location,
    pub values: BTreeMap<String, MagentoValue>,
    /// The whole array, `[` (or `array(`) to its closing bracket.
    pub array_at: Location,
    /// The closing `]` or `)`; `None` when the file ends inside the array.
    pub close_at: Option<Location>,
    /// Every entry in file order, scalars or not.
    pub entries: Vec<BlockEntry>,
}

/// One `key => value` of a block as written.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct BlockEntry {
    /// From the key (or the value of a list entry) to the end of the value.
    pub at: Location,
    /// The comma after it, if any.
    pub comma: Option<Location>,
}

impl MagentoBlock {
    pub fn str(&self, key: &str) -> Option<&str> {
        self.values.get(key).and_then(|v| v.value.as_deref())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CacheBackend {
    /// `Cm_Cache_Backend_Redis`, `Magento\Framework\Cache\Backend\Redis`, `redis`, `valkey`.
    Redis,
    /// `RemoteSynchronizedCache` (L2) with a Redis remote backend.
    L2Redis,
    /// Files, database or anything else.
    Other,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct MagentoCache {
    /// The frontend name: `default`, `page_cache`, ...
    pub name: String,
    pub backend: CacheBackend,
    pub backend_name: String,
    pub at: Location,
    /// The Redis options (`backend_options`, or `remote_backend_options` for L2).
    pub options: Option<MagentoBlock>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct MagentoInstall {
    pub file: FileId,
    /// The directory holding `app/etc/env.php`.
    pub root: PathBuf,
    /// `session.save`; absent means php.ini decides.
    pub session_save: Option<MagentoValue>,
    /// `session.redis` (or `session.valkey` for `save = valkey`).
    pub session_redis: Option<MagentoBlock>,
    pub caches: Vec<MagentoCache>,
}

impl MagentoInstall {
    pub fn session_handler(&self) -> Option<&str> {
        self.session_save.as_ref().and_then(|v| v.value.as_deref())
    }

    pub fn sessions_in_redis(&self) -> bool {
        matches!(self.session_handler(), Some("redis" | "valkey"))
    }

    /// Where Magento's session handler connects (Credis: `host` may be `tcp://h`, a
    /// unix path, or `tls://h`; defaults 127.0.0.1:6379 db 0).
    pub fn session_target(&self) -> Option<RedisTarget> {
        if !self.sessions_in_redis() {
            return None;
        }
        let block = self.session_redis.as_ref();
        let get = |k: &str| block.and_then(|b| b.str(k)).filter(|v| !v.is_empty());
        let mut t = credis_target(get("host").unwrap_or("127.0.0.1"), get("port"));
        t.database = Some(get("database").and_then(|d| d.trim().parse().ok()).unwrap_or(0));
        t.auth = get("password").map(|_| Auth { user: None, password: true });
        t.timeout = get("timeout").map(str::to_owned);
        t.retries = Some(get("retries").and_then(|r| r.trim().parse().ok()).unwrap_or(0));
        t.persistent = get("persistent_identifier").is_some();
        Some(t)
    }

    /// Where a Redis cache frontend connects (Cm_Cache_Backend_Redis defaults).
    pub fn cache_target(cache: &MagentoCache) -> Option<RedisTarget> {
        if cache.backend == CacheBackend::Other {
            return None;
        }
        let block = cache.options.as_ref();
        let get = |k: &str| block.and_then(|b| b.str(k)).filter(|v| !v.is_empty());
        let mut t = credis_target(get("server").unwrap_or("127.0.0.1"), get("port"));
        t.database = Some(get("database").and_then(|d| d.trim().parse().ok()).unwrap_or(0));
        t.auth = get("password").map(|_| Auth { user: None, password: true });
        t.retries = get("connect_retries").and_then(|r| r.trim().parse().ok());
        Some(t)
    }
}

fn credis_target(host: &str, port: Option<&str>) -> RedisTarget {
    let port = port.and_then(|p| p.trim().parse().ok()).unwrap_or(6379);
    if host.starts_with('/') || host.starts_with("unix://") {
        return RedisTarget::unix(host.trim_start_matches("unix://"));
    }
    let (tls, rest) = match host.split_once("://") {
        Some((scheme, rest)) => (scheme.starts_with("tls") || scheme.starts_with("ssl"), rest),
        None => (false, host),
    };
    let (h, p) = match rest.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && p.parse::<u16>().is_ok() => (h, p.parse().unwrap_or(port)),
        _ => (rest, port),
    };
    let mut t = RedisTarget::tcp(h.split('/').next().unwrap_or(h), p);
    if tls {
        t.transport = super::Transport::Tls;
    }
    t
}

/// Read the session and cache settings of one env.php.
pub fn build_install(file: FileId, root: PathBuf, doc: &EnvPhp) -> MagentoInstall {
    let loc = |span| Location { file, span };
    let scalar = |entry: &crate::syntax::env_php::Entry| -> MagentoValue {
        let expr = doc.expr(entry.value);
        let value = match &expr.kind {
            ExprKind::Literal(v) => scalar_text(v),
            _ => None,
        };
        MagentoValue { value, entry_at: loc(entry.span), value_at: loc(expr.span) }
    };
    let block = |array: ArrayId, at| -> MagentoBlock {
        let node = doc.array(array);
        let mut values = BTreeMap::new();
        for e in &node.entries {
            if let Some(ArrayKey::Str(k)) = &e.effective_key {
                values.insert(String::from_utf8_lossy(k).into_owned(), scalar(e));
            }
        }
        let entries = node.entries.iter().map(|e| BlockEntry { at: loc(e.span), comma: e.comma.map(loc) }).collect();
        MagentoBlock { at, values, array_at: loc(node.span), close_at: node.close.map(loc), entries }
    };
    let array_of = |entry: &crate::syntax::env_php::Entry| match doc.expr(entry.value).kind {
        ExprKind::Array(a) => Some(a),
        _ => None,
    };

    let session_save = doc.lookup(&["session", "save"]).map(scalar);
    let block_key =
        if session_save.as_ref().and_then(|v| v.value.as_deref()) == Some("valkey") { "valkey" } else { "redis" };
    let key_span = |e: &crate::syntax::env_php::Entry| e.key.map(|k| doc.expr(k).span).unwrap_or(e.span);
    let session_redis =
        doc.lookup(&["session", block_key]).and_then(|e| array_of(e).map(|a| block(a, loc(key_span(e)))));

    let mut caches = Vec::new();
    if let Some(frontends) = doc.lookup(&["cache", "frontend"]).and_then(array_of) {
        for fe in &doc.array(frontends).entries {
            let Some(name) = fe.effective_key.as_ref().map(key_text) else { continue };
            let Some(fe_array) = array_of(fe) else { continue };
            let get = |k: &str| doc.entry(fe_array, &ArrayKey::from_bytes(k.as_bytes()));
            let backend_name = get("backend").map(scalar).and_then(|v| v.value).unwrap_or_default();
            let mut backend = backend_kind(&backend_name);
            let options_entry = get("backend_options");
            let mut options = options_entry.and_then(|e| array_of(e).map(|a| block(a, loc(key_span(e)))));
            if backend_name.contains("RemoteSynchronizedCache") {
                // L2: the Redis part is `remote_backend_options` inside backend_options.
                let remote = options_entry.and_then(array_of).and_then(|a| {
                    let rb = doc
                        .entry(a, &ArrayKey::from_bytes(b"remote_backend"))
                        .map(scalar)
                        .and_then(|v| v.value)
                        .unwrap_or_default();
                    let rbo = doc.entry(a, &ArrayKey::from_bytes(b"remote_backend_options"))?;
                    (backend_kind(&rb) == CacheBackend::Redis)
                        .then(|| array_of(rbo).map(|x| block(x, loc(key_span(rbo)))))?
                });
                backend = if remote.is_some() { CacheBackend::L2Redis } else { CacheBackend::Other };
                options = remote;
            }
            caches.push(MagentoCache { name, backend, backend_name, at: loc(key_span(fe)), options });
        }
    }
    MagentoInstall { file, root, session_save, session_redis, caches }
}

fn key_text(k: &ArrayKey) -> String {
    match k {
        ArrayKey::Int(n) => n.to_string(),
        ArrayKey::Str(s) => String::from_utf8_lossy(s).into_owned(),
    }
}

fn scalar_text(v: &PhpValue) -> Option<String> {
    Some(match v {
        PhpValue::Str(s) => String::from_utf8_lossy(s).into_owned(),
        PhpValue::Int(n) => n.to_string(),
        PhpValue::Float(f) => f.to_string(),
        PhpValue::Bool(true) => "1".into(),
        PhpValue::Bool(false) | PhpValue::Null => String::new(),
        PhpValue::Array(_) => return None,
    })
}

/// Backend class names Magento and ece-tools write for Redis.
pub fn backend_kind(name: &str) -> CacheBackend {
    let n = name.trim_start_matches('\\').to_ascii_lowercase();
    match n.as_str() {
        "cm_cache_backend_redis" | "magento\\framework\\cache\\backend\\redis" | "redis" | "valkey" => {
            CacheBackend::Redis
        }
        _ => CacheBackend::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_knows_its_array_entries_and_closing_bracket() {
        let text = "<?php\nreturn ['session' => ['save' => 'redis', 'redis' => [\n  'host' => '127.0.0.1',\n  'port' => '6379'\n]]];\n";
        let doc = crate::syntax::env_php::parse(text.as_bytes());
        let m = build_install(FileId(0), PathBuf::new(), &doc);
        let block = m.session_redis.expect("session.redis");
        let s = |at: Location| &text[at.span.start..at.span.end];
        assert_eq!(s(block.at), "'redis'");
        assert!(s(block.array_at).starts_with('[') && s(block.array_at).ends_with(']'));
        assert_eq!(block.close_at.map(s), Some("]"));
        let entries: Vec<(&str, Option<&str>)> = block.entries.iter().map(|e| (s(e.at), e.comma.map(s))).collect();
        assert_eq!(entries, [("'host' => '127.0.0.1'", Some(",")), ("'port' => '6379'", None)]);
        assert_eq!(s(block.values["port"].value_at), "'6379'");
    }
}
