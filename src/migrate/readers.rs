//! Who must still read a file the migration writes the password into, for the `chmod o-r`
//! note: taking "other" read away is right only when the reader is root or the owner.

use std::path::Path;

use crate::discover::Role;
use crate::model::{FileId, Model, Sapi};

/// Who reads the file `id` (`path`) and as which user, in words for the note: per file
/// type, since a php.ini php-fpm's master reads as root needs nothing, while a redis.conf
/// must stay readable by the `redis` user (Debian's and RHEL's units run redis-server with
/// `User=redis`, and it reads its config after that) and Magento's env.php by the PHP
/// worker's user.
pub fn readers(model: &Model, id: FileId, path: &Path) -> String {
    match model.file(id).role {
        Role::PhpIni | Role::PhpScanIni => {
            let sapis: Vec<Option<Sapi>> = model
                .php
                .iter()
                .filter(|s| s.php_ini == Some(id) || s.scan_files.contains(&id))
                .map(|s| s.sapi)
                .collect();
            php_ini_readers(&sapis)
        }
        Role::FpmMain | Role::FpmPool => "php-fpm's master reads it as root".into(),
        Role::ApacheConf => "Apache reads it as root".into(),
        Role::UserIni => "php-fpm's and CGI's workers read it as the user scripts run as; keep it readable by that user".into(),
        Role::RedisConf | Role::RedisAcl => "redis-server reads it as the user its unit runs it as, `redis` on Debian and RHEL: keep it readable by that user, e.g. `chown root:redis` and `chmod 640`".into(),
        Role::MagentoEnv => "Magento reads it as the PHP worker's user (the pool's `user`) and bin/magento as whoever runs it: keep it readable by them, e.g. owned by the deploy user with the worker's group and `chmod 640`".into(),
        _ => format!("only the program that reads {} needs to", crate::source::display_path(path)),
    }
}

/// The readers of a php.ini or scan-dir file read by the SAPIs `sapis` (`None`: every SAPI).
fn php_ini_readers(sapis: &[Option<Sapi>]) -> String {
    let mut who: Vec<&str> = Vec::new();
    for s in sapis {
        let r = match s {
            Some(Sapi::Fpm) => "php-fpm's master reads it as root",
            Some(Sapi::Apache2) => "Apache reads it as root",
            // Checked live (tests/e2e_migrate.rs): `php -c FILE` as a user who cannot read
            // FILE runs with the built-in defaults, without a word, and exits 0.
            Some(Sapi::Cli | Sapi::Phpdbg) => "the CLI reads it as the user who runs it, and a user without read access to it gets PHP's built-in defaults without a warning, sessions in files again: keep it readable by the users who run PHP from the shell or cron, e.g. through their group and `chmod 640`",
            Some(Sapi::Cgi | Sapi::Litespeed | Sapi::Embed) => "the program embedding PHP reads it as the user it runs as",
            None => "php-fpm's master and Apache read it as root; the CLI as the user who runs it",
        };
        if !who.contains(&r) {
            who.push(r);
        }
    }
    if who.is_empty() {
        return "php-fpm's master and Apache read it as root; the CLI as the user who runs it".into();
    }
    who.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_sapi_names_its_own_reader() {
        assert_eq!(php_ini_readers(&[Some(Sapi::Fpm)]), "php-fpm's master reads it as root");
        assert!(php_ini_readers(&[Some(Sapi::Cli)]).starts_with("the CLI reads it as the user who runs it"));
        assert_eq!(
            php_ini_readers(&[Some(Sapi::Fpm), Some(Sapi::Apache2), Some(Sapi::Fpm)]),
            "php-fpm's master reads it as root; Apache reads it as root"
        );
    }
}
