//! Properties of the edit engine for any input: splicing equals the naive back-to-front
//! application, the edits taken from two texts rebuild the second, and a preview never
//! shows a secret, whatever the edits around or over it.

mod common;

use proptest::prelude::*;
use sesslint::diagnostic::Edit;
use sesslint::edit::{self, FileChange, Style};
use sesslint::Span;

/// Naive: apply sorted, non-overlapping edits back to front.
fn naive(text: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut out = text.to_vec();
    for e in edits.iter().rev() {
        out.splice(e.span().start..e.span().end, e.content().bytes());
    }
    out
}

fn edits_for(len: usize) -> impl Strategy<Value = Vec<Edit>> {
    proptest::collection::vec((0..=len, 0..4usize, "[a-z\"\\\\;\n ]{0,5}"), 0..8).prop_map(move |raw| {
        raw.into_iter()
            .map(|(start, n, content)| Edit::replacement("f", Span::new(start, (start + n).min(len)), content))
            .collect()
    })
}

fn text_and_edits() -> impl Strategy<Value = (Vec<u8>, Vec<Edit>)> {
    proptest::collection::vec(any::<u8>(), 0..120).prop_flat_map(|t| {
        let len = t.len();
        (Just(t), edits_for(len))
    })
}

/// `old` patched with a unified diff as `patch(1)` reads it: each hunk's `-l,n` start line,
/// its context and removed lines checked against `old`.
fn patch(old: &str, diff: &str) -> Result<String, String> {
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let mut out = String::new();
    let mut at = 0; // next old line to copy
    let mut lines = diff.lines().skip(2).peekable();
    let mut last_sign = ' ';
    while let Some(h) = lines.next() {
        let spec = h.strip_prefix("@@ -").and_then(|r| r.split(' ').next()).ok_or(format!("not a hunk: {h}"))?;
        let (start, len) = spec.split_once(',').unwrap_or((spec, "1"));
        let (start, len): (usize, usize) = (start.parse().map_err(|_| h)?, len.parse().map_err(|_| h)?);
        let first = if len == 0 { start } else { start - 1 };
        if first < at {
            return Err(format!("hunk {h} goes backwards"));
        }
        out.extend(old_lines[at..first].iter().copied());
        at = first;
        while let Some(l) = lines.peek().filter(|l| !l.starts_with("@@")) {
            let l = l.to_string();
            lines.next();
            if l.starts_with('\\') {
                // `\ No newline at end of file`: the line before has no newline (an old
                // line's own bytes were copied as they are).
                if last_sign == '+' {
                    out.pop();
                }
                continue;
            }
            let (sign, body) = l.split_at(1);
            last_sign = sign.chars().next().unwrap_or(' ');
            match sign {
                " " | "-" => {
                    let want = old_lines.get(at).map(|x| x.trim_end_matches('\n')).ok_or("past the end")?;
                    if want != body {
                        return Err(format!("line {} is `{want}`, the diff says `{body}`", at + 1));
                    }
                    if sign == " " {
                        out.push_str(old_lines[at]);
                    }
                    at += 1;
                }
                "+" => {
                    out.push_str(body);
                    out.push('\n');
                }
                _ => return Err(format!("bad line {l}")),
            }
        }
    }
    out.extend(old_lines[at..].iter().copied());
    Ok(out)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn splicing_is_the_naive_application_of_the_edits_taken((text, edits) in text_and_edits()) {
        let applied = edit::apply_edits(&text, &edits);
        prop_assert_eq!(&applied.text, &naive(&text, &applied.edits));
        // Taken edits are sorted and pairwise applicable; every input edit is taken, a
        // duplicate of one taken, skipped, or empty.
        for w in applied.edits.windows(2) {
            prop_assert!(!edit::change::overlaps(w[0].span(), w[1].span()) && w[0].span().start <= w[1].span().start);
        }
        let empty = edits.iter().filter(|e| e.span().is_empty() && e.content().is_empty()).count();
        prop_assert!(applied.edits.len() + applied.skipped + empty <= edits.len());
        // A change made of them applies to the same bytes, and refuses others.
        let change = FileChange::new("f", &text, applied.edits.clone()).expect("taken edits never overlap");
        prop_assert_eq!(change.apply_to(Some(&text)).expect("same bytes"), applied.text.clone());
        let mut other = text.clone();
        other.push(b'!');
        prop_assert!(change.apply_to(Some(&other)).is_err());
    }

    #[test]
    fn edits_between_two_texts_rebuild_the_second(
        old in proptest::collection::vec("[a-c =;\"]{0,6}\n?", 0..12),
        new in proptest::collection::vec("[a-c =;\"]{0,6}\n?", 0..12),
    ) {
        let (old, new) = (old.concat(), new.concat());
        let edits = edit::fix::edits_between(std::path::Path::new("f"), old.as_bytes(), new.as_bytes()).expect("utf-8");
        let applied = edit::apply_edits(old.as_bytes(), &edits);
        prop_assert_eq!(applied.skipped, 0);
        prop_assert_eq!(String::from_utf8(applied.text).expect("utf-8"), new);
    }

    #[test]
    fn the_preview_is_a_patch_that_turns_the_old_text_into_the_new(
        old in proptest::collection::vec("[a-c =]{0,4}", 0..14),
        new in proptest::collection::vec("[a-c =]{0,4}", 0..14),
        old_nl in any::<bool>(),
        new_nl in any::<bool>(),
    ) {
        let join = |v: &[String], nl: bool| {
            let mut t = v.join("\n");
            if nl && !t.is_empty() { t.push('\n'); }
            t
        };
        let (old, new) = (join(&old, old_nl), join(&new, new_nl));
        let edits = edit::fix::edits_between(std::path::Path::new("f"), old.as_bytes(), new.as_bytes()).expect("utf-8");
        let change = FileChange::new("f", old.as_bytes(), edits).expect("change");
        let diff = edit::change_diff(&change, Some(old.as_bytes()), &[], &[], Style::default()).expect("diff");
        if old == new {
            prop_assert!(diff.is_empty());
        } else {
            prop_assert_eq!(patch(&old, &diff).map_err(|e| format!("{e}\n{diff}")), Ok(new.clone()), "{}", diff);
        }
    }

    #[test]
    fn a_preview_never_shows_a_secret(
        lines in proptest::collection::vec("[a-z =;]{0,12}", 1..8),
        at in 0..8usize,
        raw in proptest::collection::vec((0..200usize, 0..12usize, "[a-z=\" \n]{0,6}", any::<bool>()), 0..6),
    ) {
        // One line holds `requirepass SECRETpw`; the secret span is the password.
        let at = at.min(lines.len());
        let mut text = String::new();
        let mut secret = Span::default();
        for (i, l) in lines.iter().enumerate() {
            if i == at {
                text.push_str("requirepass ");
                secret = Span::new(text.len(), text.len() + 8);
                text.push_str("SECRETpw\n");
            }
            text.push_str(l);
            text.push('\n');
        }
        if at == lines.len() {
            text.push_str("requirepass ");
            secret = Span::new(text.len(), text.len() + 8);
            text.push_str("SECRETpw\n");
        }
        // Random edits, some inserting a new secret they declare as such.
        let edits: Vec<Edit> = raw
            .into_iter()
            .map(|(start, n, content, new_secret)| {
                let start = start.min(text.len());
                let span = Span::new(start, (start + n).min(text.len()));
                if new_secret {
                    let c = format!("{content}SECRETnew");
                    let s = Span::new(content.len(), c.len());
                    Edit::replacement("etc/redis/redis.conf", span, c).with_secrets([s])
                } else {
                    Edit::replacement("etc/redis/redis.conf", span, content)
                }
            })
            .collect();
        let applied = edit::apply_edits(text.as_bytes(), &edits);
        let change = FileChange::new("etc/redis/redis.conf", text.as_bytes(), applied.edits).expect("change");
        let diff = edit::change_diff(&change, Some(text.as_bytes()), &[secret], &[], Style::default()).expect("diff");
        prop_assert!(!diff.contains("SECRET"), "{}", diff);
        let shown = edit::change_diff(&change, Some(text.as_bytes()), &[secret], &[], Style { show_secrets: true, color: false }).expect("diff");
        if !diff.is_empty() && shown.lines().any(|l| l.starts_with('-') && l.contains("SECRETpw")) {
            prop_assert!(diff.contains("********"));
        }
    }
}

