//! Hover on a directive: the value in effect for every PHP setup, php-fpm pool or Redis
//! server that reads the line, and where that value was set. The line is found in the
//! model's syntax tree of the file; nothing is parsed again.

use std::path::Path;

use crate::discover::Role;
use crate::model::{EffectiveValue, Location, Model};
use crate::report::ReportContext;
use crate::span::Span;
use crate::syntax::ini::NodeKind;
use crate::syntax::redis_conf::directives;

/// Markdown for the directive at `offset` of the file at `path`, and the span it covers.
pub fn hover(
    model: &Model,
    path: &Path,
    offset: usize,
    ctx: &ReportContext<'_>,
    shown: &dyn Fn(&Path) -> String,
) -> Option<(String, Span)> {
    let id = model.file_id(path)?;
    let file = model.file(id);
    let place = |at: Location| {
        let line = model.file(at.file).source.position(at.span.start).line;
        format!("{}:{line}", shown(model.path(at.file)))
    };
    match file.role {
        Role::PhpIni | Role::PhpScanIni | Role::PhpIniTemplate | Role::FpmMain | Role::FpmPool => {
            let fpm = matches!(file.role, Role::FpmMain | Role::FpmPool);
            let doc = file.tree.ini()?;
            let mut section: Option<String> = None;
            let mut found = None;
            for node in &doc.nodes {
                if node.span.start > offset {
                    break;
                }
                match &node.kind {
                    NodeKind::Section(s) => section = Some(String::from_utf8_lossy(doc.text(s.name.span)).into_owned()),
                    NodeKind::Entry(e) if node.span.start <= offset && offset <= node.span.end => {
                        found = Some((node.span, e.clone()));
                    }
                    _ => {}
                }
            }
            let (span, entry) = found?;
            let key = String::from_utf8_lossy(doc.text(entry.key)).into_owned();
            let is_here = |at: &Location| at.file == id && span.contains(at.span.start);
            let describe = |key: &str, ev: &EffectiveValue| -> String {
                // A value that is a secret where it stands (a `pw` a save path's `${pw}`
                // names) is masked whatever its key; a save path by its credentials.
                let secret_here = |ev: &EffectiveValue| {
                    let (Some(at), Some(span)) = (ev.set_at, ev.value_span) else { return false };
                    !span.is_empty()
                        && model.file(at.file).secrets().iter().any(|s| s.start < span.end && span.start < s.end)
                };
                let value = if !ctx.show_secrets && !key.contains("save_path") && secret_here(ev) {
                    format!("`{}`", crate::secrets::MASK)
                } else {
                    ctx.effective(key, ev)
                };
                match ev.set_at {
                    Some(at) if is_here(&at) => format!("{value}, set here"),
                    Some(at) if ev.shadowed.iter().any(is_here) => {
                        format!("{value}, set at {} (shadows this line)", place(at))
                    }
                    Some(at) => format!("{value}, set at {}", place(at)),
                    None => format!("{value} (built-in default)"),
                }
            };
            let mut lines = Vec::new();
            let title;
            if fpm {
                let pool_name = section.filter(|s| !s.eq_ignore_ascii_case("global"));
                let pool = pool_name.and_then(|n| model.pools.iter().find(|p| p.name.eq_ignore_ascii_case(&n)));
                match (&entry.offset, pool) {
                    (Some(off), Some(pool)) => {
                        let name = String::from_utf8_lossy(doc.text(off.span)).trim_matches(['"', '\'']).to_owned();
                        title = name.clone();
                        if let Some(ev) = pool.effective(&name, &model.php) {
                            lines.push(format!("pool {}: {}", pool.name, describe(&name, &ev)));
                        }
                    }
                    (None, Some(pool)) => {
                        title = key.clone();
                        if let Some(ev) = pool.settings.get(&key) {
                            lines.push(format!("pool {}: {}", pool.name, describe(&key, ev)));
                        }
                    }
                    _ => {
                        title = key.clone();
                        lines.push("php-fpm global setting".to_owned());
                    }
                }
            } else if file.role == Role::PhpIniTemplate {
                title = key.clone();
                lines.push("a template: no PHP setup reads this file where it is".to_owned());
            } else {
                title = key.clone();
                for (i, setup) in model.php.iter().enumerate() {
                    if setup.php_ini != Some(id) && !setup.scan_files.contains(&id) {
                        continue;
                    }
                    let Some(ev) = setup.get(&key) else { continue };
                    let pools: Vec<_> = model.pools.iter().filter(|p| p.setup == Some(i)).collect();
                    if pools.is_empty() {
                        lines.push(format!("php {}: {}", setup.sapi_name(), describe(&key, &ev)));
                        continue;
                    }
                    for pool in pools {
                        match (pool.overrides.get(&key), pool.effective(&key, &model.php)) {
                            (Some(o), Some(ev)) => lines.push(format!(
                                "pool {}: {}, shadowed by pool {} ({})",
                                pool.name,
                                ctx.effective(&key, &ev),
                                pool.name,
                                place(o.set_at)
                            )),
                            (None, Some(ev)) => lines.push(format!(
                                "pool {} ({}): {}",
                                pool.name,
                                setup.sapi_name(),
                                describe(&key, &ev)
                            )),
                            _ => {}
                        }
                    }
                }
                if lines.is_empty() {
                    lines.push("no PHP setup in the workspace reads this file".to_owned());
                }
            }
            Some((render(&title, &lines), span))
        }
        Role::RedisConf => {
            let conf = file.tree.redis()?;
            // A line's span ends after its `\n`, where the next line starts: the line at
            // `offset` is the first that ends past it (the text's end: its last line).
            let lines = conf.lines();
            let at = lines.partition_point(|l| l.span.end <= offset);
            let line = lines.get(at).or_else(|| lines.last().filter(|l| l.span.end == offset))?;
            let d = conf.directive(line)?;
            let name = d.name_lowercase();
            let canonical = match directives::lookup(&name) {
                directives::Lookup::Table { def, .. } => def.name.to_owned(),
                _ => name.clone(),
            };
            let span = d.span();
            let is_here = |at: &Location| at.file == id && span.contains(at.span.start);
            let mut lines = Vec::new();
            for server in &model.redis {
                let reads_file = server.file == id || server.settings.values().any(|(_, at)| at.file == id);
                if !reads_file {
                    continue;
                }
                let who = format!("redis {}", shown(model.path(server.file)));
                match server.settings.get(&canonical) {
                    Some((value, at)) if is_here(at) => {
                        lines.push(format!("{who}: `{}`, set here", ctx.redis_setting(&canonical, value)))
                    }
                    Some((value, at)) => lines.push(format!(
                        "{who}: `{}`, set at {} (overrides this line)",
                        ctx.redis_setting(&canonical, value),
                        place(*at)
                    )),
                    None => lines.push(format!("{who}: not a setting with a single value")),
                }
                // What the line means for who gets in, as redis-server decides it.
                let u = &server.default_user;
                match canonical.as_str() {
                    "requirepass" if u.requirepass_overridden.is_some() => lines.push(format!(
                        "{who}: this password does not count: {}",
                        if server.aclfile.is_some() {
                            "with `aclfile`, the ACL file decides the default user"
                        } else {
                            "a `user default` line decides the default user, in either order"
                        }
                    )),
                    "user" | "aclfile" | "requirepass" | "protected-mode" => lines.push(format!(
                        "{who}: the default user {}; protected mode {}",
                        if u.is_open() { "needs no password" } else { "needs a password or is off" },
                        if server.protection() == crate::model::redis::Protection::RemoteDenied {
                            "refuses clients from other hosts"
                        } else {
                            "does not apply"
                        }
                    )),
                    _ => {}
                }
                for f in server.startup_failures.iter().filter(|f| is_here(&f.at)) {
                    lines.push(format!("{who}: will not start: {}", f.message));
                }
            }
            if lines.is_empty() {
                lines.push("no Redis server in the workspace reads this file".to_owned());
            }
            // A name glued to its password (`requirepass=pw`, `requirepass` + a no-break
            // space + `pw`, `"requirepass\x01pw"`) is shown up to where the secret starts,
            // as written: the span's bytes, not the unquoted name (whose offsets differ
            // from the file's once quotes or escapes stand in it), control bytes escaped.
            let secrets = model.file(id).secrets();
            let inside =
                secrets.iter().filter(|s| s.start < d.name.span.end && s.end > d.name.span.start).map(|s| s.start);
            let shown = match inside.min() {
                Some(start) if !ctx.show_secrets => {
                    let kept = Span::new(d.name.span.start, start.max(d.name.span.start)).slice(&file.source.bytes);
                    let kept = String::from_utf8_lossy(kept).to_ascii_lowercase();
                    format!("{}{}", crate::source::printable(&kept), crate::secrets::MASK)
                }
                _ => crate::source::printable(&name).into_owned(),
            };
            let title = if canonical != name { format!("{shown} (= {canonical})") } else { shown };
            Some((render(&title, &lines), span))
        }
        _ => None,
    }
}

