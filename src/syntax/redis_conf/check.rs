//! The checks redis-server makes while it loads a config file (the ones that end in
//! `*** FATAL CONFIG FILE ERROR ***`), and the values `CONFIG GET` then reports.
//!
//! Messages are redis-server's own (redis@7.0.15:src/config.c, src/acl.c).

use std::collections::{BTreeMap, HashSet};

use super::directives::{self, DirectiveDef, Kind, Lookup, StrCheck, Unit, ACL_CATEGORIES_7_0, COMMANDS_7_0};
use super::split_value;

/// What the loader must do after a directive passed its checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    None,
    /// `include <path>`: read the file (or glob) here.
    Include(Vec<u8>),
    /// `dir <path>`: redis-server `chdir()`s at once; later relative paths resolve there.
    Dir(Vec<u8>),
    /// `logfile <path>`: redis-server opens it for appending after the whole file is read.
    LogFile(Vec<u8>),
    /// `loadmodule <path>`: the module is loaded after the config; a missing file stops startup.
    LoadModule(Vec<u8>),
    /// A `user` line whose rules name an unknown command or category: accepted while the file
    /// is read, but redis-server exits when it creates the users after loading.
    AclUnknown(String),
}

/// The state redis-server keeps while reading a config (users seen, renamed commands, …).
#[derive(Debug)]
pub struct Checker {
    users: HashSet<Vec<u8>>,
    /// Current command names (lowercase): the 7.0 table with renames applied.
    commands: HashSet<Vec<u8>>,
    cluster_enabled: bool,
    replicaof_set: bool,
    module_configs: bool,
    modules_loaded: bool,
}

impl Default for Checker {
    fn default() -> Self {
        Checker::new()
    }
}

impl Checker {
    pub fn new() -> Self {
        Checker {
            users: HashSet::new(),
            commands: COMMANDS_7_0.iter().filter(|c| !c.contains('|')).map(|c| c.as_bytes().to_vec()).collect(),
            cluster_enabled: false,
            replicaof_set: false,
            module_configs: false,
            modules_loaded: false,
        }
    }

    /// Check one directive (`name` lowercased, `args` unescaped) as loadServerConfigFromString
    /// does. `Err` carries redis-server's message.
    pub fn directive(&mut self, name: &str, args: &[Vec<u8>]) -> Result<Action, String> {
        let argc = args.len() + 1;
        match directives::lookup(name) {
            Lookup::Table { def, .. } => self.table(def, args),
            Lookup::Deprecated if argc == 2 => Ok(Action::None),
            Lookup::Include if argc == 2 => Ok(Action::Include(args[0].clone())),
            Lookup::RenameCommand if argc == 3 => self.rename_command(&args[0], &args[1]),
            Lookup::User if argc >= 2 => self.user(args),
            Lookup::LoadModule if argc >= 2 => {
                self.modules_loaded = true;
                Ok(Action::LoadModule(args[0].clone()))
            }
            Lookup::ModuleConfig => {
                if argc < 2 {
                    return Err("Module config specified without value".into());
                }
                self.module_configs = true;
                Ok(Action::None)
            }
            Lookup::Sentinel => {
                if argc == 1 {
                    Ok(Action::None)
                } else {
                    Err("sentinel directive while not in sentinel mode".into())
                }
            }
            _ => Err("Bad directive or wrong number of arguments".into()),
        }
    }

    /// The checks after the last line (`Sanity checks` in loadServerConfigFromString, and the
    /// module-config check in main()). Logfile opening is the loader's job.
    pub fn finish(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.cluster_enabled && self.replicaof_set {
            out.push("replicaof directive not allowed in cluster mode".to_string());
        }
        if self.module_configs && !self.modules_loaded {
            // moduleLoadFromQueue(): configs for a module that was never loaded abort startup.
            out.push(
                "Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting"
                    .to_string(),
            );
        }
        out
    }

