//! Given the demo /etc, every value the model reports knows where it is written: its line
//! and its value as written (quotes included), and each file keeps its syntax tree, so
//! that hover, fixes and rewrites find their spans without parsing again.

use std::path::PathBuf;

use sesslint::model::{BuildOptions, EndpointOwner, Location, Model, SyntaxTree};

fn demo() -> Model {
    sesslint::model::build(&[PathBuf::from("fixtures/demo")], &BuildOptions::default())
}

fn text(model: &Model, at: Location) -> String {
    String::from_utf8_lossy(model.text(at)).into_owned()
}

#[test]
fn effective_values_know_their_line_and_their_value_as_written() {
    let model = demo();
    let blog = model.endpoints.iter().find(|e| e.label.starts_with("pool blog")).expect("pool blog");
    let sp = blog.save_path.as_ref().expect("save_path");
    assert_eq!(
        text(&model, sp.value_at().expect("set")),
        "\"tcp://127.0.0.1:6380?database=1&timeout=2&read_timeout=2\""
    );
    assert!(text(&model, sp.set_at.expect("set")).starts_with("php_value[session.save_path]"));
    assert_eq!(text(&model, blog.handler.value_at().expect("set")), "redis");
    // The php.ini value the pool shadows is located too.
    let php_ini_handler = model.php.iter().find_map(|s| s.values.get("session.save_handler")).expect("php.ini handler");
    assert_eq!(text(&model, php_ini_handler.value_at().expect("set")), "files");

    let shop = model.endpoints.iter().find(|e| matches!(e.owner, EndpointOwner::Magento(_))).expect("magento");
    assert_eq!(text(&model, shop.handler.value_at().expect("set")), "'redis'");

    for ep in &model.endpoints {
        for v in std::iter::once(&ep.handler).chain(&ep.save_path) {
            assert_eq!(v.set_at.is_some(), v.value_span.is_some(), "{}: a value span exactly when a line", ep.label);
            if let (Some(line), Some(value)) = (v.set_at, v.value_at()) {
                assert!(line.span.start <= value.span.start && value.span.end <= line.span.end, "{}", ep.label);
            }
        }
    }
}

#[test]
fn every_parsed_file_keeps_its_tree() {
    let model = demo();
    for f in &model.files {
        let kept = match &f.tree {
            SyntaxTree::Ini(doc) => doc.print() == *f.source.bytes,
            SyntaxTree::Redis(conf) => conf.print() == *f.source.bytes,
            SyntaxTree::EnvPhp(doc) => doc.print() == *f.source.bytes,
            SyntaxTree::Acl(_) => f.role == sesslint::Role::RedisAcl,
            SyntaxTree::Apache(conf) => conf.print() == *f.source.bytes,
            SyntaxTree::None => {
                matches!(f.role, sesslint::Role::Stunnel | sesslint::Role::Spiped | sesslint::Role::PeerVpn)
            }
        };
        assert!(kept, "{} ({})", f.source.path.display(), f.role.as_str());
    }
}

#[test]
fn trees_share_their_files_bytes() {
    // One copy of each file's bytes in a model: the tree reads the `Source`'s, not its own.
    let model = demo();
    let mut shared = 0;
    for f in &model.files {
        let text = match &f.tree {
            SyntaxTree::Ini(doc) => doc.source(),
            SyntaxTree::Redis(conf) => conf.text(),
            SyntaxTree::EnvPhp(doc) => doc.bytes(),
            _ => continue,
        };
        assert_eq!(text.as_ptr(), f.source.bytes.as_ptr(), "{} holds a copy", f.source.path.display());
        shared += 1;
    }
    assert!(shared >= 5, "the demo tree has ini, redis.conf and env.php files: {shared}");
}
