//! Style inference: a line or array entry the migration inserts looks like its neighbours.
//! An ini line copies the layout of the line it follows (indent, `key = value` spacing, the
//! pool's `php_value[...]` form, line end); an env.php entry copies its array's indent, `[]`
//! or `array (`, trailing commas, key quotes, and Magento's writer styles (`PhpFormatter`:
//! 4 spaces, no trailing comma; 2.0/2.1 `var_export`: 2 spaces, `'key' => ` then a new line
//! for a nested `array (`, trailing commas).
//!
//! What it cannot match: a comment on the anchor line (not copied), alignment of `=` or `=>`
//! in columns (the neighbour's own spacing is copied, not the column), tabs mixed with spaces
//! within one indent, entries written several to a line (each inserted entry gets a line).

use crate::span::Span;
use crate::syntax::env_php::{ArrayId, EnvPhp, ExprKind};
use crate::syntax::ini::{Entry, IniDocument};

use super::edits::Text;

/// The layout of an ini line, taken from an existing entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IniLineStyle {
    /// Blanks before the key.
    indent: String,
    /// `php_value[` / `php_admin_value[` for a pool line; empty in php.ini.
    open: String,
    /// From the end of the key (after `]` for a pool line) to the value: ` = `.
    assign: String,
    /// `]` for a pool line.
    close: String,
    eol: String,
}

impl IniLineStyle {
    /// The style of `entry` of `doc`. `None` when the entry is not alone on its line.
    pub fn of(doc: &IniDocument, entry: &Entry) -> Option<IniLineStyle> {
        let src = doc.source();
        let line_start = src[..entry.key.start].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let indent = std::str::from_utf8(&src[line_start..entry.key.start]).ok()?;
        if !indent.bytes().all(|b| b == b' ' || b == b'\t') {
            return None;
        }
        let value = entry.value.span;
        let line_end = src[value.end..].iter().position(|&b| b == b'\n').map(|i| value.end + i);
        let eol = match line_end {
            Some(e) if e > 0 && src[e - 1] == b'\r' => "\r\n",
            _ => "\n",
        };
        let text = |a: usize, b: usize| std::str::from_utf8(&src[a..b]).ok().map(str::to_owned);
        let (open, close, after_key) = match &entry.offset {
            // `php_value[session.save_handler]`: keep the directive and its brackets.
            Some(off) => {
                let close_end = src[off.span.end..value.start.max(off.span.end)]
                    .iter()
                    .position(|&b| b == b']')
                    .map_or(off.span.end, |i| off.span.end + i + 1);
                (text(entry.key.start, off.span.start)?, text(off.span.end, close_end)?, close_end)
            }
            None => (String::new(), String::new(), entry.key.end),
        };
        let mut assign = text(after_key, value.start)?;
        // `key =` with nothing after it: the blank after `=` is not there to copy.
        if !assign.contains('=') || value.is_empty() {
            assign = if assign.starts_with([' ', '\t']) { " = ".into() } else { "=".into() };
        }
        Some(IniLineStyle { indent: indent.to_owned(), open, assign, close, eol: eol.to_owned() })
    }

    /// php.ini's own layout: `key = value`.
    pub fn plain() -> IniLineStyle {
        IniLineStyle {
            indent: String::new(),
            open: String::new(),
            assign: " = ".into(),
            close: String::new(),
            eol: "\n".into(),
        }
    }

    /// A pool's `php_value[key] = value` line, with the indent, `=` spacing and line end of
    /// `like` (another line of the same pool) when there is one.
    pub fn pool_value(like: Option<&IniLineStyle>) -> IniLineStyle {
        let base = like.cloned().unwrap_or_else(IniLineStyle::plain);
        IniLineStyle { open: "php_value[".into(), close: "]".into(), ..base }
    }

    /// An Apache `php_value key value` line in the layout of the directive that starts at or
    /// before `at` in `src` (its indent and line end); `php_admin_value` when that one is
    /// `php_admin_value` or `php_admin_flag`, as mod_php's admin lines are the system's.
    pub fn apache(src: &[u8], at: usize) -> IniLineStyle {
        let at = at.min(src.len());
        let line_start = src[..at].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let indent_len = src[line_start..].iter().take_while(|&&b| b == b' ' || b == b'\t').count();
        let indent = String::from_utf8_lossy(&src[line_start..line_start + indent_len]).into_owned();
        let name = &src[line_start + indent_len..];
        let admin = name.len() >= 9 && name[..9].eq_ignore_ascii_case(b"php_admin");
        let line_end = src[line_start..].iter().position(|&b| b == b'\n').map(|i| line_start + i);
        let eol = match line_end {
            Some(e) if e > 0 && src[e - 1] == b'\r' => "\r\n",
            _ => "\n",
        };
        IniLineStyle {
            indent,
            open: if admin { "php_admin_value " } else { "php_value " }.into(),
            assign: " ".into(),
            close: String::new(),
            eol: eol.into(),
        }
    }

