//! php-fpm's reading of a pool's integer entries (`pm.max_children`): the digits it accepts,
//! the number it makes of them, and the worker count it refuses to start with.

/// The number php-fpm makes of an integer entry's value `v` (as the ini scanner gives it:
/// quotes gone, blanks trimmed), or why it refuses the line. fpm_conf_set_integer accepts
/// an optional leading `-` then ASCII digits only (no `+`, no blanks, no `0x`): else
/// "is not a valid number (greater or equal than zero)" and php-fpm does not start. An
/// empty value passes as 0. The number is `atoi`'s: glibc's strtol clamped to a 64-bit
/// `long`, then cut to a 32-bit `int` (`4294967297` is 1, `2147483648` is negative). Asked
/// of php-fpm8.2 -tt in tests/fpm_values_live.rs.
pub fn fpm_integer(v: &str) -> Result<i32, &'static str> {
    let digits = v.strip_prefix('-').unwrap_or(v);
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("is not a valid number (greater or equal than zero)");
    }
    let long: i64 = match digits.parse::<i64>() {
        Ok(n) if v.starts_with('-') => -n,
        Ok(n) => n,
        Err(_) if digits.is_empty() => 0,
        // More digits than a long holds: strtol's LONG_MIN / LONG_MAX.
        Err(_) if v.starts_with('-') => i64::MIN,
        Err(_) => i64::MAX,
    };
    // `(int)` of a long keeps its low 32 bits.
    Ok(long as i32)
}

/// The worker count php-fpm runs pool `pool` with, from its `pm.max_children` line: `None`
/// when the pool does not set it, `Err` with php-fpm's words when php-fpm refuses to start
/// with it (not a number, or below 1: "pm.max_children must be a positive value",
/// fpm_conf_process_all_pools).
pub fn max_children(pool: &super::FpmPool) -> Option<Result<i32, &'static str>> {
    let v = pool.settings.get("pm.max_children")?;
    Some(
        fpm_integer(&v.value).and_then(|n| if n < 1 { Err("pm.max_children must be a positive value") } else { Ok(n) }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_fpm_s_integers() {
        assert_eq!(fpm_integer("5"), Ok(5));
        assert_eq!(fpm_integer("007"), Ok(7));
        assert_eq!(fpm_integer(""), Ok(0));
        assert_eq!(fpm_integer("-0"), Ok(0));
        assert_eq!(fpm_integer("4294967297"), Ok(1));
        assert!(fpm_integer("2147483648").is_ok_and(|n| n < 0));
        assert_eq!(fpm_integer("99999999999"), Ok(1215752191));
        assert_eq!(fpm_integer("9223372036854775808"), Ok(-1));
        for refused in ["abc", "5abc", "+5", "0x10", "1e3", "5 5", "--5"] {
            assert!(fpm_integer(refused).is_err(), "{refused}");
        }
    }
}
