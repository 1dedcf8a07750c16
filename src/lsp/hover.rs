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
        code(&format!("{}:{line}", shown(model.path(at.file))))
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
                    code(crate::secrets::MASK)
                } else {
                    effective(ctx, key, ev)
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
                // The pool the model read the line in: php-fpm carries its section across
                // files, so a line above this file's first header may be another file's pool.
                let reads_here = |p: &&crate::model::FpmPool| {
                    p.layer.is_none()
                        && (p.overrides.values().any(|o| o.lines.iter().any(|(_, _, at)| is_here(at)))
                            || p.settings.values().any(|v| v.set_at.iter().chain(&v.shadowed).any(is_here)))
                };
                let pool_name = section.as_ref().filter(|s| !s.eq_ignore_ascii_case("global"));
                let pool =
                    model.pools.iter().find(reads_here).or_else(|| {
                        pool_name.and_then(|n| model.pools.iter().find(|p| p.name.eq_ignore_ascii_case(n)))
                    });
                match (&entry.offset, pool) {
                    (Some(off), Some(pool)) => {
                        let name = String::from_utf8_lossy(doc.text(off.span)).trim_matches(['"', '\'']).to_owned();
                        title = name.clone();
                        if let Some(ev) = pool.effective(&name, &model.php) {
                            lines.push(format!("pool {}: {}", text(&pool.name), describe(&name, &ev)));
                        }
                    }
                    (None, Some(pool)) => {
                        title = key.clone();
                        if let Some(ev) = pool.settings.get(&key) {
                            lines.push(format!("pool {}: {}", text(&pool.name), describe(&key, ev)));
                        }
                    }
                    _ if section.is_none() && file.role == Role::FpmPool => {
                        title = key.clone();
                        lines.push(
                            "php-fpm reads this line in the section left open by what it read before this file, which sesslint does not know"
                                .to_owned(),
                        );
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
                        lines.push(format!("php {}: {}", text(setup.sapi_name()), describe(&key, &ev)));
                        continue;
                    }
                    for pool in pools {
                        match (pool.overrides.get(&key), pool.effective(&key, &model.php)) {
                            (Some(o), Some(ev)) => lines.push(format!(
                                "pool {}: {}, shadowed by pool {} ({})",
                                text(&pool.name),
                                effective(ctx, &key, &ev),
                                text(&pool.name),
                                place(o.set_at)
                            )),
                            (None, Some(ev)) => lines.push(format!(
                                "pool {} ({}): {}",
                                text(&pool.name),
                                text(setup.sapi_name()),
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
            Some((render(&code(&title), &lines), span))
        }
        Role::RedisConf => {
            let conf = file.tree.redis()?;
            // Lines as redis-server reads them: up to each `\n` (a lone `\r` ends none,
            // though an editor starts a new line there). A line's span ends after its `\n`,
            // where the next line starts: the line at `offset` is the first that ends past
            // it; the text's end is its last line's only when that has no `\n`.
            let lines = conf.lines();
            let at = lines.partition_point(|l| l.span.end <= offset);
            let bytes = &file.source.bytes;
            let unended = |l: &&crate::syntax::redis_conf::Line| l.span.end == offset && bytes.last() != Some(&b'\n');
            let line = lines.get(at).or_else(|| lines.last().filter(unended))?;
            let d = conf.directive(line)?;
            // Why redis-server refuses this line (`databases 16\rmaxclients 10` is one line
            // of three arguments to it), if it does: then nothing in it is set.
            let refused = file.syntax_errors.iter().find(|e| line.span.contains(e.span.start));
            let name = d.name_lowercase();
            let canonical = match directives::lookup(&name) {
                directives::Lookup::Table { def, .. } => def.name.to_owned(),
                _ => name.clone(),
            };
            // Up to the position asked: a lone `\r` ending the text is in the last line.
            let span = Span::new(d.span().start.min(offset), d.span().end.max(offset));
            let is_here = |at: &Location| at.file == id && span.contains(at.span.start);
            let mut lines = Vec::new();
            for server in &model.redis {
                let reads_file = server.file == id || server.settings.values().any(|(_, at)| at.file == id);
                if !reads_file {
                    continue;
                }
                let who = format!("redis {}", code(&shown(model.path(server.file))));
                if let Some(e) = refused {
                    let mut message = e.message.to_string();
                    if let Some(q) = e.quoted.clone().filter(|_| !ctx.show_secrets) {
                        message.replace_range(q, crate::secrets::MASK);
                    }
                    lines.push(format!("{who}: will not start: redis-server refuses this line: {}", text(&message)));
                    continue;
                }
                match server.settings.get(&canonical) {
                    Some((value, at)) if is_here(at) => {
                        lines.push(format!("{who}: {}, set here", code(&ctx.redis_setting(&canonical, value))))
                    }
                    Some((value, at)) => lines.push(format!(
                        "{who}: {}, set at {} (overrides this line)",
                        code(&ctx.redis_setting(&canonical, value)),
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
                    "user" | "aclfile" | "requirepass" | "protected-mode" if !server.users_known() => lines.push(format!(
                        "{who}: which users it has, the default one included, is not known here ({}); nor, so, whether protected mode applies",
                        server.users_unknown_why().unwrap_or_default()
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
                    lines.push(format!("{who}: will not start: {}", text(&f.message)));
                }
                for f in server.acl_file_not_read.iter().filter(|f| is_here(&f.at)) {
                    lines.push(format!("{who}: not read: {}", text(&f.message)));
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
            let title =
                if canonical != name { format!("{} (= {})", code(&shown), code(&canonical)) } else { code(&shown) };
            Some((render(&title, &lines), span))
        }
        _ => None,
    }
}

/// `` `value` `` of an effective ini value as hover Markdown, masked by field (see
/// [`ReportContext::setting`]), with a note when it depends on the environment of PHP.
fn effective(ctx: &ReportContext<'_>, key: &str, v: &EffectiveValue) -> String {
    let shown = code(&ctx.setting(key, &v.value));
    match &v.depends_on_env {
        Some(names) => format!("{shown} (depends on PHP's environment: {}, unknown here)", text(names)),
        None => shown,
    }
}

/// `value` (a config's text) as one CommonMark code span that nothing in it can end: fenced
/// with one backtick more than its longest run of backticks, and padded with a space on
/// each side when it starts or ends with a backtick or a space (CommonMark strips one
/// space from each side of a span's content when both are there). Inside a code span no
/// link, image, HTML or autolink is recognised. Control characters are escaped.
fn code(value: &str) -> String {
    let value = crate::source::printable(value);
    let (mut longest, mut run) = (0, 0);
    for b in value.bytes() {
        run = if b == b'`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if value.starts_with(['`', ' ']) || value.ends_with(['`', ' ']) { " " } else { "" };
    format!("{fence}{pad}{value}{pad}{fence}")
}

/// `value` (a pool's name, a SAPI's, a message quoting a config) as plain Markdown
/// text: every ASCII punctuation character backslash-escaped (CommonMark lets any be), so
/// no link, image, HTML, emphasis, code span or autolink starts in it. Control characters
/// are escaped first.
fn text(value: &str) -> String {
    let value = crate::source::printable(value);
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The hover's Markdown: `title` (Markdown already, its config text in code spans) in bold,
/// then one list item a line.
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

    /// A line above a pool file's first header is php-fpm's in the pool the file read
    /// before it left open (asked of php-fpm8.2 in tests/fpm_reading_order_live.rs): hover
    /// names that pool, not `[global]`; without php-fpm.conf it says the section is not known.
    #[test]
    fn a_line_above_a_pool_files_header_is_shown_in_the_pool_php_fpm_reads_it_in() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fpm = dir.path().join("etc/php/8.2/fpm");
        std::fs::create_dir_all(fpm.join("pool.d")).expect("mkdir");
        let main = "[global]\ninclude=/etc/php/8.2/fpm/pool.d/*.conf\n";
        std::fs::write(fpm.join("pool.d/a.conf"), "[a]\nlisten = /run/a.sock\n").expect("write");
        let b = "php_value[session.name] = CARRIED\n[b]\nlisten = /run/b.sock\n";
        std::fs::write(fpm.join("pool.d/b.conf"), b).expect("write");
        let shown = |p: &Path| p.display().to_string();
        for (with_main, says) in [(true, "pool a: `CARRIED`, set here"), (false, "which sesslint does not know")] {
            if with_main {
                std::fs::write(fpm.join("php-fpm.conf"), main).expect("write");
            } else {
                std::fs::remove_file(fpm.join("php-fpm.conf")).expect("rm");
            }
            let model = crate::model::build(&[dir.path().to_path_buf()], &Default::default());
            let ctx = ReportContext::new(&model, false, false);
            let (md, _) = hover(&model, &fpm.join("pool.d/b.conf"), 3, &ctx, &shown).expect("hover");
            assert!(md.contains(says), "with php-fpm.conf {with_main}: {md}");
            assert!(!md.contains("global"), "{md}");
        }
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

    /// The code spans of hover Markdown (CommonMark: a run of n backticks up to the next run
    /// of exactly n, one space stripped from each side when both are there), and the text
    /// outside them with backslash escapes removed: what an editor renders as code, and
    /// what it parses for links, images, HTML and autolinks.
    fn code_spans_and_rest(md: &str) -> (Vec<String>, String) {
        let b = md.as_bytes();
        let (mut spans, mut rest, mut i) = (Vec::new(), String::new(), 0);
        let run = |at: usize| b[at..].iter().take_while(|&&c| c == b'`').count();
        while i < b.len() {
            if b[i] == b'\\' && b.get(i + 1).is_some_and(u8::is_ascii_punctuation) {
                rest.push('_');
                i += 2;
                continue;
            }
            if b[i] == b'`' {
                let n = run(i);
                let mut j = i + n;
                let close = loop {
                    match md[j..].find('`') {
                        None => break None,
                        Some(k) if run(j + k) == n => break Some(j + k),
                        Some(k) => j += k + run(j + k),
                    }
                };
                if let Some(close) = close {
                    let content = &md[i + n..close];
                    let strip = content.len() >= 2
                        && content.starts_with(' ')
                        && content.ends_with(' ')
                        && !content.bytes().all(|c| c == b' ');
                    spans.push(if strip { content[1..content.len() - 1].to_owned() } else { content.to_owned() });
                    i = close + n;
                    continue;
                }
                rest.push_str(&md[i..i + n]);
                i += n;
                continue;
            }
            let c = md[i..].chars().next().expect("char");
            rest.push(c);
            i += c.len_utf8();
        }
        (spans, rest)
    }

    /// A value, name or message from a config cannot end its code span or start Markdown
    /// of its own in a hover: every hostile value is shown whole as one code span, and
    /// outside code spans nothing opens a link, image, HTML tag or autolink.
    #[test]
    fn config_text_in_a_hover_is_not_markdown() {
        let dir = tempfile::tempdir().expect("tempdir");
        let values = [
            ("session.save_path", "/tmp/`![x](https://evil.example/beacon.png)`"),
            ("session.name", "a`[run](command:workbench.action.terminal.new)`"),
            ("session.cookie_domain", "``<http://evil.example>`` "),
            ("session.cookie_path", "<img src=x onerror=alert(1)>[y]: http://evil.example"),
            ("session.referer_check", "`"),
        ];
        let mut ini = String::from("[Session]\nsession.save_handler = files\n");
        for (k, v) in values {
            ini.push_str(&format!("{k} = \"{v}\"\n"));
        }
        let redis_values =
            [("logfile", "/x`[click](https://evil.example)`"), ("pidfile", "``a```![i](http://evil.example)")];
        let mut redis = String::from("bind 127.0.0.1\n");
        for (k, v) in redis_values {
            redis.push_str(&format!("{k} \"{v}\"\n"));
        }
        let pool = "[www]\nuser = www\nlisten = /run/w.sock\nphp_admin_value[session.name] = \"<b>`x`</b>\"\n";
        let files = [
            ("etc/php/8.2/cli/php.ini", ini.as_str()),
            ("etc/redis/redis.conf", redis.as_str()),
            ("etc/php/8.2/fpm/pool.d/www.conf", pool),
        ];
        for (rel, text) in files {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
            std::fs::write(&path, text).expect("write");
        }
        let model = crate::model::build(&[dir.path().to_path_buf()], &Default::default());
        let ctx = ReportContext::new(&model, true, false);
        let shown = |p: &Path| p.display().to_string();
        let wanted = values.iter().chain(&redis_values).map(|(_, v)| *v).chain(["<b>`x`</b>"]);
        let mut shown_values = Vec::new();
        let mut hovered = 0;
        for (rel, text) in files {
            let path = dir.path().join(rel);
            for (start, _) in text.match_indices('\n').map(|(i, _)| (i + 1, ())).chain([(0, ())]) {
                if start >= text.len() || text[start..].starts_with('[') {
                    continue;
                }
                let Some((md, _)) = hover(&model, &path, start + 1, &ctx, &shown) else { continue };
                hovered += 1;
                // The title (a name from the config) is a code span too.
                assert!(md.starts_with("**`"), "{rel}: {md:?}");
                let (spans, rest) = code_spans_and_rest(&md);
                for bad in ["[", "]", "<", ">", "://", "www.", "evil"] {
                    assert!(!rest.contains(bad), "{rel}: {bad:?} outside code spans in {md:?} (read as {rest:?})");
                }
                shown_values.extend(spans);
            }
        }
        assert!(hovered >= 10, "{hovered} hovers");
        for v in wanted {
            assert!(shown_values.iter().any(|s| s == v), "{v:?} not shown whole as one code span: {shown_values:?}");
        }
    }

    #[test]
    fn a_code_span_is_fenced_past_its_backticks() {
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`a"), "`` `a ``");
        assert_eq!(code("a``"), "``` a`` ```");
        assert_eq!(code(" a "), "`  a  `");
        assert_eq!(code("/tmp"), "`/tmp`");
        assert_eq!(text("[x](y) <a> `c` *e*"), r"\[x\]\(y\) \<a\> \`c\` \*e\*");
    }

    /// A redis.conf hover follows redis-server's lines, up to each `\n`: after a final `\n`
    /// (or `\r\n`) the empty line is no line's; a final lone `\r` is in the last line; a
    /// `\r` inside a line ends nothing, so `databases 16\rmaxclients 10` is one line of
    /// three arguments, which redis-server refuses (tests/redis_lines_as_read.rs asks it):
    /// nothing in it is "set here".
    #[test]
    fn a_redis_conf_hover_follows_redis_servers_lines() {
        use crate::lsp::convert::{Encoding, LineIndex};
        use lsp_types::Position;
        for (end, answered) in [("\n", false), ("\r\n", false), ("\r", true), ("", true)] {
            let dir = tempfile::tempdir().expect("tempdir");
            let conf = dir.path().join("etc/redis/redis.conf");
            std::fs::create_dir_all(conf.parent().expect("dir")).expect("mkdir");
            let text = format!("bind 127.0.0.1\nport 6379{end}");
            std::fs::write(&conf, &text).expect("write");
            let model = crate::model::build(&[dir.path().to_path_buf()], &Default::default());
            let ctx = ReportContext::new(&model, false, false);
            let shown = |p: &Path| p.display().to_string();
            let index = LineIndex::new(text.as_bytes());
            let pos = index.position(text.len(), Encoding::Utf16);
            let got = hover(&model, &conf, text.len(), &ctx, &shown);
            assert_eq!(got.is_some(), answered, "{end:?}: at {pos:?}: {got:?}");
            if let Some((md, span)) = got {
                let range = index.range(span, Encoding::Utf16);
                assert!(md.contains("**`port`**") && range.start <= pos && pos <= range.end, "{end:?}: {md} {range:?}");
            }
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let conf = dir.path().join("etc/redis/redis.conf");
        std::fs::create_dir_all(conf.parent().expect("dir")).expect("mkdir");
        let text = "bind 127.0.0.1\ndatabases 16\rmaxclients 10\nport 6379\n";
        std::fs::write(&conf, text).expect("write");
        let model = crate::model::build(&[dir.path().to_path_buf()], &Default::default());
        let ctx = ReportContext::new(&model, false, false);
        let shown = |p: &Path| p.display().to_string();
        let index = LineIndex::new(text.as_bytes());
        for word in ["databases", "16", "maxclients", "10"] {
            let at = text.find(word).expect("word");
            let (md, span) = hover(&model, &conf, at, &ctx, &shown).expect("hover");
            assert!(md.starts_with("**`databases`**"), "{word}: {md}");
            assert!(md.contains("refuses this line") && !md.contains("set here"), "{word}: {md}");
            let pos = index.position(at, Encoding::Utf16);
            let range = index.range(span, Encoding::Utf16);
            assert!(range.start <= pos && pos <= range.end, "{word}: {pos:?} {range:?}");
            assert_eq!(range.start, Position { line: 1, character: 0 }, "{word}");
        }
        let (md, _) = hover(&model, &conf, text.find("port").expect("port"), &ctx, &shown).expect("hover");
        assert!(md.contains("set here"), "{md}");
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
            // As rendered: Markdown's backslash escapes taken away.
            let md = md.replace("\\*", "*").replace("\\\"", "\"");
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