    fn table(&mut self, def: &'static DirectiveDef, args: &[Vec<u8>]) -> Result<Action, String> {
        if !def.multi_arg && args.len() != 1 {
            return Err("wrong number of arguments".into());
        }
        // MULTI_ARG rows re-split a single non-empty argument (`save "900 1 300 10"`).
        let resplit;
        let args: &[Vec<u8>] = if def.multi_arg && args.len() == 1 && !args[0].is_empty() {
            resplit = split_value(&args[0]).unwrap_or_default();
            &resplit
        } else {
            args
        };
        match def.kind {
            Kind::Bool => {
                let v = yes_no(&args[0]).ok_or("argument must be 'yes' or 'no'")?;
                if def.name == "cluster-enabled" {
                    self.cluster_enabled = v;
                }
                Ok(Action::None)
            }
            Kind::Str(check) => {
                check_string(check, &args[0])?;
                if def.name == "logfile" && !args[0].is_empty() {
                    return Ok(Action::LogFile(args[0].clone()));
                }
                Ok(Action::None)
            }
            Kind::Enum(values) => enum_value(values, args, def.multi_arg).map(|_| Action::None),
            Kind::Int { .. } => parse_number(def, &args[0]).map(|_| Action::None),
            Kind::Dir => {
                if args.len() != 1 {
                    return Err("wrong number of arguments".into());
                }
                Ok(Action::Dir(args[0].clone()))
            }
            Kind::Save => save_pairs(args).map(|_| Action::None),
            Kind::Bind => {
                if args.len() > 16 {
                    return Err("Too many bind addresses specified.".into());
                }
                Ok(Action::None)
            }
            Kind::ReplicaOf => {
                if args.len() != 2 {
                    return Err("wrong number of arguments".into());
                }
                if eq_ci(&args[0], "no") && eq_ci(&args[1], "one") {
                    self.replicaof_set = false;
                    return Ok(Action::None);
                }
                match strtol(&args[1]) {
                    Some(p) if (0..=65535).contains(&p) => {
                        self.replicaof_set = true;
                        Ok(Action::None)
                    }
                    _ => {
                        // The master host is cleared before the port is checked.
                        self.replicaof_set = false;
                        Err("Invalid master port".into())
                    }
                }
            }
            Kind::ClientOutputBufferLimit => client_output_buffer_limits(args).map(|_| Action::None),
            Kind::OomScoreAdjValues => {
                if args.len() != 3 {
                    return Err("wrong number of arguments".into());
                }
                for a in args {
                    match strtol(a) {
                        Some(v) if (-2000..=2000).contains(&v) => {}
                        _ => {
                            return Err("Invalid oom-score-adj-values, elements must be between -2000 and 2000.".into())
                        }
                    }
                }
                Ok(Action::None)
            }
            Kind::LatencyTrackingInfoPercentiles => {
                if args.len() == 1 && args[0].is_empty() {
                    return Ok(Action::None);
                }
                for a in args {
                    let p = string2d(a).ok_or("Invalid latency-tracking-info-percentiles parameters")?;
                    if !(0.0..=100.0).contains(&p) {
                        return Err(
                            "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]".into()
                        );
                    }
                }
                Ok(Action::None)
            }
            Kind::NotifyKeyspaceEvents => {
                keyspace_event_flags(&args[0]).ok_or("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")?;
                Ok(Action::None)
            }
        }
    }

    fn rename_command(&mut self, from: &[u8], to: &[u8]) -> Result<Action, String> {
        let from = from.to_ascii_lowercase();
        if !self.commands.remove(&from) {
            return Err("No such command in rename-command".into());
        }
        if !to.is_empty() && !self.commands.insert(to.to_ascii_lowercase()) {
            return Err("Target command name already exists".into());
        }
        Ok(Action::None)
    }

    /// `ACLAppendUserForLoading`: the rules are tried on a scratch user. Unknown command or
    /// category names pass here (errno ENOENT is ignored) and fail later at startup.
    fn user(&mut self, args: &[Vec<u8>]) -> Result<Action, String> {
        let username = &args[0];
        // redis-server names the offending word as argv[j], j being the rule's index among
        // the rules (not among all words): it prints "user", the username, or an earlier rule.
        let word = |j: usize| -> String {
            let w: &[u8] = match j {
                0 => b"user",
                _ => args.get(j - 1).map(Vec::as_slice).unwrap_or(b""),
            };
            String::from_utf8_lossy(w).into_owned()
        };
        if self.users.contains(username) {
            return Err(format!(
                "Error in user declaration '{}': Duplicate user found. A user can only be defined once in config files",
                word(1)
            ));
        }
        let ops = &args[1..];
        let mut merged: Vec<Vec<u8>> = Vec::new();
        let mut open: Option<(usize, Vec<u8>)> = None;
        for (j, op) in ops.iter().enumerate() {
            if let Some((_, sel)) = open.as_mut() {
                sel.push(b' ');
                sel.extend_from_slice(op);
                if op.last() == Some(&b')') {
                    if let Some((_, sel)) = open.take() {
                        merged.push(sel);
                    }
                }
                continue;
            }
            if op.first() == Some(&b'(') && op.last() != Some(&b')') {
                open = Some((j, op.clone()));
                continue;
            }
            merged.push(op.clone());
        }
        if let Some((j, _)) = open {
            return Err(format!("Error in user declaration '{}': Syntax error", word(j)));
        }
        let mut user = AclScratch { commands: Some(&self.commands), ..AclScratch::default() };
        let mut unknown = None;
        for (j, op) in merged.iter().enumerate() {
            match user.apply(op) {
                Ok(()) => {}
                Err(AclError::Unknown) => {
                    unknown.get_or_insert_with(|| {
                        format!(
                            "Error loading ACL rule '{}' for the user named '{}': Unknown command or category name in ACL",
                            String::from_utf8_lossy(op),
                            String::from_utf8_lossy(username)
                        )
                    });
                }
                Err(AclError::Fatal(why)) => return Err(format!("Error in user declaration '{}': {why}", word(j))),
            }
        }
        self.users.insert(username.clone());
        Ok(unknown.map_or(Action::None, Action::AclUnknown))
    }
}

