//! Ansible inventories as host declarations: the JSON `ansible-inventory --list` prints, or
//! an inventory file in YAML or INI, read for each host's name and address variables.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_json::Value;

use super::HostDecl;

/// Variables whose value is an address of the host: `ansible_host` (and the older
/// `ansible_ssh_host`), and any variable named `*_ip`, `*_ips`, `*_addr`, `*_address` or
/// `*_addresses` (a string or a list of strings).
pub fn is_address_variable(name: &str) -> bool {
    matches!(name, "ansible_host" | "ansible_ssh_host")
        || ["_ip", "_ips", "_addr", "_address", "_addresses"].iter().any(|s| name.ends_with(s))
}

/// Read an inventory: JSON when it starts with `{` (ansible-inventory's `--list`), YAML for
/// `.yml`/`.yaml` names, INI otherwise (Ansible's own choice of plugin by name). Errors
/// name the file and what was wrong, never its content. `inside`: the file is inside the
/// checked trees; outside, an INI inventory's hosts are [`HostDecl::outside`] (never
/// printed: INI reads any bare word as a host, so a password file would give host names),
/// while JSON and YAML name hosts only by their structure (`hosts`, `_meta.hostvars`).
pub fn load(path: &Path, inside: bool) -> Result<Vec<HostDecl>, String> {
    let shown = crate::source::display_path(path);
    let bytes = crate::confine::Confinement::default().read(path).map_err(|e| format!("{shown}: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|_| format!("{shown}: not UTF-8 text"))?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let mut outside = false;
    let hosts = if text.trim_start().starts_with('{') {
        let v: Value = serde_json::from_str(&text).map_err(|e| format!("{shown}: not inventory JSON: {e}"))?;
        from_list_json(&v)
    } else if matches!(ext.as_str(), "yml" | "yaml") {
        let depth = yaml_nesting_depth(&text);
        if depth > MAX_NESTING {
            return Err(format!(
                "{shown}: not inventory YAML: nested {depth} levels deep (flow `[`/`{{` and indentation), more than {MAX_NESTING}"
            ));
        }
        let v: Value = serde_yaml_ng::from_str(&text).map_err(|e| format!("{shown}: not inventory YAML: {e}"))?;
        from_yaml(&v).map_err(|e| format!("{shown}: {e}"))?
    } else {
        outside = !inside;
        from_ini(&text).map_err(|e| format!("{shown}: {e}"))?
    };
    Ok(hosts
        .into_iter()
        .map(|(name, addresses)| HostDecl { name, addresses, source: format!("inventory {shown}"), outside })
        .collect())
}

/// The deepest nesting an inventory may have (levels): an Ansible inventory needs a handful;
/// serde_yaml_ng stops at 128 too, but only after quadratic work on a deep flow sequence.
const MAX_NESTING: usize = 128;

/// How deep `text` nests, counted before parsing (levels): open flow collections (`[`, `{`
/// outside quotes and comments) on top of the block indentation levels in force. An upper
/// bound (a `[` inside a plain scalar counts), which is all a refusal needs.
fn yaml_nesting_depth(text: &str) -> usize {
    let (mut deepest, mut flow) = (0usize, 0usize);
    let mut indents: Vec<usize> = Vec::new();
    for line in text.lines() {
        let body = line.trim_start_matches(' ');
        if flow == 0 && !body.is_empty() && !body.starts_with('#') {
            let indent = line.len() - body.len();
            while indents.last().is_some_and(|&i| i >= indent) {
                indents.pop();
            }
            indents.push(indent);
        }
        let mut quote: Option<char> = None;
        let mut prev = ' ';
        let mut chars = body.chars().peekable();
        while let Some(c) = chars.next() {
            match (quote, c) {
                (Some('"'), '\\') => {
                    chars.next();
                }
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '#') if prev == ' ' || prev == '\t' => break,
                (None, '[' | '{') => flow += 1,
                (None, ']' | '}') => flow = flow.saturating_sub(1),
                _ => {}
            }
            prev = c;
            deepest = deepest.max(flow + indents.len());
        }
        deepest = deepest.max(flow + indents.len());
    }
    deepest
}

type Hosts = BTreeMap<String, Vec<String>>;

/// The address values of a variable (a string, or a list of strings).
fn addresses_of(value: &Value) -> Vec<String> {
    fn one(v: &Value) -> Option<&str> {
        v.as_str().map(str::trim).filter(|s| !s.is_empty() && !s.contains(char::is_whitespace))
    }
    match value {
        Value::Array(items) => items.iter().filter_map(one).map(str::to_owned).collect(),
        v => one(v).map(str::to_owned).into_iter().collect(),
    }
}

fn add_vars(hosts: &mut Hosts, name: &str, vars: Option<&Value>) {
    let list = hosts.entry(name.to_owned()).or_default();
    let Some(Value::Object(vars)) = vars else { return };
    for (k, v) in vars {
        if is_address_variable(k) {
            for a in addresses_of(v) {
                if !list.contains(&a) {
                    list.push(a);
                }
            }
        }
    }
}

/// `ansible-inventory --list`: `_meta.hostvars` holds every host's variables, group
/// variables already merged in; hosts without variables are only in the groups' `hosts`.
fn from_list_json(v: &Value) -> Hosts {
    let mut hosts = Hosts::new();
    if let Some(Value::Object(groups)) = Some(v) {
        for (name, group) in groups.iter().filter(|(n, _)| n.as_str() != "_meta") {
            let _ = name;
            for h in group.get("hosts").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
                hosts.entry(h.to_owned()).or_default();
            }
        }
    }
    if let Some(Value::Object(vars)) = v.pointer("/_meta/hostvars") {
        for (name, hv) in vars {
            add_vars(&mut hosts, name, Some(hv));
        }
    }
    hosts
}

