//! PHP values as `parse_ini_file()` and `include 'env.php'` produce them: ordered arrays
//! with PHP's key normalisation, and their `json_encode()` shape.

/// Keys come from the files read: foldhash is randomly seeded (so they cannot force
/// collisions) and several times cheaper than SipHash on short keys.
type Hasher = foldhash::fast::RandomState;

/// A PHP array key after PHP's normalisation (`"10"` is the integer 10, `"010"` a string).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ArrayKey {
    Int(i64),
    Str(Vec<u8>),
}

impl ArrayKey {
    /// A string key as PHP stores it: a canonical decimal integer in range becomes an int.
    pub fn from_bytes(bytes: &[u8]) -> ArrayKey {
        match canonical_int(bytes) {
            Some(n) => ArrayKey::Int(n),
            None => ArrayKey::Str(bytes.to_vec()),
        }
    }

    fn to_json_key(&self) -> String {
        match self {
            ArrayKey::Int(n) => n.to_string(),
            ArrayKey::Str(s) => String::from_utf8_lossy(s).into_owned(),
        }
    }
}

/// `ZEND_HANDLE_NUMERIC_STR`: optional `-`, no leading zero (except "0"), no "-0", fits i64.
fn canonical_int(b: &[u8]) -> Option<i64> {
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    if digits.is_empty() || digits.len() > 20 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if digits[0] == b'0' && (digits.len() > 1 || b.len() != digits.len()) {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

#[derive(Clone, Debug, PartialEq)]
pub enum PhpValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Vec<u8>),
    Array(PhpArray),
}

/// An ordered PHP array. Overwriting a key keeps its first position, as PHP does.
#[derive(Clone, Debug, Default)]
pub struct PhpArray {
    /// In insertion order; the hash table holds positions only, so a key is stored once
    /// and hashed once per insert (PHP's own arrays are ordered hash tables too).
    entries: indexmap::IndexMap<ArrayKey, PhpValue, Hasher>,
    next_index: Option<i64>,
}

impl PartialEq for PhpArray {
    /// Equal when PHP would say `===`: the same keys, values and order.
    fn eq(&self, other: &Self) -> bool {
        self.entries.len() == other.entries.len()
            && self.entries.iter().eq(other.entries.iter())
            && self.next_index == other.next_index
    }
}

impl PhpArray {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, key: &ArrayKey) -> Option<&PhpValue> {
        self.entries.get(key)
    }

    pub fn get_str(&self, key: &str) -> Option<&PhpValue> {
        self.get(&ArrayKey::from_bytes(key.as_bytes()))
    }

    pub fn get_mut(&mut self, key: &ArrayKey) -> Option<&mut PhpValue> {
        self.entries.get_mut(key)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&ArrayKey, &PhpValue)> {
        self.entries.iter()
    }

    pub fn insert(&mut self, key: ArrayKey, value: PhpValue) {
        self.insert_at(key, value);
    }

    /// [`insert`](Self::insert), returning where the entry stands (its first place when the
    /// key was there), for [`value_at_mut`](Self::value_at_mut).
    pub fn insert_at(&mut self, key: ArrayKey, value: PhpValue) -> usize {
        if let ArrayKey::Int(n) = key {
            // The next free index follows the largest int key, negative ones included
            // (`[-5 => 'a', 'b']` puts 'b' at -4: checked with the PHP 8.2.36 we test against).
            if self.next_index.is_none_or(|next| n >= next) {
                self.next_index = Some(n.saturating_add(1));
            }
        }
        self.entries.insert_full(key, value).0
    }

    /// The value of the entry at `position` (insertion order), as [`insert_at`](Self::insert_at)
    /// returned it.
    pub fn value_at_mut(&mut self, position: usize) -> Option<&mut PhpValue> {
        self.entries.get_index_mut(position).map(|(_, v)| v)
    }

    /// The key and value at `position` (insertion order), the value writable.
    pub fn entry_at_mut(&mut self, position: usize) -> Option<(&ArrayKey, &mut PhpValue)> {
        self.entries.get_index_mut(position)
    }

    /// `$a[] = value`. Returns false when PHP would refuse (next index overflow).
    pub fn push(&mut self, value: PhpValue) -> bool {
        let next = self.next_index.unwrap_or(0);
        if next == i64::MAX && self.entries.contains_key(&ArrayKey::Int(i64::MAX)) {
            return false;
        }
        self.insert(ArrayKey::Int(next), value);
        true
    }

    fn is_list(&self) -> bool {
        self.entries.iter().enumerate().all(|(i, (k, _))| *k == ArrayKey::Int(i as i64))
    }
}

