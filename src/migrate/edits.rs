//! Collecting the migration's edits: one owner's edit may be another's (two pools that read
//! one php.ini line), insertions at one place join in order, and clashes are errors.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::MigrateError;
use crate::diagnostic::Edit;
use crate::span::Span;

/// Replacement text with the byte ranges of it that hold the secret.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Text {
    pub text: String,
    pub secrets: Vec<Span>,
}

impl Text {
    pub fn plain(text: impl Into<String>) -> Text {
        Text { text: text.into(), secrets: Vec::new() }
    }

    /// Append `s`; `secret` marks it as the password.
    pub fn push(&mut self, s: &str, secret: bool) {
        if secret && !s.is_empty() {
            self.secrets.push(Span::new(self.text.len(), self.text.len() + s.len()));
        }
        self.text.push_str(s);
    }

    /// Append another text, keeping its secret ranges.
    pub fn append(&mut self, other: &Text) {
        let base = self.text.len();
        self.secrets.extend(other.secrets.iter().map(|s| Span::new(s.start + base, s.end + base)));
        self.text.push_str(&other.text);
    }
}

/// Edits keyed by file and span. Insertions at one offset are kept in the order they came.
#[derive(Default)]
pub struct EditSet {
    replacements: BTreeMap<(PathBuf, usize, usize), Text>,
    insertions: BTreeMap<(PathBuf, usize), Vec<(String, Text)>>,
}

impl EditSet {
    /// Replace `span` of `path` with `text`. The same replacement twice is kept once;
    /// a different text for the same span is a [`MigrateError::Conflict`].
    pub fn replace(&mut self, path: &std::path::Path, span: Span, text: Text) -> Result<(), MigrateError> {
        let key = (path.to_path_buf(), span.start, span.end);
        match self.replacements.get(&key) {
            Some(old) if *old != text => Err(MigrateError::Conflict(format!(
                "{}: two owners need different values at bytes {}..{}",
                crate::source::display_path(path),
                span.start,
                span.end
            ))),
            _ => {
                self.replacements.insert(key, text);
                Ok(())
            }
        }
    }

    /// Insert `text` at `at`, once per `id` (the setting it writes): two owners inserting the
    /// same setting at the same place insert it once.
    pub fn insert(&mut self, path: &std::path::Path, at: usize, id: &str, text: Text) -> Result<(), MigrateError> {
        let list = self.insertions.entry((path.to_path_buf(), at)).or_default();
        match list.iter().find(|(k, _)| k == id) {
            Some((_, old)) if *old != text => Err(MigrateError::Conflict(format!(
                "{}: two owners need different `{id}` lines at byte {at}",
                crate::source::display_path(path)
            ))),
            Some(_) => Ok(()),
            None => {
                list.push((id.to_owned(), text));
                Ok(())
            }
        }
    }

    /// The edits sorted by (path, position); overlapping ones are a [`MigrateError::Conflict`].
    pub fn finish(self) -> Result<Vec<Edit>, MigrateError> {
        let mut out: Vec<Edit> = Vec::new();
        for ((path, start, end), t) in self.replacements {
            out.push(Edit::replacement(path, Span::new(start, end), t.text).with_secrets(t.secrets));
        }
        for ((path, at), list) in self.insertions {
            let mut joined = Text::default();
            for (_, t) in &list {
                joined.append(t);
            }
            out.push(Edit::insertion(path, at, joined.text).with_secrets(joined.secrets));
        }
        out.sort_by(|a, b| (a.path(), a.span().start, a.span().end).cmp(&(b.path(), b.span().start, b.span().end)));
        for w in out.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            let clash = a.path() == b.path()
                && (b.span().start < a.span().end
                    || (a.span().is_empty() && b.span().is_empty() && a.span().start == b.span().start));
            if clash {
                return Err(MigrateError::Conflict(format!(
                    "{}: two changes overlap at byte {}",
                    crate::source::display_path(a.path()),
                    b.span().start
                )));
            }
        }
        Ok(out)
    }
}