/// Groups nested deeper than this through `children` refuse the inventory: the nesting is
/// followed by recursion, and no real inventory comes near it.
const MAX_GROUP_DEPTH: usize = 32;

/// A YAML inventory: groups with `hosts` (name -> variables), `vars` and `children`
/// (more groups); a group's variables reach its hosts and its children's hosts. Groups
/// nested deeper than [`MAX_GROUP_DEPTH`] are an error, never a silent cut.
fn from_yaml(v: &Value) -> Result<Hosts, String> {
    fn group(hosts: &mut Hosts, g: &Value, inherited: &[&Value], depth: usize) -> Result<(), String> {
        if depth > MAX_GROUP_DEPTH {
            return Err(format!("groups nested more than {MAX_GROUP_DEPTH} deep through `children`; not read"));
        }
        let mut vars: Vec<&Value> = inherited.to_vec();
        if let Some(own) = g.get("vars") {
            vars.push(own);
        }
        if let Some(Value::Object(hs)) = g.get("hosts") {
            for (name, hv) in hs {
                for gv in &vars {
                    add_vars(hosts, name, Some(gv));
                }
                add_vars(hosts, name, Some(hv));
            }
        }
        if let Some(Value::Object(children)) = g.get("children") {
            for (_, child) in children {
                group(hosts, child, &vars, depth + 1)?;
            }
        }
        Ok(())
    }
    let mut hosts = Hosts::new();
    if let Value::Object(top) = v {
        for (_, g) in top {
            group(&mut hosts, g, &[], 0)?;
        }
    }
    Ok(hosts)
}

