//! `sesslint rules` and `sesslint rule CODE`: the catalogue and one rule's doc, on stdout.

use std::io::Write;
use std::process::ExitCode;

use crate::{color, write_failed, DocFormat};

pub fn run_rules(format: DocFormat) -> ExitCode {
    let text = match format {
        DocFormat::Text => {
            let (bold, reset) = if color() { ("\x1b[1m", "\x1b[0m") } else { ("", "") };
            sesslint::rules::RULES
                .iter()
                .map(|r| {
                    format!(
                        "{bold}{:<6}{reset} {:<34} {:<18} {:<4} {}\n",
                        r.code,
                        r.name(),
                        r.severities(),
                        if r.offers_fix() { "fix" } else { "-" },
                        r.summary
                    )
                })
                .collect()
        }
        DocFormat::Markdown => sesslint::report::rules_doc::catalogue_markdown(),
        DocFormat::Json => {
            let list: Vec<_> = sesslint::rules::RULES
                .iter()
                .map(|r| serde_json::json!({"code": r.code, "name": r.name(), "severity": r.default_severity, "also": r.also, "fix": r.offers_fix(), "summary": r.summary, "doc": r.doc()}))
                .collect();
            serde_json::to_string_pretty(&list).unwrap_or_default() + "\n"
        }
    };
    print_doc(&text)
}

pub fn run_rule(code: &str, format: DocFormat) -> ExitCode {
    let Some(r) = sesslint::rules::find(code) else {
        let code = sesslint::printable(code);
        // A prefix or ALL selects rules elsewhere; here one rule is explained.
        if sesslint::codes::Selector::parse(&code).is_ok() {
            eprintln!(
                "sesslint: `{code}` names several rules; `sesslint rule` explains one, by its code (SL201) or its name (redis-missing-auth): `sesslint rules` lists them"
            );
        } else {
            let meant: Vec<String> =
                sesslint::rules::suggest(&code).iter().take(5).map(|r| format!("{} ({})", r.name(), r.code)).collect();
            match &meant[..] {
                [] => eprintln!("sesslint: no rule {code}; `sesslint rules` lists them"),
                [one] => eprintln!("sesslint: no rule {code}; did you mean {one}? `sesslint rules` lists them"),
                more => eprintln!(
                    "sesslint: no rule {code}; did you mean one of {}? `sesslint rules` lists them",
                    more.join(", ")
                ),
            }
        }
        return ExitCode::from(2);
    };
    // A name a rule had before: the page is shown, and the new name said beside it.
    if let Some(note) = sesslint::codes::Code::renamed_note(code) {
        eprintln!("sesslint: {note}");
    }
    let text = match format {
        DocFormat::Text => sesslint::report::rules_doc::render_terminal(&r.doc(), color()),
        DocFormat::Markdown => r.doc(),
        DocFormat::Json => {
            serde_json::json!({"code": r.code, "name": r.name(), "severity": r.default_severity, "also": r.also, "summary": r.summary, "doc": r.doc()})
                .to_string()
                + "\n"
        }
    };
    print_doc(&text)
}

/// Documentation to stdout; a reader that stops early (`| head`) is not an error.
pub fn print_doc(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => write_failed(&e, None),
        _ => ExitCode::SUCCESS,
    }
}