impl PhpValue {
    pub fn str(s: impl Into<Vec<u8>>) -> PhpValue {
        PhpValue::Str(s.into())
    }

    pub fn as_array(&self) -> Option<&PhpArray> {
        match self {
            PhpValue::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            PhpValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as `json_encode()` prints it. PHP refuses invalid UTF-8 outright; we keep
    /// going with U+FFFD so that a report is still produced, and say so through `lossy`.
    pub fn to_json(&self) -> serde_json::Value {
        self.to_json_checked().0
    }

    /// Like [`to_json`](Self::to_json), plus whether every string was valid UTF-8 (when it
    /// was not, `json_encode()` would have failed).
    pub fn to_json_checked(&self) -> (serde_json::Value, bool) {
        let mut exact = true;
        let v = self.json_inner(&mut exact);
        (v, exact)
    }

    fn json_inner(&self, exact: &mut bool) -> serde_json::Value {
        use serde_json::Value;
        match self {
            PhpValue::Null => Value::Null,
            PhpValue::Bool(b) => Value::Bool(*b),
            PhpValue::Int(n) => Value::from(*n),
            PhpValue::Float(f) => serde_json::Number::from_f64(*f).map(Value::Number).unwrap_or_else(|| {
                *exact = false; // json_encode fails on INF/NAN
                Value::from(0)
            }),
            PhpValue::Str(s) => Value::String(match std::str::from_utf8(s) {
                Ok(s) => s.to_owned(),
                Err(_) => {
                    *exact = false;
                    String::from_utf8_lossy(s).into_owned()
                }
            }),
            PhpValue::Array(a) if a.is_list() => {
                Value::Array(a.entries.iter().map(|(_, v)| v.json_inner(exact)).collect())
            }
            PhpValue::Array(a) => {
                let mut map = serde_json::Map::new();
                for (k, v) in &a.entries {
                    if let ArrayKey::Str(s) = k {
                        if std::str::from_utf8(s).is_err() {
                            *exact = false;
                        }
                    }
                    map.insert(k.to_json_key(), v.json_inner(exact));
                }
                Value::Object(map)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_string_keys_become_ints() {
        assert_eq!(ArrayKey::from_bytes(b"10"), ArrayKey::Int(10));
        assert_eq!(ArrayKey::from_bytes(b"-3"), ArrayKey::Int(-3));
        for s in [&b"010"[..], b"-0", b"+1", b"1 ", b"", b"99999999999999999999"] {
            assert_eq!(ArrayKey::from_bytes(s), ArrayKey::Str(s.to_vec()));
        }
    }

    #[test]
    fn lists_encode_as_json_arrays() {
        let mut a = PhpArray::new();
        a.push(PhpValue::str("x"));
        a.insert(ArrayKey::Int(1), PhpValue::Int(2));
        assert_eq!(PhpValue::Array(a.clone()).to_json(), serde_json::json!(["x", 2]));
        a.insert(ArrayKey::from_bytes(b"k"), PhpValue::Null);
        assert_eq!(PhpValue::Array(a).to_json(), serde_json::json!({"0": "x", "1": 2, "k": null}));
    }

    #[test]
    fn next_index_follows_negative_keys() {
        let mut a = PhpArray::new();
        a.insert(ArrayKey::Int(-5), PhpValue::Int(1));
        a.push(PhpValue::Int(2));
        assert_eq!(a.get(&ArrayKey::Int(-4)), Some(&PhpValue::Int(2)));
        a.insert(ArrayKey::Int(-10), PhpValue::Int(3));
        a.push(PhpValue::Int(4));
        assert_eq!(a.get(&ArrayKey::Int(-3)), Some(&PhpValue::Int(4)));
    }

    #[test]
    fn overwrite_keeps_position() {
        let mut a = PhpArray::new();
        a.insert(ArrayKey::from_bytes(b"a"), PhpValue::Int(1));
        a.insert(ArrayKey::from_bytes(b"b"), PhpValue::Int(2));
        a.insert(ArrayKey::from_bytes(b"a"), PhpValue::Int(3));
        assert_eq!(PhpValue::Array(a).to_json().to_string(), r#"{"a":3,"b":2}"#);
    }
}
