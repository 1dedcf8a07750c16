//! Magento installs on `files`: `'save' => 'redis'` and a `'redis' => [...]` block written in
//! the file's own style, with a database no cache uses, `retries`, and the password.

use super::application::Shop;
use super::database::Allocator;
use super::edits::{EditSet, Text};
use super::style::{insert_after, insert_into_empty, ArrayStyle, Value};
use super::{MigrateError, Plan, Request};
use crate::model::{EndpointOwner, Model, Transport};
use crate::php_value::ArrayKey;
use crate::syntax::env_php::{ArrayId, EnvPhp, ExprKind};

/// `max_concurrency` as SL308 asks for it: 10% of the php-fpm workers in the tree, at least
/// the handler's default 6.
fn max_concurrency(model: &Model) -> i64 {
    let workers: i64 =
        model.pools.iter().filter_map(|p| crate::model::fpm_integer::max_children(p)?.ok().map(i64::from)).sum();
    ((workers + 9) / 10).max(6)
}

/// The `session.redis` keys and values, in the order `setup:config:set` writes them
/// (shared/facts magento-side 2.7); all strings, as Magento writes them.
fn redis_block(model: &Model, request: &Request, database: i64) -> Vec<(&'static str, String, bool)> {
    let url = &request.redis;
    let (host, port) = match url.transport {
        Transport::Unix => (url.socket.clone().unwrap_or_default(), "0".to_owned()),
        Transport::Tls => (format!("tls://{}", url.host.as_deref().unwrap_or("127.0.0.1")), url.port.to_string()),
        Transport::Tcp => (url.host.clone().unwrap_or_else(|| "127.0.0.1".into()), url.port.to_string()),
    };
    vec![
        ("host", host, false),
        ("port", port, false),
        ("password", request.password.expose().to_owned(), true),
        ("timeout", "2.5".into(), false),
        ("retries", "2".into(), false),
        ("persistent_identifier", String::new(), false),
        ("database", database.to_string(), false),
        ("compression_threshold", "2048".into(), false),
        ("compression_library", "gzip".into(), false),
        ("log_level", "1".into(), false),
        ("max_concurrency", max_concurrency(model).to_string(), false),
        ("break_after_frontend", "5".into(), false),
        ("break_after_adminhtml", "30".into(), false),
        ("first_lifetime", "600".into(), false),
        ("bot_first_lifetime", "60".into(), false),
        ("bot_lifetime", "7200".into(), false),
        ("disable_locking", "0".into(), false),
        ("min_lifetime", "60".into(), false),
        ("max_lifetime", "2592000".into(), false),
    ]
}

/// Keys an existing `session.redis` block must have these values for (the rest it keeps).
const REQUIRED: [&str; 5] = ["host", "port", "password", "database", "retries"];

fn encode(style: &ArrayStyle, v: &str, secret: bool) -> Result<Text, MigrateError> {
    let lit = style.string(v).ok_or_else(|| MigrateError::Unencodable("a NUL byte in an env.php value".into()))?;
    let mut t = Text::default();
    if secret {
        // The quotes are not the secret; what is between them is.
        t.push(&lit[..1], false);
        t.push(&lit[1..lit.len() - 1], true);
        t.push(&lit[lit.len() - 1..], false);
    } else {
        t.push(&lit, false);
    }
    Ok(t)
}

fn array_of(doc: &EnvPhp, array: ArrayId, key: &str) -> Option<(usize, Option<ArrayId>)> {
    let node = doc.array(array);
    let k = ArrayKey::from_bytes(key.as_bytes());
    let i = node.entries.iter().rposition(|e| doc.key(e).is_some_and(|key| key.is(&k)))?;
    let child = match doc.expr(node.entries[i].value).kind {
        ExprKind::Array(a) => Some(a),
        _ => None,
    };
    Some((i, child))
}

/// Insert `entry` as the new last entry of `array` (or its first, when it is empty).
fn append(
    doc: &EnvPhp,
    array: ArrayId,
    path: &std::path::Path,
    id: &str,
    style: &ArrayStyle,
    entries: &[Text],
    edits: &mut EditSet,
) -> Result<(), MigrateError> {
    let node = doc.array(array);
    if node.entries.is_empty() {
        let (span, text) = insert_into_empty(doc, array, style, entries).ok_or_else(|| {
            MigrateError::Conflict(format!("{}: an unclosed array", crate::source::display_path(path)))
        })?;
        return edits.replace(path, span, text);
    }
    let (at, text) = insert_after(doc, array, node.entries.len() - 1, style, entries);
    edits.insert(path, at, id, text)
}

