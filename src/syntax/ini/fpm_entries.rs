//! The names php-fpm 8.2 knows in its own files (php-fpm.conf and pool files), from
//! php-src's `sapi/fpm/fpm/fpm_conf.c`; php-fpm refuses a file with any other name.
//! Asked of php-fpm8.2 itself in `tests/fpm_entries_live.rs`.

/// The `[global]` entries php-fpm 8.2 knows (`ini_fpm_global_options` of php-src's
/// `sapi/fpm/fpm/fpm_conf.c`, with Linux's `syslog.*` and `systemd_interval`), compared
/// without regard to case (`strcasecmp`). php-fpm refuses any other name there.
pub const FPM_GLOBAL_ENTRIES: &[&str] = &[
    "pid",
    "error_log",
    "syslog.ident",
    "syslog.facility",
    "log_buffering",
    "log_level",
    "log_limit",
    "emergency_restart_threshold",
    "emergency_restart_interval",
    "process_control_timeout",
    "process.max",
    "process.priority",
    "daemonize",
    "rlimit_files",
    "rlimit_core",
    "events.mechanism",
    "systemd_interval",
];

/// The pool entries php-fpm 8.2 knows (`ini_fpm_pool_options`), as Debian and RHEL build it:
/// with `listen.acl_*` (libacl) and `apparmor_hat`; without FreeBSD's `listen.setfib`, which
/// php-fpm8.2 on Linux refuses. Compared without regard to case.
pub const FPM_POOL_ENTRIES: &[&str] = &[
    "prefix",
    "user",
    "group",
    "listen",
    "listen.backlog",
    "listen.acl_users",
    "listen.acl_groups",
    "listen.owner",
    "listen.group",
    "listen.mode",
    "listen.allowed_clients",
    "process.priority",
    "process.dumpable",
    "pm",
    "pm.max_children",
    "pm.start_servers",
    "pm.min_spare_servers",
    "pm.max_spare_servers",
    "pm.max_spawn_rate",
    "pm.process_idle_timeout",
    "pm.max_requests",
    "pm.status_path",
    "pm.status_listen",
    "ping.path",
    "ping.response",
    "access.log",
    "access.format",
    "slowlog",
    "request_slowlog_timeout",
    "request_slowlog_trace_depth",
    "request_terminate_timeout",
    "request_terminate_timeout_track_finished",
    "rlimit_files",
    "rlimit_core",
    "chroot",
    "chdir",
    "catch_workers_output",
    "decorate_workers_output",
    "clear_env",
    "security.limit_extensions",
    "apparmor_hat",
];

/// The `name[key] = value` names php-fpm knows in a pool (`fpm_conf_ini_parser_array`),
/// compared byte for byte: `Env[A]` and `PHP_VALUE[x]` are refused.
pub const FPM_ARRAY_ENTRIES: &[&str] =
    &["env", "php_value", "php_admin_value", "php_flag", "php_admin_flag", "access.suppress_path"];