fn render(title: &str, lines: &[String]) -> String {
    let mut out = format!("**{title}**\n\n");
    for l in lines {
        out.push_str("- ");
        out.push_str(l);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_requirepass_that_does_not_count_says_so() {
        let dir = tempfile::tempdir().expect("tempdir");
        let conf = dir.path().join("etc/redis/redis.conf");
        std::fs::create_dir_all(conf.parent().expect("dir")).expect("mkdir");
        let text = "bind 127.0.0.1\nrequirepass s3cret-pw\nuser default on nopass ~* +@all\n";
        std::fs::write(&conf, text).expect("write");
        let model = crate::model::build(&[dir.path().to_path_buf()], &Default::default());
        let ctx = ReportContext::new(&model, false, false);
        let shown = |p: &Path| p.display().to_string();
        let at = text.find("requirepass").expect("line") + 1;
        let (md, _) = hover(&model, &conf, at, &ctx, &shown).expect("hover");
        assert!(md.contains("this password does not count"), "{md}");
        assert!(!md.contains("s3cret-pw"), "{md}");
    }

    /// A hover at every line's first and last column (the server's own position -> offset
    /// -> range path, UTF-16 and UTF-8) answers for what stands there: the range it gives
    /// holds the position asked, never the line above's (a redis.conf line's span ends
    /// after its `\n`, which is where the next line starts). LF, CRLF and lone-CR lines, the
    /// first line and a last line without a line end, in each format hover knows.
    #[test]
    fn a_hover_at_a_lines_first_or_last_column_answers_for_that_line() {
        use crate::lsp::convert::{Encoding, LineIndex};
        use lsp_types::Position;
        let dir = tempfile::tempdir().expect("tempdir");
        let files = [
            ("etc/redis/redis.conf", "port 6379\nbind 127.0.0.1\r\nprotected-mode yes\n\n# c\ndatabases 16\rmaxclients 10\ntimeout 0"),
            ("etc/php/8.2/cli/php.ini", "session.save_handler = files\nsession.gc_maxlifetime = 1440\r\n\r\n; c\nsession.name = A\rsession.use_cookies = 1\n[PHP]\nsession.save_path = \"/tmp\""),
            ("etc/php/8.2/fpm/pool.d/www.conf", "[www]\nlisten = 127.0.0.1:9000\r\nphp_admin_value[session.save_handler] = files\npm = static\rpm.max_children = 5\nuser = www"),
        ];
        for (rel, text) in files {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
            std::fs::write(&path, text).expect("write");
        }
        let model = crate::model::build(&[dir.path().to_path_buf()], &Default::default());
        let ctx = ReportContext::new(&model, false, false);
        let shown = |p: &Path| p.display().to_string();
        for (rel, text) in files {
            let path = dir.path().join(rel);
            let index = LineIndex::new(text.as_bytes());
            let lines: Vec<&str> = text.split(['\n', '\r']).collect();
            // `split` on both gives an empty piece between `\r` and `\n`: LSP's lines are
            // those of LineIndex, counted here from its own positions.
            let last_line = index.position(text.len(), Encoding::Utf16).line;
            let mut answered = 0;
            for line in 0..=last_line {
                let start = index.offset(Position { line, character: 0 }, Encoding::Utf16);
                let end = index.offset(Position { line, character: u32::MAX }, Encoding::Utf16);
                let width = u32::try_from(end - start).expect("short line");
                for character in [0, width] {
                    for enc in [Encoding::Utf16, Encoding::Utf8] {
                        let pos = Position { line, character };
                        let offset = index.offset(pos, enc);
                        let Some((_, span)) = hover(&model, &path, offset, &ctx, &shown) else { continue };
                        answered += 1;
                        let range = index.range(span, enc);
                        assert!(
                            range.start <= pos && pos <= range.end,
                            "{rel}: hover at {pos:?} ({:?}) answered for {range:?} ({:?})",
                            &text[start..end],
                            &text[span.start..span.end]
                        );
                    }
                }
            }
            let directives = lines.iter().filter(|l| !l.is_empty() && !l.starts_with(['#', ';', '['])).count();
            assert!(answered >= directives * 2, "{rel}: {answered} hovers answered for {directives} directive lines");
        }
    }

    /// A quoted name glued to its password (`"requirepass\x01pw"`, redis-server refuses the
    /// line) is titled as written up to the password: the quote and the escape do not
    /// shift the cut into the password, and no control byte is shown raw.
    #[test]
    fn a_glued_name_is_titled_up_to_its_password_as_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let conf = dir.path().join("etc/redis/redis.conf");
        std::fs::create_dir_all(conf.parent().expect("dir")).expect("mkdir");
        let text = "bind 127.0.0.1\n\"requirepass\\x01Qpw1\"\n\"requirepass=Qpw2\"\nrequirepass\u{1}Qpw3\n\"\\x72equirepass=Qpw4\"\n";
        std::fs::write(&conf, text).expect("write");
        let model = crate::model::build(&[dir.path().to_path_buf()], &Default::default());
        let shown = |p: &Path| p.display().to_string();
        for (i, line) in text.lines().enumerate().skip(1) {
            let at = text.find(line).expect("line") + 1;
            let (md, _) = hover(&model, &conf, at, &ReportContext::new(&model, false, false), &shown).expect("hover");
            assert!(!md.to_ascii_lowercase().contains(&format!("qpw{i}")), "{line:?}: {md}");
            assert!(
                !md.to_ascii_lowercase().contains("q*"),
                "{line:?}: a letter of the password before the mask: {md}"
            );
            assert!(md.contains(crate::secrets::MASK) && !md.contains('\u{1}'), "{line:?}: {md}");
            let (md, _) = hover(&model, &conf, at, &ReportContext::new(&model, true, false), &shown).expect("hover");
            assert!(md.to_ascii_lowercase().contains(&format!("qpw{i}")), "{line:?}: --show-secrets hides it: {md}");
        }
    }
}