/// The parts of a user that make ACL rules fail (src/acl.c ACLSetUser / ACLSetSelector).
#[derive(Default)]
struct AclScratch<'a> {
    passwords: Vec<Vec<u8>>,
    all_keys: bool,
    all_channels: bool,
    /// Current top-level command names (after renames); `None` in tests = the 7.0 table.
    commands: Option<&'a HashSet<Vec<u8>>>,
}

enum AclError {
    /// errno ENOENT: an unknown command or category.
    Unknown,
    Fatal(&'static str),
}

impl From<&'static str> for AclError {
    fn from(s: &'static str) -> Self {
        AclError::Fatal(s)
    }
}

const ACL_SYNTAX: &str = "Syntax error";

impl AclScratch<'_> {
    /// `ACLLookupCommand`: `name` or `container|sub`.
    fn command_exists(&self, name: &[u8]) -> bool {
        let lower = name.to_ascii_lowercase();
        if lower.contains(&b'|') {
            return COMMANDS_7_0.iter().any(|c| c.as_bytes() == lower.as_slice());
        }
        match self.commands {
            Some(set) => set.contains(&lower),
            None => COMMANDS_7_0.iter().any(|c| c.as_bytes() == lower.as_slice()),
        }
    }

    fn has_subcommands(name: &[u8]) -> bool {
        let mut prefix = name.to_ascii_lowercase();
        prefix.push(b'|');
        COMMANDS_7_0.iter().any(|c| c.as_bytes().starts_with(&prefix))
    }

    fn apply(&mut self, op: &[u8]) -> Result<(), AclError> {
        if op.is_empty() {
            return Ok(());
        }
        let lower = op.to_ascii_lowercase();
        match lower.as_slice() {
            b"on" | b"off" | b"skip-sanitize-payload" | b"sanitize-payload" | b"clearselectors" => return Ok(()),
            b"nopass" | b"resetpass" => {
                self.passwords.clear();
                return Ok(());
            }
            b"reset" => {
                *self = AclScratch { commands: self.commands, ..AclScratch::default() };
                return Ok(());
            }
            _ => {}
        }
        match op[0] {
            b'>' | b'#' => {
                let pass = if op[0] == b'#' { check_hash(&op[1..])? } else { hash_marker(&op[1..]) };
                if !self.passwords.contains(&pass) {
                    self.passwords.push(pass);
                }
                Ok(())
            }
            b'<' | b'!' => {
                let pass = if op[0] == b'!' { check_hash(&op[1..])? } else { hash_marker(&op[1..]) };
                match self.passwords.iter().position(|p| *p == pass) {
                    Some(i) => {
                        self.passwords.remove(i);
                        Ok(())
                    }
                    None => Err("The password you are trying to remove from the user does not exist".into()),
                }
            }
            b'(' if op.last() == Some(&b')') => {
                // A selector: its rules are checked on a fresh selector.
                let inner = &op[1..op.len() - 1];
                let mut sel = AclScratch { commands: self.commands, ..AclScratch::default() };
                for part in inner.split(|&b| b == b' ').filter(|p| !p.is_empty()) {
                    sel.selector_op(part)?;
                }
                Ok(())
            }
            _ => self.selector_op(op),
        }
    }

    fn selector_op(&mut self, op: &[u8]) -> Result<(), AclError> {
        let lower = op.to_ascii_lowercase();
        match lower.as_slice() {
            b"allkeys" | b"~*" => {
                self.all_keys = true;
                return Ok(());
            }
            b"resetkeys" => {
                self.all_keys = false;
                return Ok(());
            }
            b"allchannels" | b"&*" => {
                self.all_channels = true;
                return Ok(());
            }
            b"resetchannels" => {
                self.all_channels = false;
                return Ok(());
            }
            b"allcommands" | b"+@all" | b"nocommands" | b"-@all" => return Ok(()),
            _ => {}
        }
        match op[0] {
            b'~' | b'%' => {
                if self.all_keys {
                    return Err("Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns".into());
                }
                let mut offset = 1;
                if op[0] == b'%' {
                    let (mut r, mut w) = (false, false);
                    loop {
                        match op.get(offset).map(u8::to_ascii_uppercase) {
                            Some(b'R') if !r => r = true,
                            Some(b'W') if !w => w = true,
                            Some(b'~') => {
                                offset += 1;
                                break;
                            }
                            None => break,
                            _ => return Err(ACL_SYNTAX.into()),
                        }
                        offset += 1;
                    }
                }
                if op[offset.min(op.len())..].iter().any(|&b| super::is_space(b)) {
                    return Err(ACL_SYNTAX.into());
                }
                Ok(())
            }
            b'&' => {
                if self.all_channels {
                    return Err("Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels".into());
                }
                if op[1..].iter().any(|&b| super::is_space(b)) {
                    return Err(ACL_SYNTAX.into());
                }
                Ok(())
            }
            b'+' | b'-' if op.get(1) == Some(&b'@') => {
                let cat = op[2..].to_ascii_lowercase();
                if ACL_CATEGORIES_7_0.iter().any(|c| c.as_bytes() == cat.as_slice()) {
                    Ok(())
                } else {
                    Err(AclError::Unknown)
                }
            }
            b'-' => {
                if self.command_exists(&op[1..]) {
                    Ok(())
                } else {
                    Err(AclError::Unknown)
                }
            }
            b'+' => {
                let name = &op[1..];
                let Some(bar) = name.iter().rposition(|&b| b == b'|') else {
                    return if self.command_exists(name) { Ok(()) } else { Err(AclError::Unknown) };
                };
                let (container, sub) = (&name[..bar], &name[bar + 1..]);
                if !self.command_exists(container) {
                    return Err(AclError::Unknown);
                }
                if container.contains(&b'|') {
                    return Err("Allowing first-arg of a subcommand is not supported".into());
                }
                if sub.is_empty() {
                    return Err(ACL_SYNTAX.into());
                }
                if Self::has_subcommands(container) && !self.command_exists(name) {
                    return Err(AclError::Unknown);
                }
                Ok(())
            }
            _ => Err(ACL_SYNTAX.into()),
        }
    }
}