    /// One line setting `key` to the already encoded `value`, with its line end.
    pub fn line(&self, key: &str, value: &Text) -> Text {
        let mut t = Text::plain(format!("{}{}{key}{}{}", self.indent, self.open, self.close, self.assign));
        t.append(value);
        t.push(&self.eol, false);
        t
    }

    pub fn eol(&self) -> &str {
        &self.eol
    }
}

/// How an env.php array lays out its entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArrayStyle {
    /// The indent of this array's entries.
    pub indent: String,
    /// One level of indent (`    ` in Magento's writer, `  ` in var_export).
    pub unit: String,
    /// `array (` rather than `[`.
    pub long_form: bool,
    /// `'key' => ` then a new line before a nested array (var_export, Magento 2.0/2.1).
    pub nested_on_next_line: bool,
    /// A comma after the last entry too.
    pub trailing_comma: bool,
    /// `'` or `"` around keys and strings.
    pub quote: char,
    pub eol: &'static str,
}

fn line_indent(bytes: &[u8], at: usize) -> Option<&str> {
    let start = bytes[..at].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let s = std::str::from_utf8(&bytes[start..at]).ok()?;
    s.bytes().all(|b| b == b' ' || b == b'\t').then_some(s)
}

/// The indent of the line where `at` stands (its leading blanks), whatever follows them.
fn leading_blanks(bytes: &[u8], at: usize) -> &str {
    let start = bytes[..at].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let n = bytes[start..].iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    std::str::from_utf8(&bytes[start..start + n]).unwrap_or("")
}

/// Whether any array in the file puts a nested array on the line after its `=>`.
fn nested_on_next_line(doc: &EnvPhp) -> bool {
    let mut stack: Vec<ArrayId> = doc.root_array().into_iter().collect();
    let bytes = doc.bytes();
    let mut seen = 0;
    while let Some(id) = stack.pop() {
        seen += 1;
        if seen > 10_000 {
            break;
        }
        for e in &doc.array(id).entries {
            if let (Some(arrow), ExprKind::Array(child)) = (e.arrow(), &doc.expr(e.value).kind) {
                let between = &bytes[arrow.end..doc.expr(e.value).span.start];
                if between.contains(&b'\n') {
                    return true;
                }
                stack.push(*child);
            }
        }
    }
    false
}

impl ArrayStyle {
    /// The style of array `id` of `doc`, with `parent_indent` (the indent of the line that
    /// opens it) for arrays that are empty or written on one line.
    pub fn of(doc: &EnvPhp, id: ArrayId) -> ArrayStyle {
        let bytes = doc.bytes();
        let array = doc.array(id);
        let eol = if bytes.windows(2).any(|w| w == b"\r\n") { "\r\n" } else { "\n" };
        let var_export = nested_on_next_line(doc);
        let open_indent = leading_blanks(bytes, array.open.start).to_owned();
        let first = array.entries.first();
        let entry_indent = first.and_then(|e| line_indent(bytes, e.span.start)).map(str::to_owned);
        let default_unit = if var_export { "  " } else { "    " };
        let (indent, unit) = match entry_indent {
            Some(i) if i.len() > open_indent.len() && i.starts_with(&open_indent) => {
                let unit = i[open_indent.len()..].to_owned();
                (i, unit)
            }
            Some(i) if !i.is_empty() => (i.clone(), if i.contains('\t') { "\t".into() } else { default_unit.into() }),
            _ => (format!("{open_indent}{default_unit}"), default_unit.to_owned()),
        };
        let trailing_comma = match array.entries.last() {
            Some(e) => e.comma().is_some(),
            None => var_export,
        };
        let quote = array
            .entries
            .iter()
            .find_map(|e| e.key.map(|k| doc.expr(k).span))
            .and_then(|s| bytes.get(s.start).copied())
            .map_or('\'', |b| if b == b'"' { '"' } else { '\'' });
        ArrayStyle {
            indent,
            unit,
            long_form: array.long_form,
            nested_on_next_line: var_export,
            trailing_comma,
            quote,
            eol,
        }
    }