/// The preview read by GNU patch and by `git apply`: both turn the old file into the new
/// one, header paths (`a/`, `b/`) and `\ No newline at end of file` included.
#[test]
fn patch_and_git_apply_read_the_preview() {
    let cases = [
        ("a\n;\n\n", "\n\n\n\n\n"), // similar#78's shape
        ("session.save_path = x=y\nb = 1\n", "session.save_path = \"x=y\"\nb = 1\n"),
        ("a\nb\nc", "a\nB\nc\nd\n"),
        ("one\n", "one"),
        ("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "1\n2\nX\n4\n5\n6\n7\n8\n9\n10\nY\n12\n"),
    ];
    for program in ["patch", "git"] {
        let Some(bin) = std::env::var_os("PATH")
            .and_then(|p| std::env::split_paths(&p).map(|d| d.join(program)).find(|p| p.is_file()))
        else {
            assert!(std::env::var("SESSLINT_REQUIRE_ORACLES").as_deref() != Ok("1"), "{program} is missing");
            common::skipped(&format!("{program} not installed"));
            continue;
        };
        for (old, new) in cases {
            let dir = tempfile::tempdir().expect("tempdir");
            let file = dir.path().join("f.ini");
            std::fs::write(&file, old).expect("write");
            let edits =
                edit::fix::edits_between(std::path::Path::new("f.ini"), old.as_bytes(), new.as_bytes()).expect("utf-8");
            let change = FileChange::new("f.ini", old.as_bytes(), edits).expect("change");
            let diff = edit::change_diff(&change, Some(old.as_bytes()), &[], &[], Style::default()).expect("diff");
            std::fs::write(dir.path().join("p.diff"), &diff).expect("write");
            let args: &[&str] = if program == "patch" { &["-p1", "-s", "-i", "p.diff"] } else { &["apply", "p.diff"] };
            let out = std::process::Command::new(&bin).args(args).current_dir(dir.path()).output().expect(program);
            assert!(out.status.success(), "{program}: {}\n{diff}", String::from_utf8_lossy(&out.stderr));
            assert_eq!(std::fs::read_to_string(&file).expect("read"), new, "{program}:\n{diff}");
        }
    }
}
