//! The checks redis-server makes on each directive while it loads a config file (the ones
//! that end in `*** FATAL CONFIG FILE ERROR ***`), and the state they keep between lines.
//!
//! Messages are redis-server's own (redis@7.0.15:src/config.c, src/acl.c).

use super::acl::{merge_selectors, AclError, AclScratch};
use super::c_numbers::{memtoull, string2d, string2ll, strtol, strtoll_octal};
use super::directives::{self, DirectiveDef, Kind, Lookup, StrCheck, Unit, COMMANDS_7_0};
use super::values::{client_output_buffer_limits, enum_value, eq_ci, keyspace_event_flags, save_pairs, yes_no};
use super::{split_value, ArgBytes};

/// A set of names (command names, ACL user names) hashed with foldhash instead of SipHash:
/// asked per `user` line and per ACL rule; its per-process random seed still keeps a config
/// from choosing names that collide (as PHP arrays' keys in `php_value`).
pub(super) type NameSet = std::collections::HashSet<Vec<u8>, foldhash::fast::RandomState>;

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
    users: NameSet,
    /// Current command names (lowercase): the 7.0 table with renames applied.
    /// The command table, shared until a `rename-command` changes it (building it per
    /// config cost a quarter million instructions per server in a fleet); `None` until a
    /// line needs it (a config without `user` or `rename-command` lines never builds it:
    /// 0.13 M instructions of a one-host check).
    commands: Option<std::borrow::Cow<'static, NameSet>>,
    cluster_enabled: bool,
    replicaof_set: bool,
    module_configs: bool,
    modules_loaded: bool,
}

/// redis-server 7.0's top-level command names, built once.
static COMMAND_TABLE: std::sync::LazyLock<NameSet> = std::sync::LazyLock::new(|| {
    COMMANDS_7_0.iter().filter(|c| !c.contains('|')).map(|c| c.as_bytes().to_vec()).collect()
});

impl Default for Checker {
    fn default() -> Self {
        Checker::new()
    }
}

impl Checker {
    /// The current command names: the 7.0 table until a rename changed them.
    fn commands(&self) -> &NameSet {
        self.commands.as_deref().unwrap_or(&COMMAND_TABLE)
    }

    pub fn new() -> Self {
        Checker {
            users: NameSet::default(),
            commands: None,
            cluster_enabled: false,
            replicaof_set: false,
            module_configs: false,
            modules_loaded: false,
        }
    }

    /// Check one directive (`name` lowercased, `args` unescaped) as loadServerConfigFromString
    /// does. `Err` carries redis-server's message.
    pub fn directive(&mut self, name: &str, args: &[ArgBytes]) -> Result<Action, String> {
        self.looked_up(directives::lookup(name), args)
    }