    /// A string literal in this file's quotes.
    pub fn string(&self, v: &str) -> Option<String> {
        if self.quote == '"' {
            crate::syntax::env_php::encode::double_quoted_literal(v)
        } else {
            crate::syntax::env_php::encode::string_literal(v)
        }
    }

    /// `key => value` for an entry of this array, without indent or comma. `value` is
    /// already encoded.
    pub fn scalar_entry(&self, key: &str, value: &Text) -> Option<Text> {
        let mut t = Text::plain(format!("{} => ", self.string(key)?));
        t.append(value);
        Some(t)
    }

    /// `key => value` for an entry of this array (scalars already encoded; nested arrays
    /// laid out one level deeper than this array's entries), without indent or comma.
    pub fn entry(&self, key: &str, value: &Value) -> Option<Text> {
        let entries = match value {
            Value::Scalar(v) => return self.scalar_entry(key, v),
            Value::Nested(entries) => entries,
        };
        let inner = self.child();
        let (open, close) = if self.long_form { ("array (", ")") } else { ("[", "]") };
        let mut t = Text::plain(self.string(key)?);
        if self.nested_on_next_line {
            t.push(&format!(" => {}{}{open}{}", self.eol, self.indent, self.eol), false);
        } else {
            t.push(&format!(" => {open}{}", self.eol), false);
        }
        for (i, (k, v)) in entries.iter().enumerate() {
            t.push(&inner.indent, false);
            t.append(&inner.entry(k, v)?);
            if i + 1 < entries.len() || self.trailing_comma {
                t.push(",", false);
            }
            t.push(self.eol, false);
        }
        t.push(&format!("{}{close}", self.indent), false);
        Some(t)
    }

    /// The style of an array nested in this one, for values written inside it.
    pub fn child(&self) -> ArrayStyle {
        ArrayStyle { indent: format!("{}{}", self.indent, self.unit), ..self.clone() }
    }
}

/// A value to write into env.php: an encoded scalar, or an array of `(key, value)`.
#[derive(Clone, Debug)]
pub enum Value {
    Scalar(Text),
    Nested(Vec<(String, Value)>),
}

/// Where to put new entries after entry `after` of `array`: the offset and the text (a
/// comma before them when `after` had none, a comma after each but the array's last unless
/// the array keeps one after every entry).
pub fn insert_after(doc: &EnvPhp, array: ArrayId, after: usize, style: &ArrayStyle, entries: &[Text]) -> (usize, Text) {
    let node = doc.array(array);
    let e = &node.entries[after];
    let is_last = after + 1 == node.entries.len();
    let mut t = Text::default();
    let at = match e.comma() {
        // A `// comment` after the comma belongs to that entry's line: insert after it.
        Some(c) => after_line_comment(doc.bytes(), c.end),
        None => {
            t.push(",", false);
            e.span.end
        }
    };
    for (i, entry) in entries.iter().enumerate() {
        t.push(&format!("{}{}", style.eol, style.indent), false);
        t.append(entry);
        if i + 1 < entries.len() || !is_last || style.trailing_comma {
            t.push(",", false);
        }
    }
    (at, t)
}

/// The end of the line at `at` (before its line end) when the rest of it is blanks and a
/// `//` or `#` comment; else `at`.
fn after_line_comment(bytes: &[u8], at: usize) -> usize {
    let rest = &bytes[at..];
    let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    let line = &rest[..end];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let blanks = line.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    let tail = &line[blanks..];
    // `?>` ends a `//` comment in PHP: leave such a line alone.
    let comment = (tail.starts_with(b"//") || tail.starts_with(b"#")) && !tail.windows(2).any(|w| w == b"?>");
    if comment && !tail.starts_with(b"#[") {
        at + line.len()
    } else {
        at
    }
}

/// Where to put a first entry into an empty array (`[]`, `[\n\n    ]`): after its opener.
pub fn insert_into_empty(doc: &EnvPhp, array: ArrayId, style: &ArrayStyle, entries: &[Text]) -> Option<(Span, Text)> {
    let node = doc.array(array);
    let close = node.close?;
    let mut t = Text::default();
    for (i, entry) in entries.iter().enumerate() {
        t.push(&format!("{}{}", style.eol, style.indent), false);
        t.append(entry);
        if i + 1 < entries.len() || style.trailing_comma {
            t.push(",", false);
        }
    }
    let outer = style.indent.strip_suffix(style.unit.as_str()).unwrap_or("");
    t.push(&format!("{}{outer}", style.eol), false);
    // Replace whatever blanks stand between the opener and the closer.
    Some((Span::new(node.open.end, close.start), t))
}
