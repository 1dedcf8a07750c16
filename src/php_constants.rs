//! The PHP constants defined when PHP reads its ini files (core and main constants only:
//! extensions register theirs afterwards, so `M_PI` in php.ini stays the text "M_PI").
//! Values as Debian 12's PHP 8.2 CLI prints them, converted to strings as the ini scanner
//! does; `build_dependent` marks those that differ between PHP builds and SAPIs.

/// (name, value as the ini scanner substitutes it, build_dependent)
pub const STARTUP_CONSTANTS: &[(&str, &str, bool)] = &[
    ("DEBUG_BACKTRACE_IGNORE_ARGS", "2", false),
    ("DEBUG_BACKTRACE_PROVIDE_OBJECT", "1", false),
    ("DEFAULT_INCLUDE_PATH", ".:/usr/share/php", true),
    ("E_ALL", "32767", false),
    ("E_COMPILE_ERROR", "64", false),
    ("E_COMPILE_WARNING", "128", false),
    ("E_CORE_ERROR", "16", false),
    ("E_CORE_WARNING", "32", false),
    ("E_DEPRECATED", "8192", false),
    ("E_ERROR", "1", false),
    ("E_NOTICE", "8", false),
    ("E_PARSE", "4", false),
    ("E_RECOVERABLE_ERROR", "4096", false),
    ("E_STRICT", "2048", false),
    ("E_USER_DEPRECATED", "16384", false),
    ("E_USER_ERROR", "256", false),
    ("E_USER_NOTICE", "1024", false),
    ("E_USER_WARNING", "512", false),
    ("E_WARNING", "2", false),
    ("FALSE", "", false),
    ("NULL", "", false),
    ("PEAR_EXTENSION_DIR", "/usr/lib/php/20220829", true),
    ("PEAR_INSTALL_DIR", "/usr/share/php", true),
    ("PHP_BINARY", "/usr/bin/php8.2", true),
    ("PHP_BINDIR", "/usr/bin", true),
    ("PHP_CONFIG_FILE_PATH", "/etc/php/8.2/cli", true),
    ("PHP_CONFIG_FILE_SCAN_DIR", "/etc/php/8.2/cli/conf.d", true),
    ("PHP_DATADIR", "/usr/share/php/8.2", true),
    ("PHP_DEBUG", "0", false),
    ("PHP_EOL", "\n", false),
    ("PHP_EXTENSION_DIR", "/usr/lib/php/20220829", true),
    ("PHP_EXTRA_VERSION", "", true),
    ("PHP_FD_SETSIZE", "1024", false),
    ("PHP_FLOAT_DIG", "15", false),
    ("PHP_FLOAT_EPSILON", "2.0E-16", false),
    ("PHP_FLOAT_MAX", "2.0E+308", false),
    ("PHP_FLOAT_MIN", "2.0E-308", false),
    ("PHP_INT_MAX", "9223372036854775807", false),
    ("PHP_INT_MIN", "-9223372036854775808", false),
    ("PHP_INT_SIZE", "8", false),
    ("PHP_LIBDIR", "/usr/lib/php", true),
    ("PHP_LOCALSTATEDIR", "/var", true),
    ("PHP_MAJOR_VERSION", "8", true),
    ("PHP_MANDIR", "/usr/share/man", true),
    ("PHP_MAXPATHLEN", "4096", false),
    ("PHP_MINOR_VERSION", "2", true),
    ("PHP_OS", "Linux", false),
    ("PHP_OS_FAMILY", "Linux", false),
    ("PHP_OUTPUT_HANDLER_CLEAN", "2", false),
    ("PHP_OUTPUT_HANDLER_CLEANABLE", "16", false),
    ("PHP_OUTPUT_HANDLER_CONT", "0", false),
    ("PHP_OUTPUT_HANDLER_DISABLED", "8192", false),
    ("PHP_OUTPUT_HANDLER_END", "8", false),
    ("PHP_OUTPUT_HANDLER_FINAL", "8", false),
    ("PHP_OUTPUT_HANDLER_FLUSH", "4", false),
    ("PHP_OUTPUT_HANDLER_FLUSHABLE", "32", false),
    ("PHP_OUTPUT_HANDLER_REMOVABLE", "64", false),
    ("PHP_OUTPUT_HANDLER_START", "1", false),
    ("PHP_OUTPUT_HANDLER_STARTED", "4096", false),
    ("PHP_OUTPUT_HANDLER_STDFLAGS", "112", false),
    ("PHP_OUTPUT_HANDLER_WRITE", "0", false),
    ("PHP_PREFIX", "/usr", true),
    ("PHP_RELEASE_VERSION", "36", true),
    ("PHP_SAPI", "cli", true),
    ("PHP_SHLIB_SUFFIX", "so", false),
    ("PHP_SYSCONFDIR", "/etc", true),
    ("PHP_VERSION", "8.2.36", true),
    ("PHP_VERSION_ID", "80236", true),
    ("PHP_ZTS", "0", true),
    ("TRUE", "1", false),
    ("UPLOAD_ERR_CANT_WRITE", "7", false),
    ("UPLOAD_ERR_EXTENSION", "8", false),
    ("UPLOAD_ERR_FORM_SIZE", "2", false),
    ("UPLOAD_ERR_INI_SIZE", "1", false),
    ("UPLOAD_ERR_NO_FILE", "4", false),
    ("UPLOAD_ERR_NO_TMP_DIR", "6", false),
    ("UPLOAD_ERR_OK", "0", false),
    ("UPLOAD_ERR_PARTIAL", "3", false),
    ("ZEND_DEBUG_BUILD", "", false),
    ("ZEND_THREAD_SAFE", "", true),
];

/// The value PHP substitutes for a bare constant name in an ini value or offset: the table's
/// names as written, and `true`, `false` and `null` in any case (PHP 8's
/// `zend_get_special_const` compares them case-insensitively: `k[True]` is key `1`,
/// `k[nULL]` appends). `None` for any other name.
pub fn startup_constant(name: &[u8]) -> Option<&'static str> {
    STARTUP_CONSTANTS
        .binary_search_by(|(n, _, _)| n.as_bytes().cmp(name))
        .ok()
        .map(|i| STARTUP_CONSTANTS[i].1)
        .or_else(|| special_constant(name))
}

/// `true` (`"1"`), `false` and `null` (`""`) in any ASCII case.
fn special_constant(name: &[u8]) -> Option<&'static str> {
    match name.len() {
        4 if name.eq_ignore_ascii_case(b"true") => Some("1"),
        4 if name.eq_ignore_ascii_case(b"null") => Some(""),
        5 if name.eq_ignore_ascii_case(b"false") => Some(""),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn table_is_sorted_for_binary_search() {
        assert!(super::STARTUP_CONSTANTS.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(super::startup_constant(b"E_ALL"), Some("32767"));
        assert_eq!(super::startup_constant(b"M_PI"), None);
        // PHP 8's special constants in any case; other names as written only.
        for (name, value) in [("true", "1"), ("tRUE", "1"), ("False", ""), ("nULL", ""), ("NULL", "")] {
            assert_eq!(super::startup_constant(name.as_bytes()), Some(value), "{name}");
        }
        assert_eq!(super::startup_constant(b"e_all"), None);
        assert_eq!(super::startup_constant(b"truex"), None);
    }
}
