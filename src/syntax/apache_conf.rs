//! Apache httpd configuration, the subset that decides mod_php's ini values: directives and
//! `<Section>` nesting, split into words as httpd does (`ap_getword_conf`), lossless by span.

use crate::span::Span;
use crate::syntax::SyntaxError;

/// One word of a directive, as httpd reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// The word as written, quotes included.
    pub span: Span,
    /// What httpd makes of it: quotes removed, `\\` and `\"` (inside `"..."`) unescaped.
    pub value: Vec<u8>,
}

/// What one logical line (continuation lines joined) is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// `Name arg arg ...`.
    Directive { name: Word, args: Vec<Word> },
    /// `<Name args>`: opens a section.
    Open { name: Word, args: Vec<Word> },
    /// `</Name>`.
    Close { name: Word },
    /// A comment (`#` first on the line) or a blank line.
    Trivia,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The whole logical line, without its line end.
    pub span: Span,
    pub kind: NodeKind,
}

/// A parsed Apache file: its bytes, its lines and the errors httpd would refuse.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApacheConf {
    source: Vec<u8>,
    pub nodes: Vec<Node>,
    pub errors: Vec<SyntaxError>,
}

/// The mod_php directives and the number of arguments each takes (`AP_INIT_TAKE2`,
/// php-src sapi/apache2handler/apache_config.c `php_dir_cmds`).
pub const PHP_DIRECTIVES: &[&str] = &["php_value", "php_flag", "php_admin_value", "php_admin_flag"];

impl ApacheConf {
    /// The text of `span`.
    pub fn text(&self, span: Span) -> &[u8] {
        &self.source[span.start..span.end]
    }

    /// The file's bytes: printing an unedited tree is the identity.
    pub fn source(&self) -> &[u8] {
        &self.source
    }

    /// The tree printed back: the input bytes (every node is a span of them).
    pub fn print(&self) -> Vec<u8> {
        self.source.clone()
    }
}

/// Parse an Apache config file. Never fails: what httpd refuses becomes an error.
pub fn parse(source: &[u8]) -> ApacheConf {
    let mut conf = ApacheConf { source: source.to_vec(), ..Default::default() };
    let mut open: Vec<(Vec<u8>, Span)> = Vec::new();
    let mut pos = 0;
    while pos < source.len() {
        // A logical line: a line ending in `\` continues on the next (ap_cfg_getline).
        let start = pos;
        let mut end;
        loop {
            let nl = source[pos..].iter().position(|&b| b == b'\n').map(|i| pos + i);
            end = nl.unwrap_or(source.len());
            if end > pos && source[end - 1] == b'\r' {
                end -= 1;
            }
            let line_start = pos;
            pos = nl.map_or(source.len(), |n| n + 1);
            let continues = end > line_start && source[end - 1] == b'\\' && pos < source.len();
            if !continues {
                break;
            }
        }
        let span = Span::new(start, end);
        let kind = line(&conf.source, span, &mut conf.errors, &mut open);
        conf.nodes.push(Node { span, kind });
    }
    for (name, at) in open {
        conf.errors.push(SyntaxError::new(at, format!("<{}> is never closed", String::from_utf8_lossy(&name))));
    }
    conf
}

fn line(src: &[u8], span: Span, errors: &mut Vec<SyntaxError>, open: &mut Vec<(Vec<u8>, Span)>) -> NodeKind {
    let words = split_words(src, span);
    let Some(first) = words.first() else { return NodeKind::Trivia };
    if first.value.first() == Some(&b'#') && src[first.span.start] == b'#' {
        return NodeKind::Trivia;
    }
    if let Some(rest) = first.value.strip_prefix(b"</") {
        let name = rest.strip_suffix(b">").unwrap_or(rest).to_vec();
        match open.pop() {
            Some((o, _)) if o.eq_ignore_ascii_case(&name) => {}
            Some((o, _)) => {
                errors.push(SyntaxError::new(
                    first.span,
                    format!("</{}> closes <{}>", String::from_utf8_lossy(&name), String::from_utf8_lossy(&o)),
                ));
            }
            None => errors.push(SyntaxError::new(
                first.span,
                format!(
                    "</{}> without matching <{}> section",
                    String::from_utf8_lossy(&name),
                    String::from_utf8_lossy(&name)
                ),
            )),
        }
        let name = Word { span: first.span, value: name };
        return NodeKind::Close { name };
    }
    if let Some(rest) = first.value.strip_prefix(b"<") {
        let mut args: Vec<Word> = words[1..].to_vec();
        let mut name = rest.to_vec();
        // `<IfModule mod_php.c>`: the `>` ends the last word (or the name itself).
        let target = match args.last_mut() {
            Some(last) => &mut last.value,
            None => &mut name,
        };
        let closed = target.last() == Some(&b'>');
        if closed {
            target.pop();
        }
        if !closed {
            errors.push(SyntaxError::new(span, "a section line must end with `>`"));
        }
        if args.last().is_some_and(|a| a.value.is_empty()) {
            args.pop();
        }
        open.push((name.clone(), first.span));
        return NodeKind::Open { name: Word { span: first.span, value: name }, args };
    }
    let name = first.clone();
    let args = words[1..].to_vec();
    let lower = name.value.to_ascii_lowercase();
    if PHP_DIRECTIVES.iter().any(|d| d.as_bytes() == lower.as_slice()) && args.len() != 2 {
        errors.push(SyntaxError::new(
            span,
            format!("{} takes two arguments, PHP Value Modifier", String::from_utf8_lossy(&name.value)),
        ));
    }
    NodeKind::Directive { name, args }
}

