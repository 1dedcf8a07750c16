//! Secrets in `sesslint parse` output, masked by field: the values of password keys, the
//! credentials inside save paths, the secret arguments of redis.conf directives.

use serde_json::Value;

use crate::secrets::{self, MASK};
use crate::syntax::FileKind;

/// Mask the secrets of a parse result in place (`--show-secrets` skips this).
pub(super) fn mask_value(kind: FileKind, value: &mut Value) {
    match kind {
        FileKind::Ini => mask_tree(value, &|key| {
            if key.contains("save_path") {
                Some(Field::SavePath)
            } else {
                secrets::ini_key_is_secret(key).then_some(Field::Whole)
            }
        }),
        FileKind::Envphp => {
            // The same few key names repeat in every array and the test is a fuzzy one:
            // each distinct name is judged once.
            let judged = std::cell::RefCell::new(std::collections::HashMap::<String, bool>::new());
            mask_tree(value, &|key| {
                let known = judged.borrow().get(key).copied();
                let secret = known.unwrap_or_else(|| {
                    let secret = secrets::envphp_key_is_secret(key);
                    judged.borrow_mut().insert(key.to_owned(), secret);
                    secret
                });
                secret.then_some(Field::Whole)
            });
            // Magento's `host`, `server`, `sentinel_servers`: credentials in a URL.
            mask_all(value, Field::SavePath);
        }
        FileKind::Redis | FileKind::RedisAcl => {
            for d in value.as_array_mut().into_iter().flatten() {
                let name = d.get("directive").and_then(Value::as_str).unwrap_or("").to_owned();
                // `requirepass` and a password joined by a no-break space: one name to
                // redis-server, shown up to the password.
                if let Some(from) = secrets::redis_glued_name_secret(name.as_bytes()) {
                    d["directive"] = Value::String(format!("{}{MASK}", name.get(..from).unwrap_or("")));
                    continue;
                }
                let Some(args) = d.get_mut("args").and_then(Value::as_array_mut) else { continue };
                let texts: Vec<Vec<u8>> = args.iter().map(|a| a.as_str().unwrap_or("").as_bytes().to_vec()).collect();
                let refs: Vec<&[u8]> = texts.iter().map(Vec::as_slice).collect();
                for (i, r) in secrets::redis_secret_args(&name, &refs) {
                    if let Some(Value::String(s)) = args.get_mut(i) {
                        let keep = s.get(..r.start).unwrap_or("").to_owned();
                        *s = format!("{keep}{MASK}");
                    }
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Field {
    Whole,
    SavePath,
}

/// Walk objects; under a key `secret` says is one, mask every string below it.
fn mask_tree(value: &mut Value, secret: &dyn Fn(&str) -> Option<Field>) {
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

fn mask_all(value: &mut Value, field: Field) {
    match value {
        Value::String(s) => {
            *s = match field {
                Field::Whole if s.is_empty() => String::new(),
                Field::Whole => MASK.to_owned(),
                // Most strings hold no credential: left as they are, not copied.
                Field::SavePath if secrets::save_path_secret_ranges(s.as_bytes()).is_empty() => return,
                Field::SavePath => secrets::mask_save_path(s),
            }
        }
        // `'password' => 123456` in env.php: the number is the password.
        Value::Number(_) if matches!(field, Field::Whole) => *value = Value::String(MASK.to_owned()),
        Value::Object(map) => map.values_mut().for_each(|v| mask_all(v, field)),
        Value::Array(list) => list.iter_mut().for_each(|v| mask_all(v, field)),
        _ => {}
    }
}
