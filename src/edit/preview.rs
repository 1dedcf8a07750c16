//! The preview: a unified diff per file (`a/`/`b/` headers, 3 lines of context, colour only
//! when asked), computed on the real bytes and printed with secrets masked by span.

use std::ops::Range;
use std::path::Path;

use super::change::{ChangeError, ChangeSet, FileChange};
use crate::diagnostic::Edit;
use crate::model::Model;
use crate::span::Span;

/// How a diff is printed.
#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    /// ANSI colours (red removals, green additions, cyan hunk headers): only for a terminal.
    pub color: bool,
    /// Print secrets instead of `********` (`--show-secrets`).
    pub show_secrets: bool,
}

/// One file's two versions and where each holds secrets (byte spans into each).
#[derive(Clone, Copy, Debug)]
pub struct FileVersions<'a> {
    pub path: &'a Path,
    /// `None`: the file is created.
    pub old: Option<&'a [u8]>,
    pub new: &'a [u8],
    pub old_secrets: &'a [Span],
    pub new_secrets: &'a [Span],
}

/// Lines of context around each change.
const CONTEXT: usize = 3;

/// The unified diff of one file (empty when nothing changes). The diff is taken on the real
/// bytes, so a changed password shows as a changed line; each printed line then has the
/// secret spans of its own version masked. Control characters are escaped.
pub fn unified_diff(v: &FileVersions<'_>, style: Style) -> String {
    let old = v.old.unwrap_or(b"");
    if v.old.is_some() && old == v.new {
        return String::new();
    }
    let (old_lines, new_lines) = (lines(old), lines(v.new));
    let old_text: Vec<&[u8]> = old_lines.iter().map(|r| &old[r.clone()]).collect();
    let new_text: Vec<&[u8]> = new_lines.iter().map(|r| &v.new[r.clone()]).collect();
    // Bounded: past the deadline the hunks are coarser, never wrong.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    let ops = super::diff_ops::line_ops(&old_text, &new_text, Some(deadline));
    let paint = |code: &str, s: String| if style.color { format!("\x1b[{code}m{s}\x1b[0m") } else { s };
    let shown = crate::source::display_path(v.path);
    let shown = shown.trim_start_matches('/');
    let mut out = String::new();
    let a = if v.old.is_some() { format!("--- a/{shown}") } else { "--- /dev/null".to_owned() };
    out.push_str(&paint("1", a));
    out.push('\n');
    out.push_str(&paint("1", format!("+++ b/{shown}")));
    out.push('\n');
    let (old_secrets, new_secrets) =
        if style.show_secrets { (&[][..], &[][..]) } else { (v.old_secrets, v.new_secrets) };
    for group in similar::group_diff_ops(ops, CONTEXT) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else { continue };
        let (o0, n0) = (first.old_range().start, first.new_range().start);
        let (o1, n1) = (last.old_range().end, last.new_range().end);
        out.push_str(&paint("36", format!("@@ -{} +{} @@", hunk_range(o0, o1 - o0), hunk_range(n0, n1 - n0))));
        out.push('\n');
        for op in &group {
            let (tag, old_range, new_range) = op.as_tag_tuple();
            use similar::DiffTag::*;
            if tag == Equal {
                for i in old_range {
                    push_line(&mut out, ' ', old, &old_lines[i], old_secrets, None);
                }
                continue;
            }
            if matches!(tag, Delete | Replace) {
                for i in old_range {
                    push_line(&mut out, '-', old, &old_lines[i], old_secrets, style.color.then_some("31"));
                }
            }
            if matches!(tag, Insert | Replace) {
                for i in new_range {
                    push_line(&mut out, '+', v.new, &new_lines[i], new_secrets, style.color.then_some("32"));
                }
            }
        }
    }
    out
}

/// `-l,n` of a hunk header: 1-based first line, and the line before when empty.
fn hunk_range(start: usize, len: usize) -> String {
    match len {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        _ => format!("{},{len}", start + 1),
    }
}