fn check_hash(hash: &[u8]) -> Result<Vec<u8>, AclError> {
    if hash.len() == 64 && hash.iter().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b)) {
        Ok(hash.to_vec())
    } else {
        Err("The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters".into())
    }
}

/// Stands in for SHA-256 of a cleartext password: only equality between passwords matters
/// here, and a cleartext can never look like a 64-char hex hash with this prefix.
fn hash_marker(clear: &[u8]) -> Vec<u8> {
    let mut v = b">".to_vec();
    v.extend_from_slice(clear);
    v
}

fn eq_ci(a: &[u8], b: &str) -> bool {
    a.eq_ignore_ascii_case(b.as_bytes())
}

/// `yesnotoi`.
pub(crate) fn yes_no(v: &[u8]) -> Option<bool> {
    if eq_ci(v, "yes") {
        Some(true)
    } else if eq_ci(v, "no") {
        Some(false)
    } else {
        None
    }
}

/// `configEnumGetValue`: one name, or (bit flags) several names OR-ed together.
fn enum_value(values: &[(&str, u32)], args: &[Vec<u8>], bitflags: bool) -> Result<u32, String> {
    let err = || {
        let names: Vec<&str> = values.iter().map(|(n, _)| *n).collect();
        format!("argument(s) must be one of the following: {}", names.join(", "))
    };
    if args.is_empty() || (!bitflags && args.len() != 1) {
        return Err(err());
    }
    let mut acc = 0;
    for a in args {
        let mut matched = false;
        for (n, v) in values {
            if eq_ci(a, n) {
                acc |= v;
                matched = true;
            }
        }
        if !matched {
            return Err(err());
        }
    }
    if bitflags && acc & 1 != 0 && acc & 2 != 0 {
        return Err("shutdown options SAVE and NOSAVE can't be used simultaneously".into());
    }
    Ok(acc)
}

/// `configEnumGetName`.
fn enum_name(values: &[(&str, u32)], value: u32, bitflags: bool) -> String {
    let mut names: Vec<&str> = Vec::new();
    let mut unmatched = value;
    for (n, v) in values {
        if value == *v {
            return n.to_string();
        }
        if bitflags && *v != 0 && *v == (unmatched & v) {
            names.push(n);
            unmatched &= !v;
        }
    }
    if names.is_empty() || unmatched != 0 {
        "unknown".into()
    } else {
        names.join(" ")
    }
}

fn check_string(check: StrCheck, v: &[u8]) -> Result<(), String> {
    let has_sep = v.contains(&b'/') || v.contains(&b'\\');
    match check {
        StrCheck::Any => Ok(()),
        StrCheck::DbFilename if has_sep => Err("dbfilename can't be a path, just a filename".into()),
        StrCheck::AofFilename if v.is_empty() => Err("appendfilename can't be empty".into()),
        StrCheck::AofFilename if has_sep => Err("appendfilename can't be a path, just a filename".into()),
        StrCheck::AofDirname if v.is_empty() => Err("appenddirname can't be empty".into()),
        StrCheck::AofDirname if has_sep => Err("appenddirname can't be a path, just a dirname".into()),
        StrCheck::Hostname if v.len() >= 256 => Err("Hostnames must be less than 256 characters".into()),
        StrCheck::Hostname if !v.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'.') => {
            Err("Hostnames may only contain alphanumeric characters, hyphens or dots".into())
        }
        StrCheck::ProcTitleTemplate if !valid_proc_title(v) => {
            Err("template format is invalid or contains unknown variables".into())
        }
        _ => Ok(()),
    }
}

