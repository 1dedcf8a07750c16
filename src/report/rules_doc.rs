//! The rule documentation as people read it: the whole catalogue as one markdown page
//! (`docs/rules.md`, from `sesslint rules --format markdown`), and markdown drawn for a
//! terminal (bold headings, indented code) by `sesslint rule CODE`.

use crate::rules::{Rule, RULES};

/// The command that writes `docs/rules.md`.
pub const GENERATE: &str = "cargo run -q -- rules --format markdown > docs/rules.md";

/// `docs/rules.md`: a table of every rule, then each rule's documentation under an anchor
/// named after its code (`#sl201`), for links to one rule.
pub fn catalogue_markdown() -> String {
    let mut out = String::new();
    out.push_str("# sesslint rules\n\n");
    out.push_str(&format!(
        "<!-- Generated from the doc comments in src/rules/ by `{GENERATE}`; edit those, not this file. -->\n\n"
    ));
    out.push_str("| code | name | severity | fix | finds |\n|---|---|---|---|---|\n");
    for r in RULES {
        out.push_str(&format!(
            "| [{}](#{}) | {} | {} | {} | {} |\n",
            r.code,
            r.code.as_str().to_ascii_lowercase(),
            r.name(),
            r.severities(),
            if r.offers_fix() { "yes" } else { "no" },
            r.summary.replace('|', "\\|")
        ));
    }
    for r in RULES {
        out.push('\n');
        out.push_str(&rule_section(r));
    }
    out
}

/// One rule's documentation one heading level down, under its anchor.
fn rule_section(rule: &Rule) -> String {
    let mut out = format!("<a id=\"{}\"></a>\n\n", rule.code.as_str().to_ascii_lowercase());
    let mut in_code = false;
    let mut default_said = false;
    for line in rule.doc().lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        }
        if !in_code && line.starts_with('#') {
            out.push('#');
            out.push_str(line);
            out.push('\n');
            if !default_said {
                out.push_str(&format!("\nDefault severity: {}.\n", rule.default_severity.as_str()));
                if !rule.also.is_empty() {
                    let also: Vec<&str> = rule.also.iter().map(|s| s.as_str()).collect();
                    out.push_str(&format!("Some findings are {}.\n", also.join(" or ")));
                }
                default_said = true;
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Markdown for a terminal: headings bold without their `#`, fenced code indented, inline
/// code kept in its backticks. With `color` false the markdown comes back unchanged.
pub fn render_terminal(markdown: &str, color: bool) -> String {
    if !color {
        return markdown.to_owned();
    }
    const BOLD: &str = "\x1b[1m";
    const UNDERLINE: &str = "\x1b[4m";
    const DIM: &str = "\x1b[2m";
    const RESET: &str = "\x1b[0m";
    let mut out = String::new();
    let mut in_code = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            out.push_str(&format!("    {DIM}{line}{RESET}\n"));
        } else if let Some(title) = line.strip_prefix("# ") {
            out.push_str(&format!("{BOLD}{UNDERLINE}{title}{RESET}\n"));
        } else if line.starts_with('#') {
            out.push_str(&format!("{BOLD}{}{RESET}\n", line.trim_start_matches('#').trim()));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_are_bold_and_code_indented_on_a_terminal() {
        let md = "# SL1 x\n\n## Fix\nDo `this`:\n```ini\n# a comment\nk = v\n```\n";
        assert_eq!(render_terminal(md, false), md);
        let t = render_terminal(md, true);
        assert!(t.contains("\x1b[1m\x1b[4mSL1 x\x1b[0m\n"));
        assert!(t.contains("\x1b[1mFix\x1b[0m\n"));
        assert!(t.contains("    \x1b[2m# a comment\x1b[0m\n"));
        assert!(!t.contains("```"));
    }

    #[test]
    fn the_catalogue_has_an_anchor_per_rule_and_leaves_code_alone() {
        let md = catalogue_markdown();
        for r in RULES {
            assert!(md.contains(&format!("<a id=\"{}\"></a>", r.code.as_str().to_ascii_lowercase())));
            assert!(md.contains(&format!("## {} {}", r.code, r.name())));
        }
        // A comment inside a code block is not a heading to demote.
        assert!(md.contains("\n# /etc/redis/redis.conf\n"));
    }
}