/// Byte ranges of the lines of `text`, each with its `\n`.
fn lines(text: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in memchr::memchr_iter(b'\n', text) {
        out.push(start..i + 1);
        start = i + 1;
    }
    if start < text.len() {
        out.push(start..text.len());
    }
    out
}

/// One diff line: its secrets masked, control characters escaped, the missing final newline said.
fn push_line(out: &mut String, sign: char, text: &[u8], line: &Range<usize>, secrets: &[Span], color: Option<&str>) {
    let body_end = if text[..line.end].ends_with(b"\n") { line.end - 1 } else { line.end };
    let body_end = if text[line.start..body_end].ends_with(b"\r") { body_end - 1 } else { body_end };
    let cut: Vec<Range<usize>> = secrets
        .iter()
        .filter(|s| s.start < body_end && s.end > line.start && s.start < s.end)
        .map(|s| s.start.max(line.start) - line.start..s.end.min(body_end) - line.start)
        .collect();
    let mut masked = Vec::with_capacity(body_end - line.start);
    let mut at = 0;
    let body = &text[line.start..body_end];
    for r in crate::secrets::merge_ranges(&cut) {
        masked.extend_from_slice(&body[at..r.start]);
        masked.extend_from_slice(crate::secrets::MASK.as_bytes());
        at = r.end;
    }
    masked.extend_from_slice(&body[at..]);
    let shown = format!("{sign}{}", crate::source::printable(&String::from_utf8_lossy(&masked)));
    match color {
        Some(code) => out.push_str(&format!("\x1b[{code}m{shown}\x1b[0m")),
        None => out.push_str(&shown),
    }
    out.push('\n');
    if !text[..line.end].ends_with(b"\n") {
        out.push_str("\\ No newline at end of file\n");
    }
}