/// `validateProcTitleTemplate`: every `{var}` known, and the expansion not empty. Variables
/// that may expand to nothing (title is "", server-mode, unixsocket) count as empty.
fn valid_proc_title(t: &[u8]) -> bool {
    let mut nonblank = false;
    let mut p = 0;
    while p < t.len() {
        if t[p] != b'{' {
            nonblank |= t[p] != b' ';
            p += 1;
            continue;
        }
        match t.get(p + 1) {
            None => return false,
            Some(b'{') => {
                nonblank = true;
                p += 2;
            }
            Some(_) => {
                let Some(len) = t[p + 1..].iter().position(|&b| b == b'}') else { return false };
                let var = &t[p + 1..p + 1 + len];
                match var {
                    b"listen-addr" | b"config-file" | b"port" | b"tls-port" => nonblank = true,
                    b"title" | b"server-mode" | b"unixsocket" => {}
                    _ => return false,
                }
                p += len + 2;
            }
        }
    }
    nonblank
}

/// `numericParseString` + `numericBoundaryCheck`: the value as C stores it (`long long`).
fn parse_number(def: &DirectiveDef, v: &[u8]) -> Result<i64, String> {
    let Kind::Int { min, max, unit, unsigned } = def.kind else { return Err("not a number".into()) };
    let parsed: Option<i64> = match unit {
        Unit::Plain => string2ll(v),
        Unit::Memory => memtoull(v).map(|u| u as i64),
        Unit::Octal => strtoll_octal(v),
        Unit::MemoryOrPercent => memtoull(v).map(|u| u as i64).or_else(|| {
            let digits = v.strip_suffix(b"%")?;
            let n = string2ll(digits)?;
            (v.len() > 1 && n >= 0).then_some(-n)
        }),
    };
    let Some(ll) = parsed else {
        return Err(match unit {
            Unit::Plain => "argument couldn't be parsed into an integer",
            Unit::Memory => "argument must be a memory value",
            Unit::Octal => "argument couldn't be parsed as an octal number",
            Unit::MemoryOrPercent => "argument must be a memory or percent value",
        }
        .into());
    };
    if unit == Unit::MemoryOrPercent && ll < 0 {
        if (ll as i128) < min {
            return Err(format!("percentage argument must be less or equal to {}", -min));
        }
        return Ok(ll);
    }
    let value = if unsigned { ll as u64 as i128 } else { ll as i128 };
    // The bounds are C `long long`s; an unsigned row compares them as unsigned.
    let (lo, hi) = if unsigned { (min as i64 as u64 as i128, max as i64 as u64 as i128) } else { (min, max) };
    if value < lo || value > hi {
        return Err(if unit == Unit::Octal {
            format!("argument must be between {lo:o} and {hi:o} inclusive")
        } else {
            format!("argument must be between {lo} and {hi} inclusive")
        });
    }
    Ok(ll)
}

