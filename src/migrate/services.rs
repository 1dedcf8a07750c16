//! Which service must be reloaded for a changed file to take effect, by the layout the
//! distributions install (printed for the user, never run).

use std::path::Path;

use crate::model::{PhpSetup, Sapi};

/// The Debian version directory (`8.2`) of a setup under `.../php/8.2/<sapi>`.
fn debian_version(dir: &Path) -> Option<String> {
    let parent = dir.parent()?;
    let version = parent.file_name()?.to_str()?;
    let php = parent.parent()?.file_name()?.to_str()?;
    (php == "php" && version.chars().all(|c| c.is_ascii_digit() || c == '.')).then(|| version.to_owned())
}

/// The service that runs a PHP setup: `php8.2-fpm`, `apache2` on Debian; `php-fpm`, `httpd`
/// elsewhere. `None` for the CLI (it reads php.ini at every run).
pub fn php(setup: &PhpSetup) -> Vec<String> {
    let debian = debian_version(&setup.dir);
    match (setup.sapi, debian) {
        (Some(Sapi::Cli), _) => Vec::new(),
        (Some(Sapi::Fpm), Some(v)) => vec![format!("php{v}-fpm")],
        (Some(Sapi::Apache2), _) => vec!["apache2".into()],
        (Some(Sapi::Fpm), None) => vec!["php-fpm".into()],
        (Some(_), _) => Vec::new(),
        // One php.ini for every SAPI (RHEL's /etc/php.ini): FPM and Apache's mod_php read it.
        (None, _) => vec!["php-fpm".into(), "httpd (when it runs mod_php)".into()],
    }
}

/// `unit` as the reload list names it: in a fleet, with the host whose tree holds `path`
/// (`php8.2-fpm on web1`), since every host runs its own.
pub fn on_host(model: &crate::model::Model, path: &Path, unit: String) -> String {
    match model.host_of_path(path) {
        Some(h) => format!("{unit} on {}", model.host(h).name),
        None => unit,
    }
}

/// The unit of a redis.conf: Debian's `redis-server` for `/etc/redis/redis.conf`, its
/// template unit `redis-server@NAME` for `/etc/redis/redis-NAME.conf`, RHEL's `redis` for
/// `/etc/redis.conf`; `valkey-server` likewise.
pub fn redis(path: &Path) -> String {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("redis.conf");
    let valkey = name.starts_with("valkey");
    let base = if valkey { "valkey-server" } else { "redis-server" };
    let stem = name.strip_suffix(".conf").unwrap_or(name);
    let in_etc = path.parent().and_then(|p| p.file_name()).is_some_and(|n| n == "etc");
    if in_etc {
        return if valkey { "valkey".into() } else { "redis".into() };
    }
    match stem.split_once('-') {
        Some((_, instance)) if !instance.is_empty() => format!("{base}@{instance}"),
        _ => base.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_units_distributions_install() {
        assert_eq!(redis(Path::new("/etc/redis/redis.conf")), "redis-server");
        assert_eq!(redis(Path::new("/etc/redis/redis-sessions.conf")), "redis-server@sessions");
        assert_eq!(redis(Path::new("/etc/redis.conf")), "redis");
        assert_eq!(debian_version(Path::new("/etc/php/8.2/fpm")).as_deref(), Some("8.2"));
        assert_eq!(debian_version(Path::new("/etc")), None);
    }
}