/// Where the secrets of the old text are in the new one, plus the secret ranges the edits'
/// contents declare ([`Edit::with_secrets`]). A secret an edit cuts into makes the edit's
/// whole new content secret: a partly rewritten password is still a password.
/// `edits` are sorted and non-overlapping (as in a [`FileChange`]).
pub fn secrets_after(old_secrets: &[Span], edits: &[Edit]) -> Vec<Span> {
    let mut out = Vec::new();
    // Each edit's start in the new text.
    let mut delta: isize = 0;
    let mut new_starts = Vec::with_capacity(edits.len());
    for e in edits {
        new_starts.push((e.span().start as isize + delta) as usize);
        delta += e.content().len() as isize - e.span().len() as isize;
    }
    for (e, &at) in edits.iter().zip(&new_starts) {
        out.extend(e.secrets().iter().map(|s| Span::new(at + s.start, at + s.end)));
        let cut_into = old_secrets.iter().any(|s| {
            (s.start < e.span().end && e.span().start < s.end) || (s.start < e.span().start && e.span().start < s.end)
        });
        if cut_into {
            out.push(Span::new(at, at + e.content().len()));
        }
    }
    for s in old_secrets {
        // The parts of the secret no edit touches, shifted by the edits before them.
        let mut pieces: Vec<std::ops::Range<usize>> = Vec::with_capacity(2);
        pieces.push(s.start..s.end);
        for e in edits.iter().filter(|e| !e.span().is_empty()) {
            pieces = pieces
                .into_iter()
                .flat_map(|p| {
                    let (a, b) = (e.span().start, e.span().end);
                    if b <= p.start || a >= p.end {
                        vec![p]
                    } else {
                        [p.start..a.max(p.start), b.min(p.end)..p.end].into_iter().filter(|r| r.start < r.end).collect()
                    }
                })
                .collect();
        }
        for p in pieces {
            let shift: isize = edits
                .iter()
                .filter(|e| e.span().end <= p.start)
                .map(|e| e.content().len() as isize - e.span().len() as isize)
                .sum();
            let start = (p.start as isize + shift) as usize;
            out.push(Span::new(start, start + p.len()));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The diff of one [`FileChange`] against `current` (its bytes now; `None`: it is
/// created), whose secrets are `old_secrets`; `extra_new_secrets` are spans of the new text
/// known to be secret besides those mapped from the old text and declared by the edits
/// (a model built from the new text locates them, see [`super::fix`]).
pub fn change_diff(
    change: &FileChange,
    current: Option<&[u8]>,
    old_secrets: &[Span],
    extra_new_secrets: &[Span],
    style: Style,
) -> Result<String, ChangeError> {
    let new = change.apply_to(current)?;
    let mut new_secrets = secrets_after(old_secrets, &change.edits);
    new_secrets.extend_from_slice(extra_new_secrets);
    Ok(unified_diff(
        &FileVersions { path: &change.path, old: current, new: &new, old_secrets, new_secrets: &new_secrets },
        style,
    ))
}

/// The diffs of a whole change set, in path order, each file's old bytes and secrets taken
/// from `model` (the model the changes were planned on; a file it does not hold is read
/// from disk, or is new). `after`: a model of the new texts, whose secret spans are masked
/// too. Errors when a file no longer matches its change's hash.
pub fn diff_changes(
    changes: &ChangeSet,
    model: &Model,
    after: Option<&Model>,
    style: Style,
) -> Result<String, ChangeError> {
    let mut out = String::new();
    for change in &changes.files {
        let loaded = model.files.iter().find(|f| f.source.path == change.path);
        let from_disk;
        let (current, secrets): (Option<&[u8]>, &[Span]) = match loaded {
            Some(f) => (Some(&f.source.bytes), f.secrets()),
            None => {
                from_disk = std::fs::read(&change.path).ok();
                (from_disk.as_deref(), &[])
            }
        };
        let extra: &[Span] =
            after.and_then(|m| m.files.iter().find(|f| f.source.path == change.path)).map_or(&[], |f| f.secrets());
        out.push_str(&change_diff(change, current, secrets, extra, style)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_with_headers_hunks_and_masked_secrets() {
        let old = b"a = 1\nrequirepass old\nb = 2\n";
        let pw = 18..21;
        let change = FileChange::new(
            "etc/redis/redis.conf",
            old,
            vec![
                Edit::replacement("etc/redis/redis.conf", Span::new(18, 21), "n3w").with_secrets([Span::new(0, 3)]),
                Edit::insertion("etc/redis/redis.conf", old.len(), "protected-mode yes"),
            ],
        )
        .unwrap();
        let diff = change_diff(&change, Some(old), &[Span::from(pw)], &[], Style::default()).unwrap();
        assert_eq!(
            diff,
            "--- a/etc/redis/redis.conf\n+++ b/etc/redis/redis.conf\n@@ -1,3 +1,4 @@\n a = 1\n-requirepass ********\n+requirepass ********\n b = 2\n+protected-mode yes\n\\ No newline at end of file\n"
        );
        let shown = change_diff(&change, Some(old), &[], &[], Style { show_secrets: true, color: false }).unwrap();
        assert!(shown.contains("-requirepass old\n+requirepass n3w\n"), "{shown}");
    }

    #[test]
    fn secrets_move_with_the_edits_around_them() {
        // "k = secret ;" : quotes inserted around the secret, which stays where it is.
        let edits = [Edit::insertion("f", 4, "\""), Edit::insertion("f", 10, "\"")];
        assert_eq!(secrets_after(&[Span::new(4, 10)], &edits), [Span::new(5, 11)]);
        // A replacement cutting into a secret makes its content secret.
        let edits = [Edit::replacement("f", Span::new(6, 12), "xyz")];
        assert_eq!(secrets_after(&[Span::new(4, 8)], &edits), [Span::new(4, 6), Span::new(6, 9)]);
    }

    #[test]
    fn a_new_file_diffs_against_dev_null() {
        let change = FileChange::create("conf.d/40-redis.ini", "session.save_handler = redis\n", vec![]);
        let diff = change_diff(&change, None, &[], &[], Style::default()).unwrap();
        assert_eq!(diff, "--- /dev/null\n+++ b/conf.d/40-redis.ini\n@@ -0,0 +1 @@\n+session.save_handler = redis\n");
    }
}