pub fn plan(
    model: &Model,
    request: &Request,
    dbs: &Allocator,
    edits: &mut EditSet,
    plan: &mut Plan,
) -> Result<(), MigrateError> {
    // One shop on several hosts behind a load balancer shares one database.
    let mut replicas: Vec<(Shop, i64, Vec<String>)> = Vec::new();
    for ep in &model.endpoints {
        let EndpointOwner::Magento(i) = ep.owner else { continue };
        let m = &model.magento[i];
        if ep.handler.value != "files" {
            plan.unchanged.push(format!(
                "{}: sessions on `{}`, left as they are",
                ep.label,
                crate::source::printable(&ep.handler.value)
            ));
            continue;
        }
        if request.user.is_some() {
            return Err(MigrateError::MagentoUser { install: ep.label.clone() });
        }
        let Some(doc) = model.file(m.file).tree.env_php() else { continue };
        let path = model.path(m.file);
        let Some(root) = doc.root_array() else {
            return Err(MigrateError::Conflict(format!("{}: env.php returns no array sesslint can edit", ep.label)));
        };
        let replica = Shop::of(model, doc, path);
        let database = match replica.as_ref().and_then(|r| replicas.iter_mut().find(|known| known.0 == *r)) {
            Some(known) => {
                known.2.extend(super::application::host_name(model, path).map(str::to_owned));
                known.1
            }
            None => {
                let d = dbs.next()?;
                if let Some(r) = replica {
                    replicas.push((
                        r,
                        d,
                        super::application::host_name(model, path).map(str::to_owned).into_iter().collect(),
                    ));
                }
                d
            }
        };
        let block = redis_block(model, request, database);
        let session = array_of(doc, root, "session");
        match session {
            Some((_, Some(sess))) => {
                let style = ArrayStyle::of(doc, sess);
                // `'save' => 'files'` becomes `'save' => 'redis'` in place.
                let save = array_of(doc, sess, "save");
                if let Some((si, _)) = save {
                    let value = doc.expr(doc.array(sess).entries[si].value).span;
                    edits.replace(path, value, encode(&style, "redis", false)?)?;
                }
                match array_of(doc, sess, "redis") {
                    Some((_, Some(redis))) => {
                        let rstyle = ArrayStyle::of(doc, redis);
                        // The missing entries go in as one insertion (into `[]` too).
                        let mut missing = Vec::new();
                        for (k, v, secret) in block.iter().filter(|(k, _, _)| REQUIRED.contains(k)) {
                            let current = m.session_redis.as_ref().and_then(|b| b.values.get(*k));
                            match current {
                                Some(c) if c.value.as_deref() == Some(v.as_str()) => {}
                                Some(c) => edits.replace(path, c.value_at.span, encode(&rstyle, v, *secret)?)?,
                                None => missing.push(
                                    rstyle.entry(k, &Value::Scalar(encode(&rstyle, v, *secret)?)).expect("no NUL"),
                                ),
                            }
                        }
                        if !missing.is_empty() {
                            append(doc, redis, path, "redis entries", &rstyle, &missing, edits)?;
                        }
                    }
                    Some((ri, None)) => {
                        return Err(MigrateError::Conflict(format!(
                            "{}: `session.redis` at byte {} is not an array sesslint can edit",
                            ep.label,
                            doc.array(sess).entries[ri].span.start
                        )))
                    }
                    None => {
                        let entries = block
                            .iter()
                            .map(|(k, v, s)| Ok((k.to_string(), Value::Scalar(encode(&style.child(), v, *s)?))))
                            .collect::<Result<Vec<_>, MigrateError>>()?;
                        let entry = style.entry("redis", &Value::Nested(entries)).expect("no NUL");
                        match save {
                            Some((si, _)) => {
                                let (at, text) = insert_after(doc, sess, si, &style, &[entry]);
                                edits.insert(path, at, "redis", text)?;
                            }
                            None => {
                                let save_entry = style
                                    .entry("save", &Value::Scalar(encode(&style, "redis", false)?))
                                    .expect("no NUL");
                                append(doc, sess, path, "session", &style, &[save_entry, entry], edits)?;
                            }
                        }
                    }
                }
            }
            Some((si, None)) => {
                return Err(MigrateError::Conflict(format!(
                    "{}: `session` at byte {} is not an array sesslint can edit",
                    ep.label,
                    doc.array(root).entries[si].span.start
                )))
            }
            None => {
                let style = ArrayStyle::of(doc, root);
                let inner = style.child().child();
                let entries = block
                    .iter()
                    .map(|(k, v, s)| Ok((k.to_string(), Value::Scalar(encode(&inner, v, *s)?))))
                    .collect::<Result<Vec<_>, MigrateError>>()?;
                let session = Value::Nested(vec![
                    ("save".into(), Value::Scalar(encode(&style, "redis", false)?)),
                    ("redis".into(), Value::Nested(entries)),
                ]);
                let entry = style.entry("session", &session).expect("no NUL");
                append(doc, root, path, "session", &style, &[entry], edits)?;
            }
        }
        plan.changes.push(format!(
            "{}: files -> redis at {}, database {} (no cache of this install uses it), retries 2",
            ep.label, request.redis, database
        ));
        plan.reloads.insert(format!(
            "the php-fpm that serves {} (only needed when opcache.validate_timestamps=0: env.php is read at each request)",
            crate::source::display_path(&m.root)
        ));
    }
    for (replica, database, hosts) in replicas.iter().filter(|r| r.2.len() > 1) {
        plan.notes.push(format!(
            "Magento {} on hosts {} shares database {database}: each host has its env.php at that place with the same crypt key, so they are one shop behind a load balancer, and a customer keeps the session whichever host serves the request",
            crate::source::display_path(&replica.place),
            hosts.join(", ")
        ));
    }
    Ok(())
}
