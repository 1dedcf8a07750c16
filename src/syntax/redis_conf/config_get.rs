//! The values `CONFIG GET` reports after a config is loaded: the directives replayed in load
//! order the way redis-server stores them (redis@7.0.15:src/config.c).

use std::collections::BTreeMap;

use super::c_numbers::strtol;
use super::check::{parse_number, Checker};
use super::directives::{self, DirectiveDef, Kind, Lookup, Unit};
use super::values::{
    client_output_buffer_limits, enum_name, enum_value, eq_ci, keyspace_event_flags, keyspace_events_string,
    save_pairs, yes_no, OBUF_CLASSES,
};
use super::{split_value, ArgBytes};

/// The canonical name of a directive of the table (`replica-read-only`, never its alias
/// `slave-read-only`): only [`effective_config`] makes one, from the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DirectiveName(&'static str);

impl DirectiveName {
    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl std::ops::Deref for DirectiveName {
    type Target = str;
    fn deref(&self) -> &str {
        self.0
    }
}

impl std::borrow::Borrow<str> for DirectiveName {
    fn borrow(&self) -> &str {
        self.0
    }
}

impl std::fmt::Display for DirectiveName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.0)
    }
}

/// What `CONFIG GET` reports for each table directive a config sets, by canonical name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EffectiveConfig {
    values: BTreeMap<DirectiveName, String>,
}

impl EffectiveConfig {
    /// The value of the directive with canonical name `name`, if the config sets it.
    pub fn get(&self, name: &str) -> Option<&String> {
        self.values.get(name)
    }

    /// (canonical name, value), in name order.
    pub fn iter(&self) -> std::collections::btree_map::Iter<'_, DirectiveName, String> {
        self.values.iter()
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

impl<'a> IntoIterator for &'a EffectiveConfig {
    type Item = (&'a DirectiveName, &'a String);
    type IntoIter = std::collections::btree_map::Iter<'a, DirectiveName, String>;
    fn into_iter(self) -> Self::IntoIter {
        self.values.iter()
    }
}

impl std::ops::Index<&str> for EffectiveConfig {
    type Output = String;
    /// Panics when the config does not set `name` (for tests).
    fn index(&self, name: &str) -> &String {
        &self.values[name]
    }
}

/// Replay directives (lowercase name, unescaped args) in load order the way redis-server
/// stores them: last wins, `save` lines accumulate (the first one drops the default), aliases
/// land on their canonical name, numbers are printed as `CONFIG GET` prints them.
/// Directives that fail their checks are skipped. `dir` is left out (it reports getcwd()).
pub fn effective_config<'a, I>(directives: I) -> EffectiveConfig
where
    I: IntoIterator<Item = (&'a str, &'a [ArgBytes])>,
{
    let rows = directives.into_iter().filter_map(|(name, args)| match directives::lookup(name) {
        Lookup::Table { def, .. } => Some((def, args)),
        _ => None,
    });
    // In name order already: the map is built in one pass.
    let values = effective_rows(rows).into_iter().map(|(def, v)| (DirectiveName(def.name), v)).collect();
    EffectiveConfig { values }
}

/// [`effective_config`] of the table directives already looked up (`def`, unescaped args),
/// in load order: `(row, value)` in name order, one per row set. A caller that looked the
/// names up (the server model) neither looks them up again nor builds a map per value.
pub(crate) fn effective_rows<'a, I>(rows: I) -> Vec<(&'static DirectiveDef, String)>
where
    I: IntoIterator<Item = (&'static DirectiveDef, &'a [ArgBytes])>,
{
    // The values set, in the order first set.
    let mut out: Vec<String> = Vec::new();
    // Where each row's value is in `out` (+1; 0 = not set): last wins without a search.
    let mut slot = vec![0u32; directives::DIRECTIVES.len()];
    let mut save_def = None;
    let mut obuf_def = None;
    let mut save: Option<Vec<(i64, i64)>> = None;
    let mut obuf: [(u64, u64, i64); 3] = [(0, 0, 0), (256 << 20, 64 << 20, 60), (32 << 20, 8 << 20, 60)];
    let mut obuf_set = false;
    // One checker for the whole replay: a value check does not depend on earlier lines,
    // and building a checker (the command table) per line is the expensive part.
    let mut scratch = Checker::new();
    for (def, args) in rows {
        if scratch.table(def, args).is_err() {
            continue;
        }
        let resplit;
        let args: &[ArgBytes] = if def.multi_arg && args.len() == 1 && !args[0].is_empty() {
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
                save_def = Some(def);
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
                obuf_def = Some(def);
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
            set(&mut out, &mut slot, def, v);
        }
    }
    if let (Some(list), Some(def)) = (save, save_def) {
        let parts: Vec<String> = list.iter().map(|(s, c)| format!("{s} {c}")).collect();
        set(&mut out, &mut slot, def, parts.join(" "));
    }
    if let (true, Some(def)) = (obuf_set, obuf_def) {
        let parts: Vec<String> =
            obuf.iter().zip(OBUF_CLASSES).map(|((h, s, t), c)| format!("{c} {h} {s} {t}")).collect();
        set(&mut out, &mut slot, def, parts.join(" "));
    }
    // In name order by the table's own order of names: no sort, no string compared.
    let mut values: Vec<Option<String>> = out.into_iter().map(Some).collect();
    directives::ROWS_BY_NAME
        .iter()
        .filter_map(|&row| {
            let at = (*slot.get(usize::from(row))? as usize).checked_sub(1)?;
            Some((&directives::DIRECTIVES[usize::from(row)], values.get_mut(at)?.take()?))
        })
        .collect()
}

/// Give `def` the value `v` in `out` (replacing the one it had), `slot` remembering where.
fn set(out: &mut Vec<String>, slot: &mut [u32], def: &'static DirectiveDef, v: String) {
    let Some(row) = directives::row_index(def) else { return };
    match slot[row] {
        0 => {
            out.push(v);
            slot[row] = out.len() as u32;
        }
        at => out[at as usize - 1] = v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effective_values() {
        let lines: Vec<(&str, Vec<ArgBytes>)> = vec![
            ("save", vec![b"900 1".to_vec().into()]),
            ("save", vec![b"300".to_vec().into(), b"10".to_vec().into()]),
            ("slave-read-only", vec![b"NO".to_vec().into()]),
            ("maxmemory", vec![b"1gb".to_vec().into()]),
            ("oom-score-adj", vec![b"relative".to_vec().into()]),
            ("shutdown-on-sigterm", vec![b"now save".to_vec().into()]),
            ("notify-keyspace-events", vec![b"Egx".to_vec().into()]),
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