    /// [`Checker::directive`] of a name already looked up (`found`: what
    /// [`directives::lookup`] gave for it).
    pub(crate) fn looked_up(&mut self, found: Lookup, args: &[ArgBytes]) -> Result<Action, String> {
        let argc = args.len() + 1;
        match found {
            Lookup::Table { def, .. } => self.table(def, args),
            Lookup::Deprecated if argc == 2 => Ok(Action::None),
            Lookup::Include if argc == 2 => Ok(Action::Include(args[0].to_vec())),
            Lookup::RenameCommand if argc == 3 => self.rename_command(&args[0], &args[1]),
            Lookup::User if argc >= 2 => self.user(args),
            Lookup::LoadModule if argc >= 2 => {
                self.modules_loaded = true;
                Ok(Action::LoadModule(args[0].to_vec()))
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

    /// The checks of a directive of the table (its value's kind and bounds).
    pub(super) fn table(&mut self, def: &'static DirectiveDef, args: &[ArgBytes]) -> Result<Action, String> {
        if !def.multi_arg && args.len() != 1 {
            return Err("wrong number of arguments".into());
        }
        // MULTI_ARG rows re-split a single non-empty argument (`save "900 1 300 10"`).
        let resplit;
        let args: &[ArgBytes] = if def.multi_arg && args.len() == 1 && !args[0].is_empty() {
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
                    return Ok(Action::LogFile(args[0].to_vec()));
                }
                Ok(Action::None)
            }
            Kind::Enum(values) => enum_value(values, args, def.multi_arg).map(|_| Action::None),
            Kind::Int { .. } => parse_number(def, &args[0]).map(|_| Action::None),
            Kind::Dir => {
                if args.len() != 1 {
                    return Err("wrong number of arguments".into());
                }
                Ok(Action::Dir(args[0].to_vec()))
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

    /// The rules of an ACL file's `user` line as redis-server applies them (redis@7.0.15:src/acl.c
    /// ACLLoadFromFile): `rules` are already joined into selectors and trimmed of tabs and
    /// line ends, as that loader does before ACLSetUser; the user is new (the file's caller
    /// refuses a second line for a name). `Err`: the message the file's error gives, `Syntax
    /// error` or `Error in applying operation '+bogus': Unknown command or category name in
    /// ACL` (unknown names are fatal in an ACL file); a password in it is masked.
    pub fn acl_file_rules(&self, rules: &[Vec<u8>]) -> Result<(), String> {
        let mut user = AclScratch::new(&COMMAND_TABLE);
        let mut unknown = None;
        for op in rules {
            match user.apply(op) {
                Ok(()) => {}
                Err(AclError::Unknown) => {
                    unknown.get_or_insert_with(|| {
                        format!(
                            "Error in applying operation '{}': Unknown command or category name in ACL",
                            masked_rule(op)
                        )
                    });
                }
                Err(AclError::Fatal(why)) => return Err(why.to_owned()),
            }
        }
        unknown.map_or(Ok(()), Err)
    }

    fn rename_command(&mut self, from: &[u8], to: &[u8]) -> Result<Action, String> {
        let from = from.to_ascii_lowercase();
        if !self.commands().contains(&from) {
            return Err("No such command in rename-command".into());
        }
        let commands = self.commands.get_or_insert_with(|| std::borrow::Cow::Borrowed(&*COMMAND_TABLE)).to_mut();
        commands.remove(&from);
        if !to.is_empty() && !commands.insert(to.to_ascii_lowercase()) {
            return Err("Target command name already exists".into());
        }
        Ok(Action::None)
    }

    /// `ACLAppendUserForLoading`: the rules are tried on a scratch user. Unknown command or
    /// category names pass here (errno ENOENT is ignored) and fail later at startup.
    fn user(&mut self, args: &[ArgBytes]) -> Result<Action, String> {
        let username = &args[0];
        // redis-server names the offending word as argv[j], j being the rule's index among
        // the rules (not among all words): it prints "user", the username, or an earlier rule.
        // A rule that sets a password (`>pw`, `<pw`, `#hash`) is named by its kind only:
        // redis-server prints it in its log, sesslint's messages never carry it; nor a word
        // after one (`user u >a allkeys on Qz`, refused: the password's rest, unquoted).
        let password_at = args.iter().skip(1).position(|a| crate::syntax::redis_acl::acl_rule_secret_from(a).is_some());
        let word = |j: usize| -> String {
            let w: &[u8] = match j {
                0 => b"user",
                _ => args.get(j - 1).map(ArgBytes::as_slice).unwrap_or(b""),
            };
            match (j, w.first()) {
                (2.., _) if password_at.is_some_and(|p| j - 1 > p + 1) => "********".to_owned(),
                (2.., Some(&c @ (b'>' | b'<' | b'#'))) => format!("{}********", c as char),
                (2.., _) => masked_rule(w),
                _ => String::from_utf8_lossy(w).into_owned(),
            }
        };
        if self.users.contains(username.as_slice()) {
            return Err(format!(
                "Error in user declaration '{}': Duplicate user found. A user can only be defined once in config files",
                word(1)
            ));
        }
        let merged = merge_selectors(&args[1..])
            .map_err(|j| format!("Error in user declaration '{}': Syntax error", word(j)))?;
        let mut user = AclScratch::new(&COMMAND_TABLE);
        let mut unknown = None;
        for (j, op) in merged.iter().enumerate() {
            match user.apply(op) {
                Ok(()) => {}
                Err(AclError::Unknown) => {
                    unknown.get_or_insert_with(|| {
                        format!(
                            "Error loading ACL rule '{}' for the user named '{}': Unknown command or category name in ACL",
                            masked_rule(op),
                            String::from_utf8_lossy(username)
                        )
                    });
                }
                Err(AclError::Fatal(why)) => return Err(format!("Error in user declaration '{}': {why}", word(j))),
            }
        }
        self.users.insert(username.to_vec());
        Ok(unknown.map_or(Action::None, Action::AclUnknown))
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
pub(super) fn parse_number(def: &DirectiveDef, v: &[u8]) -> Result<i64, String> {
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

/// An ACL rule as an error message quotes it, its secret masked (`->********`).
fn masked_rule(rule: &[u8]) -> String {
    match crate::syntax::redis_acl::acl_rule_secret_from(rule) {
        Some(f) => format!("{}********", String::from_utf8_lossy(&rule[..f])),
        None => String::from_utf8_lossy(rule).into_owned(),
    }
}

#[cfg(test)]
mod tests {
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
        assert!(c.directive("user", &[b"a".to_vec().into()]).is_ok());
        assert!(c.directive("user", &[b"a".to_vec().into()]).is_err());
    }

    #[test]
    fn rename_command_table() {
        let mut c = Checker::new();
        assert!(c.directive("rename-command", &[b"CONFIG".to_vec().into(), b"".to_vec().into()]).is_ok());
        assert!(c.directive("rename-command", &[b"config".to_vec().into(), b"x".to_vec().into()]).is_err());
        assert!(c.directive("rename-command", &[b"get".to_vec().into(), b"SET".to_vec().into()]).is_err());
    }
}
