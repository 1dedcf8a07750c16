//! Inline suppressions in each format's own comment syntax:
//! `; sesslint: ignore[SL105]` (php.ini, conf.d, php-fpm), `# sesslint: ignore[SL201]`
//! (redis.conf, on a line of its own: a `#` after a directive is an argument there), and
//! `// sesslint: ignore[SL303]` or `# ...` in env.php. A suppression covers findings on its own
//! line and on the line below it.

use crate::discover::Role;
use crate::model::{FileId, Model};
use crate::span::Span;

pub const MARKER: &str = "sesslint: ignore";

#[derive(Clone, Debug)]
pub struct Suppression {
    pub file: FileId,
    /// 1-based line of the comment.
    pub line: usize,
    /// The `sesslint: ignore[...]` text.
    pub span: Span,
    /// Codes or prefixes; empty for a bare `ignore` (which covers every code).
    pub codes: Vec<String>,
    /// Which of `codes` suppressed something (for a bare one: index 0 = anything).
    pub used: Vec<bool>,
}

impl Suppression {
    pub fn is_bare(&self) -> bool {
        self.codes.is_empty()
    }
}

/// A `sesslint: ignore[...]` comment in one file, found when the file is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoreComment {
    /// 1-based line of the comment.
    pub line: usize,
    pub span: Span,
    pub codes: Vec<String>,
}

/// The suppression comments of one file of the given role.
pub fn scan(role: Role, bytes: &[u8]) -> Vec<IgnoreComment> {
    let mut out = Vec::new();
    // Most files have none: one vectorised search instead of a look at every line.
    if memchr::memmem::find(bytes, MARKER.as_bytes()).is_none() {
        return out;
    }
    let mut offset = 0;
    for (n, line) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        if let Some(s) = in_comment(role, line) {
            let (codes, len) = parse_codes(&line[s + MARKER.len()..]);
            out.push(IgnoreComment {
                line: n + 1,
                span: Span::new(offset + s, offset + s + MARKER.len() + len),
                codes,
            });
        }
        offset += line.len();
    }
    out
}

/// Every suppression in the model's files, none used yet.
pub fn collect(model: &Model) -> Vec<Suppression> {
    let mut out = Vec::new();
    for (i, f) in model.files.iter().enumerate() {
        for c in &f.ignore_comments {
            let used = vec![false; c.codes.len().max(1)];
            out.push(Suppression { file: FileId(i), line: c.line, span: c.span, codes: c.codes.clone(), used });
        }
    }
    out
}

/// The offset of the marker in `line` when it stands in a comment of the file's dialect.
fn in_comment(role: Role, line: &[u8]) -> Option<usize> {
    let at = line.windows(MARKER.len()).position(|w| w == MARKER.as_bytes())?;
    let before = &line[..at];
    let trimmed: Vec<u8> = before.iter().copied().skip_while(|b| b.is_ascii_whitespace()).collect();
    let ok = match role {
        Role::RedisConf => trimmed.first() == Some(&b'#'),
        Role::MagentoEnv => {
            before.windows(2).any(|w| w == b"//") || before.contains(&b'#') || before.windows(2).any(|w| w == b"/*")
        }
        Role::Stunnel | Role::PeerVpn | Role::Spiped => before.contains(&b'#') || before.contains(&b';'),
        _ => before.contains(&b';'),
    };
    ok.then_some(at)
}

/// `[SL201, SL3]` after the marker: the codes and how many bytes they took.
fn parse_codes(rest: &[u8]) -> (Vec<String>, usize) {
    if rest.first() != Some(&b'[') {
        return (Vec::new(), 0);
    }
    let Some(close) = rest.iter().position(|&b| b == b']') else { return (Vec::new(), 0) };
    let inner = String::from_utf8_lossy(&rest[1..close]);
    let codes = inner.split([',', ' ']).map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned).collect();
    (codes, close + 1)
}

/// Drop the findings a suppression covers; mark which suppressions were used.
pub fn apply(
    model: &Model,
    diagnostics: Vec<crate::diagnostic::Diagnostic>,
    sups: &mut [Suppression],
) -> Vec<crate::diagnostic::Diagnostic> {
    let line_of = |path: &std::path::Path, offset: usize| -> Option<(FileId, usize)> {
        let id = model.file_id(path)?;
        Some((id, model.file(id).source.position(offset).line))
    };
    diagnostics
        .into_iter()
        .filter(|d| {
            // Findings about suppressions cannot be suppressed by the suppression itself.
            if matches!(d.code, "SL005" | "SL006") {
                return true;
            }
            let Some((file, line)) = line_of(&d.primary.path, d.primary.span.start) else { return true };
            let mut suppressed = false;
            for s in sups.iter_mut().filter(|s| s.file == file && (s.line == line || s.line + 1 == line)) {
                if s.is_bare() {
                    s.used[0] = true;
                    suppressed = true;
                }
                for (k, c) in s.codes.iter().enumerate() {
                    if crate::config::matches_code(c, d.code) {
                        s.used[k] = true;
                        suppressed = true;
                    }
                }
            }
            !suppressed
        })
        .collect()
}
