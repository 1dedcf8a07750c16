//! env.php's `parse` JSON serialised straight from the parsed tree, masking on the way.
//! Only for files whose values are all static; the rest take `env_php.rs`'s value path.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use serde::ser::{SerializeMap, SerializeSeq};

use crate::secrets::{self, MASK};
use crate::syntax::env_php::{Entry, EntryKey, EnvPhp, ExprId, ExprKind, Returned, Scalar, TreeStr, MAX_VALUE_DEPTH};

/// `json_encode(include $f)` serialised from the tree, without building a
/// `serde_json::Value` (which cost more than the parse), with the masking
/// `mask::mask_envphp` applies to that value when `mask`: under a key
/// `secrets::envphp_key_is_secret` judges secret every non-empty string, every number and
/// every array printed as an object (its keys) is `********`; credentials in any string are
/// masked as in a save path. Made only for a file whose output needs nothing more than the
/// tree ([`TreeJson::fits`]).
#[derive(Debug)]
pub struct TreeJson {
    env: EnvPhp,
    mask: bool,
    /// `envphp_key_is_secret` of each distinct key name met (few names repeat in every
    /// array, and the test is a fuzzy one).
    judged: RefCell<HashMap<String, bool, foldhash::fast::RandomState>>,
}

/// Arrays up to this many entries are checked for a repeated key pair by pair, larger
/// ones with a hash set.
const PAIRWISE_KEYS: usize = 16;

impl TreeJson {
    /// Whether `env`'s output can be written from the tree: not when it needs more (an
    /// unknown value or key, a spread, a repeated key, an array nested deeper than
    /// [`MAX_VALUE_DEPTH`], a string that is not UTF-8, a float INF/NAN): the value path's.
    pub(super) fn fits(env: &EnvPhp) -> bool {
        match env.returned() {
            Returned::NoReturn | Returned::Void => true,
            Returned::Value(id) => plain(env, id, 1, std::str::from_utf8(env.bytes()).is_ok()),
        }
    }

    /// The JSON of `env`, for which [`TreeJson::fits`] holds (else unknown parts are `null`).
    pub(super) fn new(env: EnvPhp, mask: bool) -> TreeJson {
        TreeJson { env, mask, judged: RefCell::default() }
    }

    fn is_secret(&self, name: &str) -> bool {
        if !self.mask {
            return false;
        }
        if let Some(&known) = self.judged.borrow().get(name) {
            return known;
        }
        let secret = secrets::envphp_key_is_secret(name);
        self.judged.borrow_mut().insert(name.to_owned(), secret);
        secret
    }

    /// A string as the masked value path prints it (`secret`: below a secret key).
    fn string<S: serde::Serializer>(&self, s: &str, secret: bool, serializer: S) -> Result<S::Ok, S::Error> {
        if !self.mask {
            return serializer.serialize_str(s);
        }
        let s = if secret && !s.is_empty() { MASK } else { s };
        // Most strings hold no credential: written as they are.
        if secrets::save_path_secret_ranges(s.as_bytes()).is_empty() {
            serializer.serialize_str(s)
        } else {
            serializer.serialize_str(&secrets::mask_save_path(s))
        }
    }
}

/// Whether a string of the tree is UTF-8. `source_utf8`: the whole file is, and then so is
/// every string kept as a span of it (its ends are quotes, so char boundaries): the file
/// is checked once instead of each of its strings.
fn is_utf8(env: &EnvPhp, s: &TreeStr, source_utf8: bool) -> bool {
    match s {
        TreeStr::Source(_) if source_utf8 => true,
        _ => std::str::from_utf8(env.str_bytes(s)).is_ok(),
    }
}

/// Whether expression `id` (at `depth`, as in `EnvPhp::eval_inner`) prints from the tree
/// (`source_utf8` as for [`is_utf8`]). Recursion is bounded by [`MAX_VALUE_DEPTH`].
fn plain(env: &EnvPhp, id: ExprId, depth: usize, source_utf8: bool) -> bool {
    let array = match &env.expr(id).kind {
        ExprKind::Str(s) => return is_utf8(env, s, source_utf8),
        ExprKind::Literal(Scalar::Float(f)) => return f.is_finite(),
        ExprKind::Literal(_) => return true,
        ExprKind::Array(a) => env.array(*a),
        // A key's literal is never a value; unknown values are the value path's.
        ExprKind::KeyString { .. } | ExprKind::Opaque | ExprKind::Error => return false,
    };
    if depth > MAX_VALUE_DEPTH {
        return false;
    }
    let keys_ok = array.entries.iter().all(|e| match &e.effective_key {
        Some(EntryKey::Str(s)) => !e.spread && is_utf8(env, s, source_utf8),
        Some(EntryKey::Int(_)) => !e.spread,
        None => false,
    });
    keys_ok
        && (is_list(&array.entries) || distinct_keys(env, &array.entries))
        && array.entries.iter().all(|e| plain(env, e.value, depth + 1, source_utf8))
}

