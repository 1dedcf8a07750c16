//! Secrets in `sesslint parse` output, masked by field: the values of password keys, the
//! credentials inside save paths, the secret arguments of redis.conf directives.

use std::borrow::Cow;

use serde_json::Value;

use crate::secrets::{self, MASK};

/// How a string below a secret key is masked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Field {
    /// The whole string (an empty one stays empty).
    Whole,
    /// The credentials inside a save path or URL.
    SavePath,
}

/// An ini key's field: `*save_path*` keys hold credentials in URLs, password keys are
/// secret whole, and so is a key whose text ends in a secret query parameter
/// (`session.save_path tcp://h?auth` of a line missing its `=`: PHP reads the password as its
/// value); other keys are not secrets (`None`: their values' URL credentials are masked as
/// every string's, by [`ini_values`]).
pub(super) fn ini_field(key: &str) -> Option<Field> {
    let tail = key.rsplit(['?', '&', ' ', '\t', ';', ',']).next().unwrap_or(key);
    if tail.len() < key.len() && secrets::ini_key_is_secret(tail) {
        Some(Field::Whole)
    } else if key.contains("save_path") {
        Some(Field::SavePath)
    } else {
        secrets::ini_key_is_secret(key).then_some(Field::Whole)
    }
}

/// An ini file's `parse` value masked: below the keys [`ini_field`] names as it says, and
/// the credentials of a URL or DSN in every string (`env[DATABASE_URL] = "mysql://u:pw@h"`),
/// as env.php's under any key.
#[cfg(test)]
pub(super) fn ini_values(value: &mut Value) {
    mask_tree(value, &ini_field);
    mask_all(value, Field::SavePath);
}

/// `s` masked as `field` says; `None` when it stays as it is (most save paths hold no
/// credential: not copied).
pub(super) fn mask_str(s: &str, field: Field) -> Option<String> {
    match field {
        Field::Whole if s.is_empty() => None,
        Field::Whole => Some(MASK.to_owned()),
        Field::SavePath if secrets::save_path_secret_ranges(s.as_bytes()).is_empty() => None,
        Field::SavePath => Some(secrets::mask_save_path(s)),
    }
}

/// A redis.conf directive's name and arguments (lossy UTF-8) as `parse` shows them masked:
/// `requirepass` glued to its password by a no-break space is one name to redis-server,
/// shown up to the password (its arguments as they are); otherwise the secret arguments
/// the directive table names are masked from where their secret starts. `joined`
/// ([`crate::syntax::redis_conf::LoadedDirective::joined`]): the words are also judged as a
/// line of their own at every word, and a word with a sensitive name masked whole (it may
/// hold the joined password: `masterauth` + NUL + newline + `pw` is one word).
pub(super) fn redis_directive<'a>(name: &'a str, args: &mut [Cow<'a, str>], joined: bool) -> Cow<'a, str> {
    // A name redis-server does not know (`;`, `requirepass=pw`, `config`): the line is
    // refused, and a masked name anywhere in it masks what follows
    // ([`secrets::redis_refused_line_secret`]).
    let refused = secrets::redis_name_is_refused(&name.to_ascii_lowercase());
    if joined || refused {
        let mut line = name.to_owned();
        let mut starts = vec![0];
        for a in args.iter() {
            line.push(' ');
            starts.push(line.len());
            line.push_str(a);
        }
        let words = starts.len();
        let word_end = |i: usize| if i + 1 < words { starts[i + 1] - 1 } else { line.len() };
        let from = secrets::redis_refused_line_secret(line.as_bytes()).or_else(|| {
            (0..words)
                .filter(|_| joined)
                .find(|&i| secrets::redis_name_is_sensitive(&line.as_bytes()[starts[i]..word_end(i)]))
                .map(|i| starts[i])
        });
        if let Some(from) = from {
            // The word `from` is in, masked from there; every later word whole.
            let first = starts.partition_point(|&s| s <= from) - 1;
            let keep = from - starts[first];
            for (i, a) in args.iter_mut().enumerate() {
                if i + 1 >= first {
                    let k = if i + 1 == first { keep } else { 0 };
                    *a = Cow::Owned(format!("{}{MASK}", a.get(..k).unwrap_or("")));
                }
            }
            if first == 0 {
                return Cow::Owned(format!("{}{MASK}", name.get(..keep).unwrap_or("")));
            }
            return Cow::Borrowed(name);
        }
    }
    if let Some(from) = secrets::redis_glued_name_secret(name.as_bytes()) {
        return Cow::Owned(format!("{}{MASK}", name.get(..from).unwrap_or("")));
    }
    let refs: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    let rest_from =
        secrets::refused_user_password_from(&name.to_ascii_lowercase(), &refs).map_or(args.len(), |k| k + 1);
    for (i, r) in secrets::redis_secret_args(name, &refs) {
        // An empty password (`requirepass ""`) hides nothing, and `********` would say one
        // is set where the server has none: shown as written.
        if let Some(s) = args.get_mut(i).filter(|s| s.len() > r.start) {
            let keep = s.get(..r.start).unwrap_or("");
            *s = Cow::Owned(format!("{keep}{MASK}"));
        }
    }
    // A refused `user` line's words after its password: that password's rest.
    for a in args.iter_mut().skip(rest_from) {
        *a = Cow::Owned(MASK.to_owned());
    }
    Cow::Borrowed(name)
}

/// Mask the secrets of an env.php value in place (`--show-secrets` skips this). Below a
/// secret key an array printed as an object is `********` whole: its keys are input too
/// (`'password' => ['s3cret' => 1]`); a list keeps its shape, its items masked.
pub(super) fn mask_envphp(value: &mut Value) {
    // The same few key names repeat in every array and the test is a fuzzy one: each
    // distinct name is judged once.
    let judged = std::cell::RefCell::new(std::collections::HashMap::<String, bool>::new());
    let is_secret = |key: &str| {
        let known = judged.borrow().get(key).copied();
        known.unwrap_or_else(|| {
            let secret = secrets::envphp_key_is_secret(key);
            judged.borrow_mut().insert(key.to_owned(), secret);
            secret
        })
    };
    mask_objects_below_secret_keys(value, &is_secret);
    mask_tree(value, &|key| is_secret(key).then_some(Field::Whole));
    // Magento's `host`, `server`, `sentinel_servers`: credentials in a URL.
    mask_all(value, Field::SavePath);
}

/// Walk objects; under a key `is_secret` says is one, every object (at or below it) becomes
/// `********`.
fn mask_objects_below_secret_keys(value: &mut Value, is_secret: &dyn Fn(&str) -> bool) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if is_secret(k) {
                    mask_objects(v);
                } else {
                    mask_objects_below_secret_keys(v, is_secret);
                }
            }
        }
        Value::Array(list) => list.iter_mut().for_each(|v| mask_objects_below_secret_keys(v, is_secret)),
        _ => {}
    }
}