/// An INI inventory: `[group]` host lines (`name key=value ...`), `[group:vars]` and
/// `[group:children]`; `#` and `;` start comments. Host ranges (`web[01:03]`) are refused
/// with a message: sesslint does not expand them.
fn from_ini(text: &str) -> Result<Hosts, String> {
    #[derive(Default)]
    struct Group {
        hosts: Vec<String>,
        vars: Vec<(String, String)>,
        children: Vec<String>,
    }
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    let mut hosts = Hosts::new();
    let mut section = ("ungrouped".to_owned(), "hosts");
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(head) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = match head.split_once(':') {
                Some((g, "vars")) => (g.to_owned(), "vars"),
                Some((g, "children")) => (g.to_owned(), "children"),
                Some((_, other)) => return Err(format!("line {}: unknown section kind `:{other}`", n + 1)),
                None => (head.to_owned(), "hosts"),
            };
            groups.entry(section.0.clone()).or_default();
            continue;
        }
        let words = shell_words(line);
        let g = groups.entry(section.0.clone()).or_default();
        match section.1 {
            "vars" => {
                let Some((k, v)) = line.split_once('=') else {
                    return Err(format!("line {}: not a `key=value` group variable (Ansible refuses it too)", n + 1));
                };
                g.vars.push((k.trim().to_owned(), unquote(v.trim())));
            }
            "children" => g.children.push(line.to_owned()),
            _ => {
                let Some(name) = words.first() else { continue };
                if name.contains('[') {
                    return Err(format!(
                        "line {}: host range `{name}` is not expanded by sesslint; list the hosts",
                        n + 1
                    ));
                }
                // Ansible's INI plugin: "Expected key=value host variable assignment". A
                // file that is no inventory (a key, a config) is refused, not read as hosts.
                if words[1..].iter().any(|w| !w.contains('=')) {
                    return Err(format!(
                        "line {}: words after the host name must be `key=value` host variables (Ansible refuses it too)",
                        n + 1
                    ));
                }
                g.hosts.push(name.clone());
                let vars: serde_json::Map<String, Value> = words[1..]
                    .iter()
                    .filter_map(|w| w.split_once('='))
                    .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
                    .collect();
                add_vars(&mut hosts, name, Some(&Value::Object(vars)));
            }
        }
    }
    if let Some(g) = children_loop(&groups) {
        return Err(format!(
            "group `{g}` is its own descendant through `:children`, a recursive dependency loop (Ansible refuses it too)"
        ));
    }
    // Group variables reach the group's hosts and its descendants', host variables first.
    // Each group is visited once per walk: children shared by many groups (`[a:children]`
    // listing `b` twice, diamonds) cost their size, not a path count that doubles a level.
    fn members(groups: &BTreeMap<String, Group>, g: &str, out: &mut Vec<String>) {
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![g];
        while let Some(n) = stack.pop() {
            let Some(group) = groups.get(n).filter(|_| seen.insert(n)) else { continue };
            out.extend(group.hosts.iter().cloned());
            stack.extend(group.children.iter().rev().map(String::as_str));
        }
    }
    /// A group that reaches itself through `:children`, if any (iterative, so a chain of
    /// thousands of groups does not exhaust the stack).
    fn children_loop(groups: &BTreeMap<String, Group>) -> Option<String> {
        // 1: on the current path, 2: done.
        let mut state: HashMap<&str, u8> = HashMap::new();
        for start in groups.keys() {
            if state.contains_key(start.as_str()) {
                continue;
            }
            let mut path: Vec<(&str, usize)> = vec![(start.as_str(), 0)];
            state.insert(start.as_str(), 1);
            while let Some((g, next)) = path.last_mut() {
                let children = groups.get(*g).map_or(&[][..], |x| x.children.as_slice());
                match children.get(*next) {
                    Some(c) => {
                        *next += 1;
                        match state.get(c.as_str()) {
                            Some(1) => return Some(c.clone()),
                            Some(_) => {}
                            None => {
                                state.insert(c.as_str(), 1);
                                path.push((c.as_str(), 0));
                            }
                        }
                    }
                    None => {
                        state.insert(*g, 2);
                        path.pop();
                    }
                }
            }
        }
        None
    }
    for (name, g) in &groups {
        if g.vars.is_empty() {
            continue;
        }
        let vars: serde_json::Map<String, Value> =
            g.vars.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        let mut all = Vec::new();
        members(&groups, name, &mut all);
        for h in all {
            add_vars(&mut hosts, &h, Some(&Value::Object(vars.clone())));
        }
    }
    Ok(hosts)
}

fn unquote(v: &str) -> String {
    v.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(v)
        .to_owned()
}