/// Split a logical line into words as `ap_getword_conf` does: blanks separate words; a word
/// that starts with `"` or `'` runs to the same unescaped quote; `\\` is one `\`, and inside
/// quotes `\<quote>` is the quote. A continuation `\` + line end counts as a blank.
fn split_words(src: &[u8], span: Span) -> Vec<Word> {
    let mut out = Vec::new();
    let mut i = span.start;
    let end = span.end;
    let blank = |i: usize| {
        matches!(src[i], b' ' | b'\t' | b'\r' | b'\n')
            || (src[i] == b'\\' && i + 1 < end && matches!(src[i + 1], b'\r' | b'\n'))
    };
    while i < end {
        while i < end && blank(i) {
            i += 1;
        }
        if i >= end {
            break;
        }
        let start = i;
        let quote = matches!(src[i], b'"' | b'\'').then_some(src[i]);
        let mut value = Vec::new();
        if let Some(q) = quote {
            i += 1;
            while i < end && src[i] != q {
                if src[i] == b'\\' && i + 1 < end && (src[i + 1] == q || src[i + 1] == b'\\') {
                    value.push(src[i + 1]);
                    i += 2;
                } else {
                    value.push(src[i]);
                    i += 1;
                }
            }
            if i < end {
                i += 1; // the closing quote
            }
        } else {
            while i < end && !blank(i) {
                if src[i] == b'\\' && i + 1 < end && src[i + 1] == b'\\' {
                    value.push(b'\\');
                    i += 2;
                } else {
                    value.push(src[i]);
                    i += 1;
                }
            }
        }
        out.push(Word { span: Span::new(start, i), value });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(conf: &ApacheConf) -> Vec<(String, Vec<String>)> {
        conf.nodes
            .iter()
            .filter_map(|n| match &n.kind {
                NodeKind::Directive { name, args } | NodeKind::Open { name, args } => Some((
                    String::from_utf8_lossy(&name.value).into_owned(),
                    args.iter().map(|a| String::from_utf8_lossy(&a.value).into_owned()).collect(),
                )),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn remi_php_conf_words() {
        let src = b"# mod_php options\n<IfModule  mod_php.c>\n    php_value session.save_handler \"files\"\n    php_value session.save_path    \"/var/lib/php/session\"\n    #php_value opcache.file_cache   \"/var/lib/php/opcache\"\n</IfModule>\n";
        let c = parse(src);
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        assert_eq!(
            values(&c),
            [
                ("IfModule".to_owned(), vec!["mod_php.c".to_owned()]),
                ("php_value".to_owned(), vec!["session.save_handler".to_owned(), "files".to_owned()]),
                ("php_value".to_owned(), vec!["session.save_path".to_owned(), "/var/lib/php/session".to_owned()]),
            ]
        );
    }

    #[test]
    fn quotes_escapes_continuations_and_errors() {
        let c = parse(b"php_value session.save_path \"tcp://h:1?auth=a\\\"b\" \n");
        assert_eq!(values(&c)[0].1[1], "tcp://h:1?auth=a\"b");
        let c = parse(b"php_value session.save_path \\\n  'tcp://h:1'\n");
        assert_eq!(values(&c)[0].1, ["session.save_path", "tcp://h:1"]);
        assert_eq!(c.nodes.len(), 1);
        let c = parse(b"php_value session.save_path tcp://h:1 extra\n");
        assert_eq!(c.errors.len(), 1);
        let c = parse(b"<VirtualHost *:80>\nphp_value a b\n");
        assert_eq!(c.errors.len(), 1, "unclosed section");
        let src = b"<Directory /var/www>\r\n  php_admin_flag session.use_strict_mode on\r\n</Directory>\r\n";
        let c = parse(src);
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        let printed: Vec<u8> = c.source().to_vec();
        assert_eq!(printed, src.to_vec());
    }
}