fn mask_objects(value: &mut Value) {
    match value {
        Value::Object(_) => *value = Value::String(MASK.to_owned()),
        Value::Array(list) => list.iter_mut().for_each(mask_objects),
        _ => {}
    }
}

/// Walk objects; under a key `secret` says is one, mask every string below it.
pub(super) fn mask_tree(value: &mut Value, secret: &dyn Fn(&str) -> Option<Field>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                match secret(k) {
                    Some(Field::Whole) => mask_all(v, Field::Whole),
                    // `session.save_path[password] = x`: a key below names a secret of its own.
                    Some(Field::SavePath) => {
                        mask_tree(v, secret);
                        mask_all(v, Field::SavePath);
                    }
                    None => mask_tree(v, secret),
                }
            }
        }
        Value::Array(list) => list.iter_mut().for_each(|v| mask_tree(v, secret)),
        _ => {}
    }
}

pub(super) fn mask_all(value: &mut Value, field: Field) {
    match value {
        Value::String(s) => {
            if let Some(masked) = mask_str(s, field) {
                *s = masked;
            }
        }
        // `'password' => 123456` in env.php: the number is the password.
        Value::Number(_) if matches!(field, Field::Whole) => *value = Value::String(MASK.to_owned()),
        Value::Object(map) => map.values_mut().for_each(|v| mask_all(v, field)),
        Value::Array(list) => list.iter_mut().for_each(|v| mask_all(v, field)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An empty password argument hides nothing: shown as written (`requirepass ""` is a
    /// server without a password); a non-empty one masked.
    #[test]
    fn an_empty_password_argument_is_shown_as_written() {
        let masked = |name: &str, args: &[&str]| {
            let mut a: Vec<Cow<str>> = args.iter().map(|s| Cow::Borrowed(*s)).collect();
            let n = redis_directive(name, &mut a, false).into_owned();
            (n, a.into_iter().map(Cow::into_owned).collect::<Vec<_>>())
        };
        assert_eq!(masked("requirepass", &[""]), ("requirepass".into(), vec![String::new()]));
        assert_eq!(masked("masterauth", &[""]), ("masterauth".into(), vec![String::new()]));
        assert_eq!(masked("requirepass", &["LeakN1"]), ("requirepass".into(), vec![MASK.to_owned()]));
        assert_eq!(masked("sentinel", &["auth-pass", "m", ""]).1, ["auth-pass", "m", ""]);
    }
}
