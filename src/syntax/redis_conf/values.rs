//! Codecs for redis.conf values with a shape of their own: yes/no, enums and bit-flag enums,
//! `save` pairs, `client-output-buffer-limit` groups and `notify-keyspace-events` flags, each
//! read and printed as redis-server does (redis@7.0.15:src/config.c, src/notify.c).

use super::c_numbers::{memtoull, strtol};
use super::ArgBytes;

pub(super) fn eq_ci(a: &[u8], b: &str) -> bool {
    a.eq_ignore_ascii_case(b.as_bytes())
}

/// `yesnotoi`.
pub(super) fn yes_no(v: &[u8]) -> Option<bool> {
    if eq_ci(v, "yes") {
        Some(true)
    } else if eq_ci(v, "no") {
        Some(false)
    } else {
        None
    }
}

/// `configEnumGetValue`: one name, or (bit flags) several names OR-ed together.
pub(super) fn enum_value(values: &[(&str, u32)], args: &[ArgBytes], bitflags: bool) -> Result<u32, String> {
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
pub(super) fn enum_name(values: &[(&str, u32)], value: u32, bitflags: bool) -> String {
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

/// `save` pairs: `<seconds >= 1> <changes >= 0>`...; a single `""` means no snapshots.
pub(super) fn save_pairs(args: &[ArgBytes]) -> Result<Vec<(i64, i64)>, String> {
    let args: &[ArgBytes] = if args.len() == 1 && args[0].is_empty() { &[] } else { args };
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

pub(super) const OBUF_CLASSES: [&str; 3] = ["normal", "slave", "pubsub"];

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
pub(super) fn client_output_buffer_limits(args: &[ArgBytes]) -> Result<Vec<(usize, u64, u64, i64)>, String> {
    if !args.len().is_multiple_of(4) {
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

pub(super) fn keyspace_event_flags(v: &[u8]) -> Option<u32> {
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

pub(super) fn keyspace_events_string(flags: u32) -> String {
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