/// Words of an INI host line, quotes removed, a `#` outside quotes ending it.
fn shell_words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote = None;
    for c in line.chars() {
        match (quote, c) {
            (None, '#') => break,
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            (_, c) => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_counted_from_flow_brackets_and_indentation() {
        assert_eq!(yaml_nesting_depth("all:\n  hosts:\n    web:\n      x: [[1]]\n"), 6);
        // Brackets in quotes and comments do not nest.
        assert_eq!(yaml_nesting_depth("a: '[[[' # [[[\nb: \"{{\\\"{\"\n"), 1);
        let deep = format!("x: {}{}\n", "[".repeat(200), "]".repeat(200));
        assert_eq!(yaml_nesting_depth(&deep), 201);
    }

    fn names_and_addresses(h: &Hosts) -> Vec<(String, Vec<String>)> {
        h.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    #[test]
    fn the_three_forms_say_the_same() {
        let ini = "[web]\nweb ansible_host=10.0.0.4 ansible_connection=local\n\n[redis]\nredis ansible_host=10.0.0.5\n[redis:vars]\nredis_private_ip=\"10.8.0.2\"\n";
        let yaml = "all:\n  children:\n    web:\n      hosts:\n        web:\n          ansible_host: 10.0.0.4\n          ansible_connection: local\n    redis:\n      hosts:\n        redis:\n          ansible_host: 10.0.0.5\n      vars:\n        redis_private_ip: 10.8.0.2\n";
        let json = r#"{"_meta": {"hostvars": {"redis": {"ansible_host": "10.0.0.5", "redis_private_ip": "10.8.0.2"}, "web": {"ansible_connection": "local", "ansible_host": "10.0.0.4"}}}, "all": {"children": ["ungrouped", "web", "redis"]}, "redis": {"hosts": ["redis"]}, "web": {"hosts": ["web"]}}"#;
        let want = vec![
            ("redis".to_owned(), vec!["10.0.0.5".to_owned(), "10.8.0.2".to_owned()]),
            ("web".to_owned(), vec!["10.0.0.4".to_owned()]),
        ];
        let sorted = |mut v: Vec<(String, Vec<String>)>| {
            for (_, a) in &mut v {
                a.sort();
            }
            v
        };
        assert_eq!(sorted(names_and_addresses(&from_ini(ini).expect("ini"))), want);
        let y: Value = serde_yaml_ng::from_str(yaml).expect("yaml");
        assert_eq!(sorted(names_and_addresses(&from_yaml(&y).expect("yaml"))), want);
        let j: Value = serde_json::from_str(json).expect("json");
        assert_eq!(sorted(names_and_addresses(&from_list_json(&j))), want);
    }

    #[test]
    fn a_file_that_is_no_ini_inventory_is_refused_without_quoting_it() {
        let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaLeakKEY1\n-----END OPENSSH PRIVATE KEY-----\n";
        let e = from_ini(key).expect_err("a private key");
        assert!(e.contains("line 1") && !e.contains("OPENSSH") && !e.contains("Leak"), "{e}");
        let e = from_ini("[web:vars]\nLeakVAR1\n").expect_err("a bare word among group variables");
        assert!(e.contains("line 2") && !e.contains("Leak"), "{e}");
    }

    /// `ansible-inventory -i loop.ini --list` (ansible-core): "Adding group 'a' as child to
    /// 'b' creates a recursive dependency loop". The walk used to stop at 32 levels silently.
    #[test]
    fn a_loop_of_children_is_refused_as_ansible_refuses_it() {
        let e = from_ini("[web]\nw1 ansible_host=10.0.0.1\n[a:children]\nb\n[b:children]\na\n[a:vars]\nx=1\n")
            .expect_err("a loop");
        assert!(e.contains("recursive dependency loop"), "{e}");
    }

    /// Sixty levels of groups each listing the next twice: a walk per path would take 2^60
    /// steps (it stopped at 32 levels, 2^32, before); once per group it is linear, and the
    /// top group's variables reach the host at the bottom.
    #[test]
    fn children_shared_many_times_are_walked_once() {
        let mut ini = String::from("[g60]\nw1 ansible_host=10.0.0.1\n[g0:vars]\nredis_private_ip=10.0.0.9\n");
        for i in 0..60 {
            ini.push_str(&format!("[g{i}:children]\ng{}\ng{}\n", i + 1, i + 1));
        }
        let hosts = from_ini(&ini).expect("ini");
        let mut addresses = hosts.get("w1").cloned().unwrap_or_default();
        addresses.sort();
        assert_eq!(addresses, ["10.0.0.1", "10.0.0.9"], "{hosts:?}");
    }

    #[test]
    fn yaml_groups_nested_too_deep_are_refused_not_cut() {
        let mut y = String::from("all:\n");
        let mut indent = String::from("  ");
        for i in 0..=MAX_GROUP_DEPTH {
            y.push_str(&format!("{indent}children:\n{indent}  g{i}:\n"));
            indent.push_str("    ");
        }
        y.push_str(&format!("{indent}hosts:\n{indent}  deep:\n{indent}    ansible_host: 10.0.0.1\n"));
        let v: Value = serde_yaml_ng::from_str(&y).expect("yaml");
        let e = from_yaml(&v).expect_err("too deep");
        assert!(e.contains("nested more than 32 deep"), "{e}");
    }

    #[test]
    fn host_ranges_are_refused_not_guessed() {
        let e = from_ini("[web]\nweb[01:03] ansible_host=10.0.0.4\n").expect_err("a range");
        assert!(e.contains("line 2") && e.contains("web[01:03]"), "{e}");
    }
}