/// What `json_encode()` prints as a JSON array: keys 0, 1, 2, ... in order.
fn is_list(entries: &[Entry]) -> bool {
    entries
        .iter()
        .enumerate()
        .all(|(i, e)| matches!(e.effective_key, Some(EntryKey::Int(n)) if u64::try_from(n) == Ok(i as u64)))
}

/// No effective key twice (keys are normalised: distinct keys print distinct names).
fn distinct_keys(env: &EnvPhp, entries: &[Entry]) -> bool {
    if entries.len() <= PAIRWISE_KEYS {
        let mut keys = [None; PAIRWISE_KEYS];
        for (slot, e) in keys.iter_mut().zip(entries) {
            *slot = env.key(e);
        }
        let keys = &keys[..entries.len()];
        return keys.iter().enumerate().all(|(i, k)| !keys[..i].contains(k));
    }
    let mut seen = HashSet::with_capacity_and_hasher(entries.len(), foldhash::fast::RandomState::default());
    entries.iter().all(|e| seen.insert(env.key(e)))
}

/// Bytes [`plain`] found UTF-8 as a `str` (`from_utf8` checks them again at a third of
/// the cost of `from_utf8_lossy`; lossy only if that were ever wrong).
fn text(s: &[u8]) -> Cow<'_, str> {
    std::str::from_utf8(s).map_or_else(|_| String::from_utf8_lossy(s), Cow::Borrowed)
}

impl serde::Serialize for TreeJson {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.env.returned() {
            // `include` of a file without `return` gives 1.
            Returned::NoReturn => serializer.serialize_i64(1),
            Returned::Void => serializer.serialize_unit(),
            Returned::Value(id) => {
                // Checked once: the strings kept as spans of the file are sliced from it.
                let source = std::str::from_utf8(self.env.bytes()).ok();
                ExprJson { json: self, source, id, secret: false }.serialize(serializer)
            }
        }
    }
}

/// One expression of a [`TreeJson`]; `secret` when below a secret key; `source` the file
/// as a `str` when it is UTF-8. Nesting is bounded by [`MAX_VALUE_DEPTH`] ([`plain`]
/// checked it).
struct ExprJson<'a> {
    json: &'a TreeJson,
    source: Option<&'a str>,
    id: ExprId,
    secret: bool,
}

impl<'a> ExprJson<'a> {
    /// A string of the tree as text: a span of a UTF-8 file is sliced from it unchecked
    /// again (a quote is a char boundary), any other string checked.
    fn str_of(&self, s: &'a TreeStr) -> Cow<'a, str> {
        if let (TreeStr::Source(span), Some(source)) = (s, self.source) {
            if let Some(t) = source.get(span.start..span.end) {
                return Cow::Borrowed(t);
            }
        }
        text(self.json.env.str_bytes(s))
    }
}

impl serde::Serialize for ExprJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (json, secret, source) = (self.json, self.secret, self.source);
        let array = match &json.env.expr(self.id).kind {
            ExprKind::Literal(Scalar::Null) => return serializer.serialize_unit(),
            ExprKind::Literal(Scalar::Bool(b)) => return serializer.serialize_bool(*b),
            // `'password' => 123456`: the number is the password.
            ExprKind::Literal(Scalar::Int(_) | Scalar::Float(_)) if json.mask && secret => {
                return serializer.serialize_str(MASK);
            }
            ExprKind::Literal(Scalar::Int(n)) => return serializer.serialize_i64(*n),
            ExprKind::Literal(Scalar::Float(f)) => return serializer.serialize_f64(*f),
            ExprKind::Str(s) => return json.string(&self.str_of(s), secret, serializer),
            ExprKind::Array(a) => json.env.array(*a),
            // Not in a file that `TreeJson::fits`.
            ExprKind::KeyString { .. } | ExprKind::Opaque | ExprKind::Error => {
                return serializer.serialize_unit();
            }
        };
        if !is_list(&array.entries) && json.mask && secret {
            // Its keys are input too (`'password' => ['s3cret' => 1]`).
            return serializer.serialize_str(MASK);
        }
        if is_list(&array.entries) {
            let mut seq = serializer.serialize_seq(Some(array.entries.len()))?;
            for e in &array.entries {
                seq.serialize_element(&ExprJson { json, source, id: e.value, secret })?;
            }
            return seq.end();
        }
        let mut map = serializer.serialize_map(Some(array.entries.len()))?;
        for e in &array.entries {
            let name = match &e.effective_key {
                Some(EntryKey::Int(n)) => Cow::Owned(n.to_string()),
                Some(EntryKey::Str(s)) => self.str_of(s),
                None => continue,
            };
            let secret = secret || json.is_secret(&name);
            map.serialize_entry(&*name, &ExprJson { json, source, id: e.value, secret })?;
        }
        map.end()
    }
}