/// `string2ll`: strict decimal, optional `-`, no leading zeros, at most 20 bytes.
pub(crate) fn string2ll(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() >= 21 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (neg, digits) = match s.strip_prefix(b"-") {
        Some(d) => (true, d),
        None => (false, s),
    };
    if digits.is_empty() || !(b'1'..=b'9').contains(&digits[0]) || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: u64 = 0;
    for &d in digits {
        v = v.checked_mul(10)?.checked_add((d - b'0') as u64)?;
    }
    if neg {
        if v > (i64::MAX as u64) + 1 {
            return None;
        }
        Some((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

/// `memtoull`: digits then an optional unit. Like the C code, an empty digit string is 0 and
/// an overflow wraps.
pub(crate) fn memtoull(s: &[u8]) -> Option<u64> {
    if s.first() == Some(&b'-') {
        return None;
    }
    let ndigits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    let unit = s[ndigits..].to_ascii_lowercase();
    let mul: u64 = match unit.as_slice() {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1000 * 1000,
        b"mb" => 1024 * 1024,
        b"g" => 1000 * 1000 * 1000,
        b"gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if ndigits >= 128 {
        return None;
    }
    // strtoull saturates at ULLONG_MAX on overflow (errno ERANGE is not checked).
    let mut v: u64 = 0;
    for &d in &s[..ndigits] {
        v = v.checked_mul(10).and_then(|v| v.checked_add((d - b'0') as u64)).unwrap_or(u64::MAX);
    }
    Some(v.wrapping_mul(mul))
}

/// `strtoll(s, &end, radix)` over the whole string (`*end == '\0'`; leading blanks and a
/// sign allowed; empty = 0): the value clamped to i64 and whether it overflowed (`ERANGE`).
fn strtoll_whole(s: &[u8], radix: u8) -> Option<(i64, bool)> {
    let mut p = 0;
    while p < s.len() && super::is_space(s[p]) {
        p += 1;
    }
    let neg = match s.get(p) {
        Some(b'-') => {
            p += 1;
            true
        }
        Some(b'+') => {
            p += 1;
            false
        }
        _ => false,
    };
    let digits_start = p;
    let limit = i64::MAX as i128 + 1;
    let mut v: i128 = 0;
    let mut overflow = false;
    while p < s.len() && s[p].is_ascii_digit() && s[p] - b'0' < radix {
        v = v * radix as i128 + (s[p] - b'0') as i128;
        if v > limit {
            overflow = true;
            v = limit;
        }
        p += 1;
    }
    if p == digits_start {
        // No digits: strtoll returns 0 with end = s; accepted only when s is all consumed,
        // i.e. when s is empty (blanks and a sign alone leave *end != '\0').
        return s.is_empty().then_some((0, false));
    }
    if p != s.len() {
        return None;
    }
    let v = if neg { -v } else { v };
    let overflow = overflow || v > i64::MAX as i128;
    Some((v.clamp(i64::MIN as i128, i64::MAX as i128) as i64, overflow))
}

/// `strtoll(s, &end, 8)` with `errno == 0 && *end == '\0'`.
fn strtoll_octal(s: &[u8]) -> Option<i64> {
    strtoll_whole(s, 8).filter(|&(_, overflow)| !overflow).map(|(v, _)| v)
}

/// `strtol(s, &end, 10)` with `*end == '\0'` (no errno check: an overflow saturates).
fn strtol(s: &[u8]) -> Option<i64> {
    strtoll_whole(s, 10).map(|(v, _)| v)
}

/// `string2d` (strtod on the whole string, no blanks, not NaN).
fn string2d(s: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(s).ok()?;
    if text.is_empty() || text.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    let v: f64 = text.parse().ok()?;
    (!v.is_nan()).then_some(v)
}

/// `save` pairs: `<seconds >= 1> <changes >= 0>`...; a single `""` means no snapshots.
fn save_pairs(args: &[Vec<u8>]) -> Result<Vec<(i64, i64)>, String> {
    let args: &[Vec<u8>] = if args.len() == 1 && args[0].is_empty() { &[] } else { args };
    if args.len() % 2 == 1 {
        return Err("Invalid save parameters".into());
    }
    let mut out = Vec::new();
    for pair in args.chunks(2) {
        let s = strtol(&pair[0]).filter(|&v| v >= 1);
        let c = strtol(&pair[1]).filter(|&v| v >= 0);
        match (s, c) {
            (Some(s), Some(c)) => out.push((s, c as i32 as i64)),
            _ => return Err("Invalid save parameters".into()),
        }
    }
    Ok(out)
}

const OBUF_CLASSES: [&str; 3] = ["normal", "slave", "pubsub"];

fn obuf_class(name: &[u8]) -> Option<usize> {
    let lower = name.to_ascii_lowercase();
    match lower.as_slice() {
        b"normal" => Some(0),
        b"slave" | b"replica" => Some(1),
        b"pubsub" => Some(2),
        _ => None,
    }
}

/// `updateClientOutputBufferLimit`: `<class> <hard> <soft> <seconds>`...
fn client_output_buffer_limits(args: &[Vec<u8>]) -> Result<Vec<(usize, u64, u64, i64)>, String> {
    if args.len() % 4 != 0 {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    let mut out = Vec::new();
    for g in args.chunks(4) {
        let class = obuf_class(&g[0]).ok_or("Invalid client class specified in buffer limit configuration.")?;
        let bad = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
        let hard = memtoull(&g[1]).ok_or(bad)?;
        let soft = memtoull(&g[2]).ok_or(bad)?;
        let secs = strtol(&g[3]).ok_or(bad)?;
        let secs = secs as i32 as i64;
        if secs < 0 {
            return Err(bad.into());
        }
        out.push((class, hard, soft, secs));
    }
    Ok(out)
}

fn keyspace_event_flags(v: &[u8]) -> Option<u32> {
    let mut flags = 0;
    for &c in v {
        flags |= match c {
            b'A' => NOTIFY_ALL,
            b'g' => 1 << 2,
            b'$' => 1 << 3,
            b'l' => 1 << 4,
            b's' => 1 << 5,
            b'h' => 1 << 6,
            b'z' => 1 << 7,
            b'x' => 1 << 8,
            b'e' => 1 << 9,
            b'K' => 1 << 0,
            b'E' => 1 << 1,
            b't' => 1 << 10,
            b'm' => 1 << 11,
            b'd' => 1 << 13,
            b'n' => 1 << 14,
            _ => return None,
        };
    }
    Some(flags)
}

const NOTIFY_ALL: u32 =
    (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 13);

fn keyspace_events_string(flags: u32) -> String {
    let mut s = String::new();
    if flags & NOTIFY_ALL == NOTIFY_ALL {
        s.push('A');
    } else {
        for (bit, c) in [
            (2, 'g'),
            (3, '$'),
            (4, 'l'),
            (5, 's'),
            (6, 'h'),
            (7, 'z'),
            (8, 'x'),
            (9, 'e'),
            (10, 't'),
            (13, 'd'),
            (14, 'n'),
        ] {
            if flags & (1 << bit) != 0 {
                s.push(c);
            }
        }
    }
    for (bit, c) in [(0, 'K'), (1, 'E'), (11, 'm')] {
        if flags & (1 << bit) != 0 {
            s.push(c);
        }
    }
    s
}

/// Canonical name -> the value `CONFIG GET` reports, for the table directives a config sets.
pub type EffectiveConfig = BTreeMap<String, String>;

/// Replay directives (lowercase name, unescaped args) in load order the way redis-server
/// stores them: last wins, `save` lines accumulate (the first one drops the default), aliases
/// land on their canonical name, numbers are printed as `CONFIG GET` prints them.
/// Directives that fail their checks are skipped. `dir` is left out (it reports getcwd()).
pub fn effective_config<'a, I>(directives: I) -> EffectiveConfig
where
    I: IntoIterator<Item = (&'a str, &'a [Vec<u8>])>,
{
    let mut out = EffectiveConfig::new();
    let mut save: Option<Vec<(i64, i64)>> = None;
    let mut obuf: [(u64, u64, i64); 3] = [(0, 0, 0), (256 << 20, 64 << 20, 60), (32 << 20, 8 << 20, 60)];
    let mut obuf_set = false;
    // One checker for the whole replay: a value check does not depend on earlier lines,
    // and building a checker (the command table) per line is the expensive part.
    let mut scratch = Checker::new();
    for (name, args) in directives {
        let Lookup::Table { def, .. } = directives::lookup(name) else { continue };
        if scratch.table(def, args).is_err() {
            continue;
        }
        let resplit;
        let args: &[Vec<u8>] = if def.multi_arg && args.len() == 1 && !args[0].is_empty() {
            resplit = split_value(&args[0]).unwrap_or_default();
            &resplit
        } else {
            args
        };
        let text = |v: &[u8]| String::from_utf8_lossy(v).into_owned();
        let value = match def.kind {
            Kind::Bool => yes_no(&args[0]).map(|b| if b { "yes" } else { "no" }.to_string()),
            Kind::Str(_) => Some(text(&args[0])),
            Kind::Enum(values) => {
                enum_value(values, args, def.multi_arg).ok().map(|v| enum_name(values, v, def.multi_arg))
            }
            Kind::Int { unit, .. } => parse_number(def, &args[0]).ok().map(|ll| match unit {
                Unit::MemoryOrPercent if ll < 0 => format!("{}%", -(ll as i128)),
                Unit::Memory | Unit::MemoryOrPercent => (ll as u64).to_string(),
                Unit::Octal => format!("{:o}", ll),
                Unit::Plain => ll.to_string(),
            }),
            Kind::Dir => None,
            Kind::Save => {
                if let Ok(pairs) = save_pairs(args) {
                    let list = save.get_or_insert_with(Vec::new);
                    if pairs.is_empty() {
                        list.clear();
                    }
                    list.extend(pairs);
                }
                None
            }
            Kind::Bind => {
                let addrs: Vec<String> =
                    if args.len() == 1 && args[0].is_empty() { vec![] } else { args.iter().map(|a| text(a)).collect() };
                Some(addrs.join(" "))
            }
            Kind::ReplicaOf => {
                if eq_ci(&args[0], "no") && eq_ci(&args[1], "one") {
                    Some(String::new())
                } else {
                    strtol(&args[1]).map(|p| format!("{} {}", text(&args[0]), p))
                }
            }
            Kind::ClientOutputBufferLimit => {
                if let Ok(groups) = client_output_buffer_limits(args) {
                    for (class, hard, soft, secs) in groups {
                        obuf[class] = (hard, soft, secs);
                    }
                    obuf_set = true;
                }
                None
            }
            Kind::OomScoreAdjValues => {
                let vals: Vec<String> = args.iter().filter_map(|a| strtol(a)).map(|v| v.to_string()).collect();
                Some(vals.join(" "))
            }
            Kind::LatencyTrackingInfoPercentiles => None,
            Kind::NotifyKeyspaceEvents => keyspace_event_flags(&args[0]).map(keyspace_events_string),
        };
        if let Some(v) = value {
            out.insert(def.name.to_string(), v);
        }
    }
    if let Some(list) = save {
        let parts: Vec<String> = list.iter().map(|(s, c)| format!("{s} {c}")).collect();
        out.insert("save".into(), parts.join(" "));
    }
    if obuf_set {
        let parts: Vec<String> =
            obuf.iter().zip(OBUF_CLASSES).map(|((h, s, t), c)| format!("{c} {h} {s} {t}")).collect();
        out.insert("client-output-buffer-limit".into(), parts.join(" "));
    }
    out
}

#[cfg(test)]
mod tests {

    #[test]
    fn c_integer_parsing() {
        assert_eq!(strtol(b" -42"), Some(-42));
        assert_eq!(strtol(b""), Some(0));
        assert_eq!(strtol(b"12x"), None);
        assert_eq!(strtol(b"99999999999999999999"), Some(i64::MAX));
        assert_eq!(strtoll_octal(b"0777"), Some(511));
        assert_eq!(strtoll_octal(b"8"), None);
        assert_eq!(strtoll_octal(b"-1000000000000000000000"), Some(i64::MIN));
        assert_eq!(strtoll_octal(b"1000000000000000000000"), None);
    }

    use super::*;

    fn check(line: &str) -> Result<Action, String> {
        let b = line.as_bytes();
        let args = super::super::split_value(b).expect("balanced");
        let name = String::from_utf8_lossy(&args[0]).to_ascii_lowercase();
        Checker::new().directive(&name, &args[1..])
    }

    #[test]
    fn arity_and_kinds() {
        assert!(check("port 6380").is_ok());
        assert_eq!(check("port 6380 1").unwrap_err(), "wrong number of arguments");
        assert_eq!(check("port 70000").unwrap_err(), "argument must be between 0 and 65535 inclusive");
        assert_eq!(check("port 06380").unwrap_err(), "argument couldn't be parsed into an integer");
        assert_eq!(check("daemonize maybe").unwrap_err(), "argument must be 'yes' or 'no'");
        assert!(check("DAEMONIZE YES").is_ok());
        assert!(check("loglevel bogus").unwrap_err().starts_with("argument(s) must be one of the following: debug"));
        assert_eq!(check("nosuch 1").unwrap_err(), "Bad directive or wrong number of arguments");
        assert!(check("list-max-ziplist-entries 5").is_ok());
        assert!(check("include /x").is_ok());
        assert!(check("include").is_err());
        assert_eq!(check("unixsocketperm 1000").unwrap_err(), "argument must be between 0 and 777 inclusive");
    }

    #[test]
    fn numbers_like_c() {
        assert_eq!(memtoull(b"1kb"), Some(1024));
        assert_eq!(memtoull(b"1K"), Some(1000));
        assert_eq!(memtoull(b"mb"), Some(0));
        assert_eq!(memtoull(b"-1"), None);
        assert_eq!(memtoull(b"1 mb"), None);
        assert_eq!(string2ll(b"-0"), None);
        assert_eq!(string2ll(b"+1"), None);
        assert_eq!(string2ll(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(strtoll_octal(b"0755"), Some(0o755));
        assert_eq!(strtol(b" 12"), Some(12));
        assert_eq!(strtol(b"12x"), None);
    }

    #[test]
    fn acl_rules() {
        assert_eq!(check("user alice on >pw ~cache:* +get +config|get -@dangerous"), Ok(Action::None));
        assert!(matches!(check("user alice on +nosuch"), Ok(Action::AclUnknown(_))));
        assert!(matches!(check("user alice on +config|nosuch"), Ok(Action::AclUnknown(_))));
        assert_eq!(check("user alice on +select|0"), Ok(Action::None));
        assert_eq!(check("user alice on bad").unwrap_err(), "Error in user declaration 'alice': Syntax error");
        assert!(check("user bob on nopass (~x +get) ~y").is_ok());
        assert!(check("user bob bogus").unwrap_err().ends_with("Syntax error"));
        assert!(check("user bob ~* ~foo").is_err());
        assert!(check("user bob <nothere").is_err());
        let mut c = Checker::new();
        assert!(c.directive("user", &[b"a".to_vec()]).is_ok());
        assert!(c.directive("user", &[b"a".to_vec()]).is_err());
    }

    #[test]
    fn rename_command_table() {
        let mut c = Checker::new();
        assert!(c.directive("rename-command", &[b"CONFIG".to_vec(), b"".to_vec()]).is_ok());
        assert!(c.directive("rename-command", &[b"config".to_vec(), b"x".to_vec()]).is_err());
        assert!(c.directive("rename-command", &[b"get".to_vec(), b"SET".to_vec()]).is_err());
    }

    #[test]
    fn effective_values() {
        let lines: Vec<(&str, Vec<Vec<u8>>)> = vec![
            ("save", vec![b"900 1".to_vec()]),
            ("save", vec![b"300".to_vec(), b"10".to_vec()]),
            ("slave-read-only", vec![b"NO".to_vec()]),
            ("maxmemory", vec![b"1gb".to_vec()]),
            ("oom-score-adj", vec![b"relative".to_vec()]),
            ("shutdown-on-sigterm", vec![b"now save".to_vec()]),
            ("notify-keyspace-events", vec![b"Egx".to_vec()]),
        ];
        let eff = effective_config(lines.iter().map(|(n, a)| (*n, a.as_slice())));
        assert_eq!(eff["save"], "900 1 300 10");
        assert_eq!(eff["replica-read-only"], "no");
        assert_eq!(eff["maxmemory"], "1073741824");
        assert_eq!(eff["oom-score-adj"], "yes");
        assert_eq!(eff["shutdown-on-sigterm"], "save now");
        assert_eq!(eff["notify-keyspace-events"], "gxE");
    }
}
