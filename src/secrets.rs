//! What is a secret, by field: redis.conf arguments, ini keys, env.php keys and the parts
//! of a save path that carry passwords. Masking uses these places, never a secret's text.

use std::ops::Range;

/// What every format prints instead of a secret.
pub const MASK: &str = "********";

/// redis.conf: the byte ranges, inside each argument, that hold a secret (index into
/// `args`, range in that argument). `name` is lowercased. `requirepass`, `masterauth` and the
/// TLS key passphrases (redis-server's SENSITIVE_CONFIG), an ACL user's `>password`,
/// `<password>` and `#hash`, sentinel's `auth-pass`, and the new name `rename-command`
/// gives a command (Redis's advice is an unguessable one: whoever knows it may run the
/// command), unless empty (`""` disables the command and hides nothing).
///
/// An argument holding a space redis-server does not split on (a no-break space, U+2003,
/// `\v`: it refuses such a line, `rename-command CONFIG<U+00A0>newname` with "wrong number
/// of arguments", `user default on<U+2003>#hash` with "Syntax error", asked live) is also
/// judged as the words its writer meant, and masked from the first secret word in it to
/// its end: a broken line keeps the secret its writer put there.
pub fn redis_secret_args(name: &str, args: &[&[u8]]) -> Vec<(usize, Range<usize>)> {
    let found = redis_secret_words(name, args);
    if !args.iter().any(|a| a.iter().any(|&b| b >= 0x80 || b == 0x0b || b == 0x0c)) {
        return found;
    }
    // The arguments cut at every space a reader sees: (argument, offset in it) of each piece.
    let mut pieces: Vec<&[u8]> = Vec::new();
    let mut at: Vec<(usize, usize)> = Vec::new();
    for (i, a) in args.iter().enumerate() {
        let before = pieces.len();
        for w in words(a) {
            pieces.push(&a[w.clone()]);
            at.push((i, w.start));
        }
        if pieces.len() == before {
            pieces.push(a);
            at.push((i, 0));
        }
    }
    if pieces.len() == args.len() {
        return found;
    }
    let mut from: Vec<Option<usize>> = vec![None; args.len()];
    let spaced = redis_secret_words(name, &pieces).into_iter().map(|(p, r)| (at[p].0, at[p].1 + r.start));
    for (i, start) in found.iter().map(|(i, r)| (*i, r.start)).chain(spaced) {
        from[i] = Some(from[i].map_or(start, |f| f.min(start)));
    }
    from.iter().enumerate().filter_map(|(i, f)| f.map(|f| (i, f..args[i].len()))).collect()
}

/// [`redis_secret_args`] of arguments as redis-server splits them.
fn redis_secret_words(name: &str, args: &[&[u8]]) -> Vec<(usize, Range<usize>)> {
    use crate::syntax::redis_conf::directives;
    match directives::lookup(name) {
        directives::Lookup::Table { def, .. } if def.sensitive => {
            args.iter().enumerate().map(|(i, a)| (i, 0..a.len())).collect()
        }
        directives::Lookup::User => args
            .iter()
            .enumerate()
            .skip(1)
            .filter_map(|(i, a)| crate::syntax::redis_acl::acl_rule_secret_from(a).map(|f| (i, f..a.len())))
            .collect(),
        directives::Lookup::RenameCommand => {
            args.iter().enumerate().skip(1).filter(|(_, a)| !a.is_empty()).map(|(i, a)| (i, 0..a.len())).collect()
        }
        // `sentinel auth-pass <master> <password>`, `sentinel sentinel-pass <password>`, an
        // option glued to its value (`auth-pass=pw`): [`sentinel_secret`].
        directives::Lookup::Sentinel => {
            let all_from = |k: usize| args.iter().enumerate().skip(k).map(|(i, a)| (i, 0..a.len()));
            match args.first().and_then(|o| sentinel_secret(o, args.len() - 1)) {
                Some(SentinelSecret::FromWord(k)) => all_from(k).collect(),
                Some(SentinelSecret::InOption(v)) => {
                    std::iter::once((0, v..args[0].len())).chain(all_from(1)).collect()
                }
                None => Vec::new(),
            }
        }
        // A misspelled name (`requirepas`): redis-server refuses the line, but the writer
        // meant the directive it is a did-you-mean of, so its arguments are that one's.
        // An unknown name that says it holds a credential (`requirepassword`, `masterpass`,
        // `auth`, `api-key`): whatever redis-server makes of it, its writer put one there.
        directives::Lookup::Unknown if redis_name_holds_a_secret(name) => {
            args.iter().enumerate().map(|(i, a)| (i, 0..a.len())).collect()
        }
        directives::Lookup::Unknown => unknown_by_typo(name, args),
        // `<module>.<name> <value>`, a module's config (redis 7 `RedisModule_RegisterStringConfig`;
        // valkey-ldap's `ldap.search_bind_passwd`): judged by the name after the module's as
        // an unknown name is, and ACL-like words masked as under any name redis-server lacks.
        directives::Lookup::ModuleConfig if module_config_holds_a_secret(name) => {
            args.iter().enumerate().map(|(i, a)| (i, 0..a.len())).collect()
        }
        directives::Lookup::ModuleConfig => unknown_acl_like(args),
        _ => Vec::new(),
    }
}

/// A redis.conf `user` directive (`name` lowercased; `args`: the user name, then its rules)
/// that redis-server refuses for its rules (redis 7.0.15 `ACLAppendUserForLoading`: "Error
/// in user declaration ...: Syntax error", asked live) with words after a password rule
/// (`user u on >a Qz`, `>a` + a tab + `Qz`: a password with a blank, unquoted): the index
/// in `args` of the first password rule (`>pw`, `<pw`, `#hash`); the words after it are that
/// password's rest as its writer meant it. `None` for a line redis-server accepts (a user
/// defined twice is judged alone), one with no word after a password, and other names.
pub fn refused_user_password_from(name: &str, args: &[&[u8]]) -> Option<usize> {
    use crate::syntax::redis_conf::{directives, ArgBytes, Checker};
    if !matches!(directives::lookup(name), directives::Lookup::User) {
        return None;
    }
    let k = args.iter().skip(1).position(|a| crate::syntax::redis_acl::acl_rule_secret_from(a).is_some())? + 1;
    if k + 1 >= args.len() {
        return None;
    }
    let values: Vec<ArgBytes> = args.iter().map(|a| a.to_vec().into()).collect();
    Checker::new().directive("user", &values).is_err().then_some(k)
}

/// [`redis_secret_args`] of an unknown name by the directive it is a typo of (`requirepas`:
/// redis-server refuses the line, but the writer meant `requirepass`), or its ACL-like
/// arguments ([`unknown_acl_like`]).
fn unknown_by_typo(name: &str, args: &[&[u8]]) -> Vec<(usize, Range<usize>)> {
    use crate::syntax::redis_conf::directives;
    // A name no typo away from a directive that holds a secret (most unknown names: a
    // commented-out line's first word is mostly prose) keeps nothing whatever its closest
    // name is, so the search of the whole table is skipped.
    if !near_a_secret_directive(name) {
        return unknown_acl_like(args);
    }
    let known = directives::DIRECTIVES.iter().map(|d| d.name).chain(["user", "sentinel", "rename-command"]);
    match crate::suggest::did_you_mean(name, known).as_deref() {
        Some(meant) if meant != name && meant != "sentinel" => {
            let meant_secrets = redis_secret_args(meant, args);
            if meant == "user" || !meant_secrets.is_empty() {
                return meant_secrets;
            }
            unknown_acl_like(args)
        }
        _ => unknown_acl_like(args),
    }
}

/// A redis.conf comment's text after its `#`s and blanks (`requirepass pw` of
/// `# requirepass pw`): [`redis_broken_line_secret`], but a first word that names a secret
/// only by the words in it (`password`, `AUTH`, `nopass`, `surpassed`, `api_key`: no
/// directive redis-server hides the values of, `user`, `sentinel`, `rename-command`, module
/// config, nor a typo of one) followed by more than two words starts prose, and nothing is
/// masked after it (upstream's redis.conf masked a dozen lines of it: `# password will work
/// against this user. ...`); followed by one or two it stays a commented-out setting
/// (`# mypassword Pw1`).
pub fn redis_comment_line_secret(text: &[u8]) -> Option<usize> {
    let from = redis_broken_line_secret(text)?;
    let mut ws = words(text);
    let first = &text[ws.next()?];
    if ws.nth(2).is_none() {
        return Some(from);
    }
    let prose = remembered(&PROSE_NAMES, first, || {
        let name = String::from_utf8_lossy(first).to_ascii_lowercase();
        matches!(
            crate::syntax::redis_conf::directives::lookup(&name),
            crate::syntax::redis_conf::directives::Lookup::Unknown
        ) && unknown_by_typo(&name, &[b"x"]).is_empty()
    });
    (!prose).then_some(from)
}

/// Where a password stands on a `sentinel` line, counted from its option word (0).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum SentinelSecret {
    /// The words from this one on.
    FromWord(usize),
    /// The option word from this byte on (glued to its value), and every word after it.
    InOption(usize),
}

/// The `sentinel` options whose arguments hold a password (sentinel.c `sentinelHandleConfiguration`:
/// `auth-pass <master> <password>`, `sentinel-pass <password>`).
const SENTINEL_PASSWORD_OPTIONS: [&[u8]; 2] = [b"auth-pass", b"sentinel-pass"];

/// A `sentinel` line's password by its option word `option` (any case) with `after` words
/// after it: `auth-pass <master> <password>` from its third word (with a word missing, the
/// last may be the password); an option glued to its value by any byte (`auth-pass=pw`,
/// `auth-pass-pw`, `sentinel-pass\x01pw`, and by a letter or digit as the line's last word,
/// `auth-passPW`) from the byte after the option and the punctuation after it, which
/// redis-server refuses in sentinel mode (`Unrecognized sentinel configuration statement`)
/// and outside it (`sentinel directive while not in sentinel mode`) but whose writer put a
/// password there; any other option named for one ([`name_looks_like_a_password`]:
/// `sentinel-pass`, `auth-password`) from its second word.
fn sentinel_secret(option: &[u8], after: usize) -> Option<SentinelSecret> {
    if option.eq_ignore_ascii_case(b"auth-pass") {
        return Some(SentinelSecret::FromWord(2.min(after).max(1))).filter(|_| after > 0);
    }
    let glued = SENTINEL_PASSWORD_OPTIONS
        .iter()
        .filter(|n| option.len() > n.len() && option[..n.len()].eq_ignore_ascii_case(n))
        .map(|n| n.len())
        .max()
        .filter(|&n| after == 0 || !option[n].is_ascii_alphanumeric())
        .map(|n| n + option[n..].iter().take_while(|b| b.is_ascii_punctuation()).count())
        .filter(|&v| v < option.len());
    if let Some(v) = glued {
        return Some(SentinelSecret::InOption(v));
    }
    (after > 0 && name_looks_like_a_password(&String::from_utf8_lossy(option).to_ascii_lowercase()))
        .then_some(SentinelSecret::FromWord(1))
}

/// [`sentinel_secret`] of a line whose first word is `sentinel`: from which byte of `line` on.
fn sentinel_line_secret(line: &[u8]) -> Option<usize> {
    let option = words(line).nth(1)?;
    let after = words(line).skip(2).take(2).count();
    match sentinel_secret(&line[option.clone()], after)? {
        SentinelSecret::FromWord(k) => words(line).nth(1 + k).map(|w| w.start),
        SentinelSecret::InOption(v) => Some(option.start + v),
    }
}

/// Whether a module config's lowercased name (`ldap.search_bind_passwd`, `mymod.auth-token`)
/// names a credential: [`unknown_name_holds_a_secret`] of what follows the module's name
/// (a module named `tokenizer` does not make all its settings secrets).
fn module_config_holds_a_secret(lower: &str) -> bool {
    redis_name_holds_a_secret(lower.split_once('.').map_or(lower, |(_, setting)| setting))
}

/// A redis.conf name redis-server does not know (a directive, a module config's setting, a
/// comment's first word) that says it holds a credential: [`name_looks_like_a_password`]
/// or `auth` in it, as in the directives whose values redis-server hides (`requirepass`,
/// `masterauth`, `tls-key-file-pass`, sentinel's `auth-pass`), a word of its own (between
/// non-alphanumerics or the name's ends) that starts with `token` or `cred` (`auth_token`,
/// `creds`) or ends in `token`/`tokens` (`apitoken`, `bearertoken`) or `pw` (`masterpw`,
/// `pw`), or a key word
/// ([`is_a_key_word_any_case`]: `api-key`, `apikey`, `signingkey`). Not `key` inside any other
/// word: `Valkey`, `monkey`, `hotkey`, `turnkey`, `keyspace`, `keyfile`, `keys` hold none (a
/// comment's prose was masked for them). Lowercased input.
pub fn redis_name_holds_a_secret(lower: &str) -> bool {
    looks_like_a_password_any_case(lower)
        || contains_any_case(lower.as_bytes(), &[b"auth"])
        || lower.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
            w.starts_with("token")
                || w.starts_with("cred")
                || w.ends_with("pw")
                || w.ends_with("token")
                || w.ends_with("tokens")
                || is_a_key_word_any_case(w.as_bytes())
        })
}

/// What a word names a key of when a key it names is a credential: `api` of `apikey`,
/// `signing` of `signingkey`. A compound of `key` with anything else (`monkey`, `hotkey`,
/// `Valkey`, `turnkey`, `hockey`) names no secret.
const CREDENTIAL_KEY_KINDS: [&[u8]; 16] = [
    b"api",
    b"access",
    b"private",
    b"priv",
    b"secret",
    b"master",
    b"signing",
    b"sign",
    b"client",
    b"shared",
    b"encryption",
    b"enc",
    b"crypt",
    b"license",
    b"auth",
    b"hmac",
];

/// Whether `word` (ASCII letters and digits, any case) names a credential by `key`: it is
/// `key`, or ends in `key` or `keys` after a word of [`CREDENTIAL_KEY_KINDS`] (`apikey`,
/// `accesskeys`, `s3accesskey`, `masterkey`). Not `keys` alone (`preload_keys` of Magento's
/// cache, redis.conf's prose), `keyspace`, `keyfile` (a key file's path is not its key).
fn is_a_key_word_any_case(word: &[u8]) -> bool {
    let ends = |w: &[u8], tail: &[u8]| w.len() >= tail.len() && w[w.len() - tail.len()..].eq_ignore_ascii_case(tail);
    if word.eq_ignore_ascii_case(b"key") {
        return true;
    }
    let stem = if ends(word, b"keys") {
        &word[..word.len() - 4]
    } else if ends(word, b"key") {
        &word[..word.len() - 3]
    } else {
        return false;
    };
    CREDENTIAL_KEY_KINDS.iter().any(|k| ends(stem, k))
}

/// Whether `name` (any bytes, any case) has a key word ([`is_a_key_word_any_case`]) between
/// its non-alphanumerics.
fn has_a_key_word_any_case(name: &[u8]) -> bool {
    name.split(|c| !c.is_ascii_alphanumeric()).any(is_a_key_word_any_case)
}

/// Whether `name` is within did-you-mean distance ([`crate::suggest::is_typo_of`]) of `user`,
/// `rename-command` or a directive whose values are masked: only then can the did-you-mean
/// in [`redis_secret_args`] give a name with secrets. Those names are built once.
fn near_a_secret_directive(name: &str) -> bool {
    use crate::syntax::redis_conf::directives;
    static NAMES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    let names = NAMES.get_or_init(|| {
        let sensitive = directives::DIRECTIVES.iter().map(|d| d.name).filter(|n| directives::is_sensitive(n));
        sensitive.chain(["user", "rename-command"]).collect()
    });
    names.iter().any(|k| crate::suggest::is_typo_of(name, k))
}

/// A save path's or DSN's query key whose words say it holds a credential:
/// [`name_looks_like_a_password`], or `auth`, `key`, `token` or `cred` anywhere in it.
/// Lowercased input.
pub fn unknown_name_holds_a_secret(lower: &str) -> bool {
    // The word scan has already looked for `pass`, `pwd` and `secret`: only the typo is left.
    has_a_secret_word_any_case(lower.as_bytes()) || is_a_password_typo_any_case(lower)
}

/// An ini or pool key's or an env.php key's name that says it holds a credential, ASCII case
/// ignored: [`name_looks_like_a_password`], `auth`, `token` or `cred` anywhere in it, a
/// key word of its own ([`is_a_key_word_any_case`]: `env[API_KEY]`, `'key'` of Magento's
/// `crypt`, `apikey`), or another credential's word ([`has_a_credential_word_any_case`]:
/// `env[SMTP_PSWD]`, `env[SALT]`, `VPN_PSK`). Not `key` inside another word: `env[MONKEY]`,
/// `xdebug.idekey`, Magento's `preload_keys` hold none. No lowercase copy: it runs on every
/// line of every ini file.
fn holds_a_secret_any_case(name: &str) -> bool {
    // The word scan has already looked for `pass`, `pwd` and `secret`: only the typo is left.
    has_a_secret_word_but_key_any_case(name.as_bytes())
        || has_a_key_word_any_case(name.as_bytes())
        || has_a_credential_word_any_case(name.as_bytes())
        || is_a_password_typo_any_case(name)
}

/// The words of a setting's name that name a credential besides those of
/// [`holds_a_secret_any_case`]'s scan, ASCII case ignored: `pswd` anywhere (`SMTP_PSWD`), a
/// pre-shared key `psk` as a word of its own (`VPN_PSK`, `wpa_psk`; not `upskill`), and a
/// hash's `salt` or `pepper` (`salts`, `peppers`) as the name's last word (`env[SALT]`,
/// WordPress's `AUTH_SALT`, `crypt.salt`): the names a salt is kept under end in it, where
/// `SALT_MASTER` (a SaltStack host), `SALT_ROUNDS`, `basalt` and `pepperoni` hold none.
fn has_a_credential_word_any_case(name: &[u8]) -> bool {
    if name.windows(4).any(|w| w.eq_ignore_ascii_case(b"pswd")) {
        return true;
    }
    let mut words = name.split(|c| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty());
    let last = words.clone().next_back();
    words.any(|w| w.eq_ignore_ascii_case(b"psk"))
        || last
            .is_some_and(|w| [&b"salt"[..], b"salts", b"pepper", b"peppers"].iter().any(|s| w.eq_ignore_ascii_case(s)))
}

/// [`has_a_secret_word_any_case`] without `key`.
fn has_a_secret_word_but_key_any_case(b: &[u8]) -> bool {
    secret_word_scan::<false>(b)
}

/// Whether `b` holds one of the words of [`unknown_name_holds_a_secret`] (`pass`, `pwd`,
/// `secret`, `auth`, `key`, `token`, `cred`), ASCII case ignored.
fn has_a_secret_word_any_case(b: &[u8]) -> bool {
    secret_word_scan::<true>(b)
}

/// Whether `b` holds one of the words of [`unknown_name_holds_a_secret`], `key` among them
/// only when `KEY`, ASCII case ignored.
#[inline]
fn secret_word_scan<const KEY: bool>(b: &[u8]) -> bool {
    /// `word`'s bytes as the low bytes of a `u64`, its last byte lowest.
    const fn packed(word: &[u8]) -> u64 {
        let mut v = 0;
        let mut i = 0;
        while i < word.len() {
            v = (v << 8) | word[i] as u64;
            i += 1;
        }
        v
    }
    const fn low(n: u32) -> u64 {
        (1 << (8 * n)) - 1
    }
    // The last six bytes read, each with its 0x20 bit set (a letter's lowercase; no other
    // byte becomes a letter so): a word ends at a byte when the window's low bytes are it,
    // tested only at the bytes that end one.
    let mut window: u64 = 0;
    b.iter().any(|&c| {
        let c = c | 0x20;
        window = (window << 8) | u64::from(c);
        match c {
            b's' => window & low(4) == packed(b"pass"),
            b'd' => window & low(3) == packed(b"pwd") || window & low(4) == packed(b"cred"),
            b't' => window & low(6) == packed(b"secret"),
            b'h' => window & low(4) == packed(b"auth"),
            b'y' => KEY && window & low(3) == packed(b"key"),
            b'n' => window & low(5) == packed(b"token"),
            _ => false,
        }
    })
}

/// [`name_looks_like_a_password`] of `name` lowercased (ASCII), without the copy.
fn looks_like_a_password_any_case(name: &str) -> bool {
    contains_any_case(name.as_bytes(), &[b"pass", b"pwd", b"secret"]) || is_a_password_typo_any_case(name)
}

/// Whether `name`, ASCII case ignored, is within 2 edits of `password` (`pasword`).
fn is_a_password_typo_any_case(name: &str) -> bool {
    // Within 2 edits of the 8 characters of `password` needs 6 to 12 bytes.
    if !(6..=12).contains(&name.len()) {
        return false;
    }
    // Each byte that is no letter of `password` takes an edit: most keys have three.
    let foreign = name.bytes().filter(|b| !matches!(b | 0x20, b'p' | b'a' | b's' | b'w' | b'o' | b'r' | b'd')).count();
    if foreign > 2 && name.is_ascii() {
        return false;
    }
    let mut lower = [0u8; 12];
    let lower = &mut lower[..name.len()];
    lower.copy_from_slice(name.as_bytes());
    lower.make_ascii_lowercase();
    // ASCII lowercasing keeps UTF-8 valid.
    std::str::from_utf8(lower).is_ok_and(|l| {
        !crate::suggest::too_many_letters_apart(l, "password", 2) && crate::suggest::edit_distance(l, "password") <= 2
    })
}

/// Whether one of `words` (lowercase ASCII) occurs in `hay`, ASCII case ignored.
fn contains_any_case(hay: &[u8], words: &[&[u8]]) -> bool {
    (0..hay.len()).any(|i| {
        let rest = &hay[i..];
        words.iter().any(|w| rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w))
    })
}

/// An unknown directive's arguments written like ACL rules (`>password`, `#hash`): masked
/// wherever they stand, whatever the name.
fn unknown_acl_like(args: &[&[u8]]) -> Vec<(usize, Range<usize>)> {
    args.iter()
        .enumerate()
        .filter(|(_, a)| a.len() > 1 && matches!(a.first(), Some(b'>' | b'<' | b'#')))
        .map(|(i, a)| (i, 1..a.len()))
        .collect()
}

/// redis.conf, a line that does not parse (an unterminated quote): from which byte of the
/// line on everything may be a secret, judged by the directive's name alone.
pub fn redis_broken_line_secret(line: &[u8]) -> Option<usize> {
    // Called on every comment line: the words are found as needed, the name judged once
    // per thread (`remembered`).
    let first = &line[words(line).next()?];
    let sensitive_from = |n: usize| words(line).nth(n).map(|w| w.start);
    match redis_class(first) {
        RedisName::User => sensitive_from(2),
        RedisName::Rename => rename_line_secret(line),
        RedisName::Sentinel => sentinel_line_secret(line),
        RedisName::Secret => sensitive_from(1),
        RedisName::Plain => None,
    }
}

/// A `rename-command` line (its first word that name, any case) judged by its words alone:
/// from its third word on (the new name, and whatever follows it), unless that is only `""`
/// or `''` (a command disabled, hiding nothing).
fn rename_line_secret(line: &[u8]) -> Option<usize> {
    let new_name = words(line).nth(2)?;
    let rest = line[new_name.start..].trim_ascii_end();
    (rest != b"\"\"" && rest != b"''").then_some(new_name.start)
}

/// redis.conf, a line that does not parse (an unterminated quote) whose first word names
/// nothing redis-server knows (`users`, `acl-user`, a module's config): from which byte on
/// everything may be a secret, namely after the `>`, `<` or `#` of its first ACL-like word
/// after the name (a quote before it allowed), as a balanced line's ACL-like words are
/// masked (redis-server 7.0.15 refuses both lines; the writer still put a password there).
/// Not for comment lines: their prose holds `<dbid>`-like words.
pub fn redis_broken_line_acl_like(line: &[u8]) -> Option<usize> {
    let mut ws = words(line);
    let first = ws.next()?;
    let at = ws.find_map(|w| {
        let word = &line[w.clone()];
        let q = word.iter().take_while(|&&b| b == b'"' || b == b'\'').count();
        (word.len() > q + 1 && matches!(word[q], b'>' | b'<' | b'#')).then_some(w.start + q + 1)
    })?;
    let name = String::from_utf8_lossy(&line[first]).to_ascii_lowercase();
    crate::syntax::redis_conf::directives::known_name(&name).is_none().then_some(at)
}

/// A line as redis-server reads it (after fgets() dropped a NUL's text and joined the
/// next line, or with a lone `\r` it does not end lines on): from which byte on everything
/// may be a secret, judged at every word as if a line started there, since the tree's lines
/// are not redis-server's. `joins`: offsets in `line` where a dropped NUL joined text, so
/// that a sensitive name glued to the joined text (`masterauth` + `LeakPw`) masks it.
/// Work: linear in the line (each word's name verdict is remembered per thread, and the
/// glue search of [`redis_glued_name_secret`] resumes where the last word's ended).
pub fn redis_read_line_secret(line: &[u8], joins: &[usize]) -> Option<usize> {
    let mut next_join = 0;
    let mut glue = GlueSearch::new(line);
    for w in words(line) {
        let rest = &line[w.start..];
        if let Some(from) = redis_broken_line_secret(rest) {
            return Some(w.start + from);
        }
        if line[w.clone()].iter().any(|&b| b >= 0x80 || b == 0x0b) {
            if let Some(from) = glue.judge(w.start) {
                return Some(w.start + from);
            }
        }
        // A name glued by the join to what follows it: the joined bytes are its value.
        while next_join < joins.len() && joins[next_join] <= w.start {
            next_join += 1;
        }
        for &j in joins[next_join..].iter().take_while(|&&j| j < w.end && j - w.start <= 128) {
            let name = &line[w.start..j];
            if redis_class(name) != RedisName::Plain {
                return Some(j);
            }
        }
    }
    None
}

/// [`redis_glued_name_secret`] of `line[start..]` for the ascending word starts of one line,
/// in linear work however many words share a run without a space or a tab (a line of
/// `\r`-separated words of UTF-8: each word's glue search read the whole run after it).
struct GlueSearch<'a> {
    line: &'a [u8],
    /// The first glue character (offset, length) at or after the last start asked, or
    /// `None` when there is none in the rest of the line; unset before the first ask.
    glue: Option<Option<(usize, usize)>>,
    /// The first space or tab at or after the last start asked (the line's end if none).
    blank: Option<usize>,
}

impl<'a> GlueSearch<'a> {
    fn new(line: &'a [u8]) -> Self {
        GlueSearch { line, glue: None, blank: None }
    }

    /// [`redis_glued_name_secret`] of `line[start..]`; `start` ascends from call to call and
    /// starts a word (an ASCII blank or the line's start before it, so UTF-8 decodes from it
    /// as from the line's start).
    fn judge(&mut self, start: usize) -> Option<usize> {
        let line = self.line;
        let blank = match self.blank {
            Some(b) if b >= start => b,
            _ => memchr::memchr2(b' ', b'\t', &line[start..]).map_or(line.len(), |p| start + p),
        };
        self.blank = Some(blank);
        let glue = match self.glue {
            Some(Some((g, len))) if g >= start => Some((g, len)),
            Some(None) => None,
            _ => first_glue(&line[start..]).map(|(g, len)| (start + g, len)),
        };
        self.glue = Some(glue);
        let (g, len) = glue.filter(|&(g, _)| g < blank)?;
        // The verdict reads a line's first four words: the glue, once a blank, splits one
        // word in two, so five words of the line from `start` hold them. A glue past them
        // changes none of them: the line as it stands was judged already, and found clean.
        let end = words(&line[start..]).take(5).last().map_or(start, |w| start + w.end);
        #[cfg(test)]
        GLUE_READ.with(|r| r.set(r.get() + (end - start)));
        if g >= end {
            return None;
        }
        let mut spaced = line[start..end].to_vec();
        spaced[g - start..g - start + len].fill(b' ');
        redis_broken_line_secret(&spaced)
    }
}

/// The first character of `bytes` (offset, length in bytes) that glues words for a reader
/// but not for redis-server: whitespace other than a space, a tab, `\r` and `\n` (`\v`, `\f`,
/// U+00A0, U+2003, ...).
fn first_glue(bytes: &[u8]) -> Option<(usize, usize)> {
    // One character at a time: `utf8_chunks` validates a whole valid run before it yields
    // it, which made each search read the rest of the line however near its glue was.
    let mut i = 0;
    let found = loop {
        let Some(&b) = bytes.get(i) else { break None };
        let len = match b {
            0x00..=0x7f => 1,
            0xc2..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf4 => 4,
            _ => 0,
        };
        let c = bytes.get(i..i + len).and_then(|s| std::str::from_utf8(s).ok()).and_then(|s| s.chars().next());
        match c {
            Some(c) if c.is_whitespace() && !matches!(c, ' ' | '\t' | '\n' | '\r') => break Some((i, len)),
            Some(_) => i += len,
            // Not the start of a valid character: none starts inside an invalid sequence.
            None => i += 1,
        }
    };
    #[cfg(test)]
    GLUE_READ.with(|r| r.set(r.get() + found.map_or(i, |(at, _)| at)));
    found
}

#[cfg(test)]
thread_local! {
    /// Bytes the glue searches of [`GlueSearch`] read on this thread (the tests count them).
    static GLUE_READ: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Whether redis-server refuses a redis.conf line whose first word is `lower` (lowercased)
/// whatever its arguments: a name it does not know, or a module config's name with no
/// module or no setting in it (`.`, `.x`, `x.`: no module registers those). Such a line is
/// judged by [`redis_refused_line_secret`].
pub fn redis_name_is_refused(lower: &str) -> bool {
    use crate::syntax::redis_conf::directives;
    match directives::lookup(lower) {
        directives::Lookup::Unknown => true,
        directives::Lookup::ModuleConfig => lower.split_once('.').is_none_or(|(m, s)| m.is_empty() || s.is_empty()),
        _ => false,
    }
}

/// redis.conf or an ACL file, a line redis-server refuses (a first word it does not know, an
/// unbalanced quote): from which byte on everything may be a secret. Judged at every word as
/// [`redis_read_line_secret`] judges a line, and also at a word's name after a run of
/// punctuation (`; requirepass pw`, `-- masterauth pw`, `.requirepass pw`) and at a masked
/// name glued to its value by `=`, `:`, `,`, `;` or any other byte (`requirepass=pw`,
/// `MASTERAUTH:pw`, `requirepass-pw`, `masterauth\x01pw`, `requirepassPW`):
/// redis-server 7.0.15 refuses all of these (`Bad directive or wrong number of arguments`),
/// but their writer put a password there. Work: linear in the line (each word looks at the
/// few words after it).
pub fn redis_refused_line_secret(line: &[u8]) -> Option<usize> {
    let mut best = redis_read_line_secret(line, &[]);
    for w in words(line) {
        if best.is_some_and(|b| b <= w.start) {
            break;
        }
        let word = &line[w.clone()];
        let lead = word.iter().take_while(|b| b.is_ascii_punctuation()).count();
        let glue = word[lead..].iter().position(|&b| matches!(b, b'=' | b':' | b',' | b';'));
        let found = match glue {
            Some(g) if g > 0 => {
                let value = w.start + lead + g + 1;
                if redis_class(&word[lead..lead + g]) != RedisName::Secret {
                    None
                } else if value < w.end {
                    Some(value)
                } else {
                    words(&line[w.end..]).next().map(|n| w.end + n.start)
                }
            }
            _ if lead > 0 && lead < word.len() => {
                redis_broken_line_secret(&line[w.start + lead..]).map(|f| w.start + lead + f)
            }
            _ => None,
        };
        // A name glued to its value by a quote (`mod.auth-token"pw`, `pasword'pw`): judged
        // as if the quote were a space, so the value is masked and the name kept.
        let found = found.or_else(|| quote_glued_secret(line, w.start + lead, w.end));
        // A masked name glued to its value by any other byte (`requirepass-pw`,
        // `masterauth\x01pw`): from the byte after the name; glued by a letter or digit
        // (`requirepassPW`) only as the line's last word (`requirepassword pw` keeps its name).
        let last = words(&line[w.end..]).next().is_none();
        let found = found.or_else(|| glued_to_masked_name(&word[lead..], last).map(|n| w.start + lead + n));
        if let Some(f) = found {
            best = Some(best.map_or(f, |b| b.min(f)));
        }
    }
    best
}

/// A redis.conf or ACL line whose first word is a name glued to its value by a quote
/// (`requirepass"pw`, `mod.auth-token'pw`; redis-server 7.0.15 refuses it: "Unbalanced
/// quotes"): where in `line` that quote stands. Its writer meant it as a space, not as the
/// start of a value running on to the next lines.
pub fn redis_glue_quote(line: &[u8]) -> Option<usize> {
    let w = words(line).next()?;
    let g = line[w.clone()].iter().position(|&b| b == b'"' || b == b'\'')?;
    (g > 0 && redis_class(&line[w.start..w.start + g]) != RedisName::Plain).then_some(w.start + g)
}

/// A word of a refused redis.conf line (`line[start..end]`) whose name is glued to its value
/// by a quote (`mod.auth-token"pw`, `pasword'pw`; redis-server 7.0.15 refuses both:
/// "Unbalanced quotes"): where in `line` the secret starts, judged as if the quote were a
/// space, so the value is masked as it is when spaced and the name is kept.
fn quote_glued_secret(line: &[u8], start: usize, end: usize) -> Option<usize> {
    let g = line[start..end].iter().position(|&b| b == b'"' || b == b'\'')?;
    if g == 0 || redis_class(&line[start..start + g]) == RedisName::Plain {
        return None;
    }
    // Only the few words a verdict looks at are copied, so a line of many such words
    // stays linear.
    let tail = words(&line[start..]).take(8).last().map_or(end - start, |w| w.end);
    let mut spaced = line[start..start + tail].to_vec();
    spaced[g] = b' ';
    redis_broken_line_secret(&spaced).map(|f| start + f)
}

/// Where the value starts in a word of a refused redis.conf line that holds a masked
/// directive's name or alias (any case; the longest that fits) at its start or after a
/// punctuation or control byte, glued to a value by any bytes (`requirepass-pw`,
/// `masterauth\x01pw`, `requirepassPW`, `config:requirepass=pw`): the first byte past the
/// name and the punctuation after it. `None` where no value follows (`requirepass=`), and
/// unless `letter_glue`, where a letter or digit follows the name (`requirepassword`).
/// Work: a lookup per byte; the names are compared only at a byte that starts one (most
/// words, a comment's prose, have none).
fn glued_to_masked_name(word: &[u8], letter_glue: bool) -> Option<usize> {
    let (first_letters, names) = masked_names();
    if !longer_than_a_masked_name(word.len()) {
        return None;
    }
    let starts = (0..word.len())
        .filter(|&i| LETTER[word[i] as usize] & first_letters != 0 && (i == 0 || !word[i - 1].is_ascii_alphanumeric()));
    starts
        .filter_map(|i| {
            let rest = &word[i..];
            // Longest first: the first that fits is the longest.
            let name = names.iter().find(|n| rest.len() > n.len() && rest[..n.len()].eq_ignore_ascii_case(n))?.len();
            if !letter_glue && rest[name].is_ascii_alphanumeric() {
                return None;
            }
            let value = i + name + rest[name..].iter().take_while(|b| b.is_ascii_punctuation()).count();
            (value < word.len()).then_some(value)
        })
        .next()
}

/// Whether a word of `len` bytes is longer than the shortest masked name: only such a word
/// holds one glued to a value (a comment's first word seldom is).
fn longer_than_a_masked_name(len: usize) -> bool {
    len > masked_names().1.last().map_or(0, |n| n.len())
}

/// The names and aliases of the masked redis.conf directives (`requirepass`, `masterauth`,
/// `primaryauth`, the TLS key passphrases), longest first, with the [`LETTER`] bits of
/// their first bytes (each an ASCII letter): built once.
fn masked_names() -> &'static (u32, Vec<&'static [u8]>) {
    use crate::syntax::redis_conf::directives;
    static NAMES: std::sync::OnceLock<(u32, Vec<&'static [u8]>)> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names: Vec<&'static [u8]> = directives::DIRECTIVES
            .iter()
            .filter(|d| d.sensitive)
            .flat_map(|d| std::iter::once(d.name).chain(d.alias))
            .map(str::as_bytes)
            .collect();
        names.sort_by_key(|n| std::cmp::Reverse(n.len()));
        let first = names.iter().fold(0, |m, n| m | n.first().map_or(0, |&b| LETTER[b as usize]));
        (first, names)
    })
}

/// A commented-out redis.conf line's text after its `#`s and blanks whose first word is a
/// masked directive's name glued to its value by any byte (`#requirepass=pw`,
/// `# masterauth\x01pw`; by a letter or digit as the line's only word, `#requirepassPW`):
/// where the value starts, as on a refused line ([`glued_to_masked_name`]). Prose seldom
/// starts with such a name glued to more (`# "requirepass"` holds no value).
pub fn redis_comment_glued_secret(directive: &[u8]) -> Option<usize> {
    let w = words(directive).next()?;
    if !longer_than_a_masked_name(w.len()) {
        return None;
    }
    let last = words(&directive[w.end..]).next().is_none();
    glued_to_masked_name(&directive[w.clone()], last).map(|v| w.start + v)
}

/// Whether a redis.conf word, taken as a directive name, is one whose arguments are all
/// secrets (`requirepass`, `masterauth`, an unknown `masterauthXYZ`; not `user` nor
/// `sentinel`): the verdict [`redis_broken_line_secret`] gives first words.
pub fn redis_name_is_sensitive(word: &[u8]) -> bool {
    redis_class(word) == RedisName::Secret
}

/// A redis.conf setting's value as `CONFIG GET` gives it (arguments joined by spaces): from
/// which byte of `value` on a password may stand, judged as [`redis_read_line_secret`]
/// judges a line (`bind 0.0.0.0 requirepass pw` is what redis-server reads of
/// `bind 0.0.0.0\rrequirepass pw`). Values of one word hide nothing this way (the name's
/// own verdict is [`redis_secret_args`]).
pub fn redis_value_secret(name: &str, value: &str) -> Option<usize> {
    if !value.contains(' ') {
        return None;
    }
    let line = format!("{name} {value}");
    let from = redis_read_line_secret(line.as_bytes(), &[])?;
    Some(from.saturating_sub(name.len() + 1))
}

/// What the first word of a redis.conf line says about the words after it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum RedisName {
    /// `user`: its rules from the third word on.
    User,
    /// `rename-command`: the new name, the third word.
    Rename,
    /// `sentinel`: depends on its second word.
    Sentinel,
    /// A name whose arguments are secrets ([`redis_secret_args`] masks a lone argument).
    Secret,
    /// Anything else.
    Plain,
}

/// [`redis_name_class`], remembered per thread, and without the lookup for a word whose
/// letters rule out every name that is not [`RedisName::Plain`] ([`may_be_a_redis_secret_name`]).
fn redis_class(word: &[u8]) -> RedisName {
    if !may_be_a_redis_secret_name(word) {
        return RedisName::Plain;
    }
    remembered(&REDIS_NAMES, word, || redis_name_class(word))
}

/// False when `word`, by its letters and length alone, can be none of the names
/// [`redis_name_class`] does not call plain: one [`may_name_a_secret`] lets through (the
/// words of [`unknown_name_holds_a_secret`]), `user`, `sentinel`, `rename-command`, a masked directive's name
/// or alias, or a did-you-mean typo of a masked directive's name (within `max(2, len / 6)`
/// edits: that many of its distinct letters and bytes missing at most).
fn may_be_a_redis_secret_name(word: &[u8]) -> bool {
    may_be_a_redis_secret_name_by_letters(letters_in(word), word.len())
}

/// [`may_be_a_redis_secret_name`] of a word of `len` bytes whose [`letters_in`] are `m`.
fn may_be_a_redis_secret_name_by_letters(m: u32, len: usize) -> bool {
    use crate::syntax::redis_conf::directives;
    /// Letters, how many of them may be missing, the fewest bytes.
    static NAMES: std::sync::OnceLock<Vec<(u32, u32, usize)>> = std::sync::OnceLock::new();
    let names = NAMES.get_or_init(|| {
        let entry = |n: &str, edits: usize| {
            let l = letters(n.as_bytes());
            (l, (edits as u32).min(l.count_ones()), n.len().saturating_sub(edits))
        };
        let sensitive = directives::DIRECTIVES.iter().filter(|d| d.sensitive);
        let typos = sensitive.clone().map(|d| entry(d.name, 2.max(d.name.len() / 6)));
        let aliases = sensitive.filter_map(|d| d.alias).chain(directives::EXTRA_ALIASES.iter().map(|a| a.0));
        let exact = aliases.chain(["user", "sentinel", "rename-command"]);
        let mut names: Vec<_> = typos.chain(exact.map(|n| entry(n, 0))).collect();
        // Shortest first: a word (most are a comment's short first word) stops at the
        // first name it is too short for.
        names.sort_by_key(|&(_, _, len)| len);
        names
    });
    may_name_a_secret_by_letters(m)
        || names.iter().take_while(|&&(_, _, least)| len >= least).any(|&(l, missing, _)| few_absent(l & !m, missing))
}

/// [`RedisName`] of a first word as written (any case, any bytes).
fn redis_name_class(first: &[u8]) -> RedisName {
    // Valid UTF-8 (nearly every line) is borrowed without the lossy decoder's pass.
    let name = match std::str::from_utf8(first) {
        Ok(n) => std::borrow::Cow::Borrowed(n),
        Err(_) => String::from_utf8_lossy(first),
    };
    let name = if name.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(name.to_ascii_lowercase())
    } else {
        name
    };
    match &*name {
        "user" => RedisName::User,
        "rename-command" => RedisName::Rename,
        "sentinel" => RedisName::Sentinel,
        _ if !redis_secret_args(&name, &[b"x"]).is_empty() => RedisName::Secret,
        _ => RedisName::Plain,
    }
}

/// Longest name (bytes) whose verdict is remembered; a longer one is judged each time.
const REMEMBERED_NAME: usize = 64;
/// Verdicts a thread remembers per kind of name before it forgets them all and starts over.
const REMEMBERED_NAMES: usize = 4096;

type Verdicts<V> = std::cell::RefCell<std::collections::HashMap<Box<[u8]>, V, foldhash::fast::RandomState>>;

thread_local! {
    /// redis.conf first words of comment and broken lines.
    static REDIS_NAMES: Verdicts<RedisName> = Verdicts::default();
    /// ini keys as written before their `=` (or a line's first word).
    static INI_KEYS: Verdicts<bool> = Verdicts::default();
    /// redis.conf comments' first words that name a secret by their words alone.
    static PROSE_NAMES: Verdicts<bool> = Verdicts::default();
}

/// `judge(name)`, remembered per thread for names up to [`REMEMBERED_NAME`] bytes: a
/// fleet's files repeat the same names (the prose words of commented-out lines, the same
/// ini keys) thousands of times, and judging one can run a did-you-mean over the directive
/// table. At most [`REMEMBERED_NAMES`] entries, so memory stays bounded whatever the input.
fn remembered<V: Copy>(memo: &'static std::thread::LocalKey<Verdicts<V>>, name: &[u8], judge: impl FnOnce() -> V) -> V {
    if name.len() > REMEMBERED_NAME {
        return judge();
    }
    if let Some(v) = memo.with(|m| m.borrow().get(name).copied()) {
        return v;
    }
    let v = judge();
    memo.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() >= REMEMBERED_NAMES {
            m.clear();
        }
        m.insert(name.into(), v);
    });
    v
}

/// A line whose first word runs into the next through a space redis-server does not split
/// on (a no-break space copied from a web page, `\v`, `\f`): redis-server refuses it as one
/// unknown name, but its writer meant `requirepass <password>`, so the line is judged as if
/// that space were one it splits on. Where in `line` the secret starts.
pub fn redis_glued_name_secret(line: &[u8]) -> Option<usize> {
    // The only glue in ASCII is `\v` and `\f` (`\n`, `\r` end the line): most words have
    // neither nor a byte above 0x7f, and need no decoding. One pass to the word's end or
    // the first such byte.
    let first = line.iter().position(|&b| matches!(b, b' ' | b'\t' | 0x0b | 0x0c | 0x80..=0xff));
    if !first.is_some_and(|p| !matches!(line[p], b' ' | b'\t')) {
        return None;
    }
    let word = &line[..line.iter().position(|&b| b == b' ' || b == b'\t').unwrap_or(line.len())];
    let mut at = 0;
    for chunk in word.utf8_chunks() {
        let glue =
            chunk.valid().char_indices().find(|&(_, c)| c.is_whitespace() && !matches!(c, ' ' | '\t' | '\n' | '\r'));
        if let Some((i, c)) = glue {
            let mut spaced = line.to_vec();
            spaced[at + i..at + i + c.len_utf8()].fill(b' ');
            return redis_broken_line_secret(&spaced);
        }
        at += chunk.valid().len() + chunk.invalid().len();
    }
    None
}

/// A redis.conf line's text after its leading `#`s and blanks (`requirepass pw` of
/// `# requirepass pw`), judged by one pass over its first word: `Some(plain)` when that word is
/// printable ASCII ended by a space, a tab or the text's end. Then it holds no glue
/// ([`redis_glued_name_secret`] finds nothing) and is the first of the line's words; `plain`
/// says its letters rule out every name that is not [`RedisName::Plain`] (`user` and
/// `sentinel` included), so [`redis_broken_line_secret`] finds nothing either. `None`: any
/// other byte before the word's end (`\v`, `\f`, `\r`, a control byte, UTF-8): ask those
/// functions. Most comment lines' first words are judged here in a few instructions a byte.
pub fn redis_ordinary_first_word(text: &[u8]) -> Option<bool> {
    /// [`LETTER`], with [`WORD_END`] for a space or a tab and [`UNUSUAL`] for a byte
    /// outside printable ASCII: one lookup a byte.
    const WORD_END: u32 = 1 << 30;
    const UNUSUAL: u32 = 1 << 31;
    const CLASS: [u32; 256] = {
        let mut t = LETTER;
        let mut b = 0;
        while b < 256 {
            if b == b' ' as usize || b == b'\t' as usize {
                t[b] = WORD_END;
            } else if !(b >= 0x21 && b <= 0x7e) {
                t[b] = UNUSUAL;
            }
            b += 1;
        }
        t
    };
    let mut m = 0;
    let mut len = text.len();
    for (i, &b) in text.iter().enumerate() {
        let c = CLASS[b as usize];
        if c >= WORD_END {
            if c == UNUSUAL {
                return None;
            }
            len = i;
            break;
        }
        m |= c;
    }
    Some(!may_be_a_redis_secret_name_by_letters(m, len))
}

/// The ranges of whitespace-separated words of a line (quotes not understood: for broken
/// lines). A space redis-server does not split on (`\v`, U+00A0, U+2003, any Unicode
/// White_Space) separates words here too: the writer of `# rename-command CONFIG<U+00A0>x`
/// meant two words.
fn words(line: &[u8]) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        loop {
            if i < line.len() && line[i].is_ascii_whitespace() {
                i += 1;
            } else if let Some(n) = glue_at(line, i) {
                i += n;
            } else {
                break;
            }
        }
        let start = i;
        while i < line.len() && !line[i].is_ascii_whitespace() && glue_at(line, i).is_none() {
            i += 1;
        }
        (i > start).then_some(start..i)
    })
}

/// The length in bytes of the space at `line[i]` that redis-server does not split on but a
/// reader sees: `\v` or a UTF-8 Unicode White_Space character above ASCII (U+0085, U+00A0,
/// U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000). One comparison for
/// other ASCII bytes.
#[inline]
fn glue_at(line: &[u8], i: usize) -> Option<usize> {
    match *line.get(i)? {
        0x0b => Some(1),
        0xc2 => matches!(line.get(i + 1), Some(0x85 | 0xa0)).then_some(2),
        0xe1 => (line.get(i + 1..i + 3) == Some(&[0x9a, 0x80][..])).then_some(3),
        0xe2 => match line.get(i + 1..i + 3)? {
            [0x80, 0x80..=0x8a | 0xa8 | 0xa9 | 0xaf] | [0x81, 0x9f] => Some(3),
            _ => None,
        },
        0xe3 => (line.get(i + 1..i + 3) == Some(&[0x80, 0x80][..])).then_some(3),
        _ => None,
    }
}

/// php.ini / pool keys whose values are passwords (`mysqli.default_pw`,
/// `php_admin_value[ldap.password]`, `mysql.default_pass`, `env[REDIS_AUTH]`,
/// `env[API_KEY]`, ...): by what the name says ([`holds_a_secret_any_case`]: not
/// `env[MONKEY]`, PHP's colour `highlight.keyword`). `key` as written, offset included.
pub fn ini_key_is_secret(key: &str) -> bool {
    // `passwd` is inside `pass`, which holds_a_secret_any_case tests. The suffixes are
    // read past the spaces PHP keeps in a key (`mysqli.default_pw<U+00A0>`, `env[A_PW<U+2003>]`:
    // PHP trims only ASCII blanks), which its writer did not mean as part of the name.
    let (k, bracket) = match key.trim_end().strip_suffix(']') {
        Some(inner) => (inner.trim_end().as_bytes(), true),
        None => (key.trim_end().as_bytes(), false),
    };
    let ends = |w: &[u8]| k.len() >= w.len() && k[k.len() - w.len()..].eq_ignore_ascii_case(w);
    // `pw` as a word of its own ends the name: `mysqli.default_pw`, `env[PW]`, `ldap.pw`.
    let pw_word = ends(b"pw") && (k.len() == 2 || !k[k.len() - 3].is_ascii_alphanumeric());
    pw_word || (bracket && ends(b"pw")) || holds_a_secret_any_case(key)
}

/// env.php keys whose values are secrets (Magento: `password` of db and Redis, the crypt
/// `key`, and any name [`holds_a_secret_any_case`] says holds one: `api_token`, `apikey`;
/// not `preload_keys`, `MONKEY`).
pub fn envphp_key_is_secret(key: &str) -> bool {
    holds_a_secret_any_case(key.trim())
}

/// A name someone holding a password under it would write: one that contains `pass`, `pwd`
/// or `secret`, or is a typo of `password` (`pasword`). Lowercased input. Masking errs on
/// the side of hiding: a misspelt key still holds the password its author meant.
pub fn name_looks_like_a_password(lower: &str) -> bool {
    looks_like_a_password_any_case(lower)
}

/// One text line of an ini or env.php file: the byte range of a value that a secret key
/// gives on that line, whether or not the line parses (`key = value` for ini,
/// `'key' => value` for env.php). Everything after the separator, trimmed.
#[cfg(test)]
pub fn raw_line_secret(line: &[u8], envphp: bool) -> Option<Range<usize>> {
    let eq = if envphp { None } else { memchr::memchr(b'=', line) };
    raw_line_secret_at(line, envphp, eq)
}

/// Whether an ini line without `=` is one word alone (after blanks, `;` and `#`) that names
/// a secret (`mysqli.default_pw`): PHP refuses a `= value` on the next line, whose value
/// its writer meant for that key.
pub fn ini_bare_secret_key(line: &[u8]) -> bool {
    let lead = line.iter().take_while(|&&b| matches!(b, b' ' | b'\t' | b';' | b'#')).count();
    let word = line[lead..].iter().position(|b| b.is_ascii_whitespace()).map_or(line.len(), |w| lead + w);
    word > lead
        && line[word..].iter().all(|b| b.is_ascii_whitespace())
        && may_name_a_secret(&line[..word])
        && raw_key_is_secret(&line[..word], false)
}

/// The `=` that ends the key of an ini line the parser reads no statement on (a refused
/// line such as `env[${X=Y}_PASSWORD] = pw`): the first one outside the key's brackets,
/// quotes and `${...}`, where PHP's scanner would look for it; `first` (the line's first
/// `=`) when no `[` stands before it; the first `=` outside quotes when the brackets never
/// close (`env['A}=B'_PASSWORD${] = pw`), else `first`. Inside `[...]` PHP's
/// scanner (zend_ini_scanner.l, `ST_OFFSET`) reads `"..."` (with `\` escapes) and `'...'`
/// (raw) as strings, so a `]`, `}` or `=` in either ends nothing (`env['A]=B'_PASSWORD${}]`).
pub fn ini_key_equals(line: &[u8], first: usize) -> usize {
    if memchr::memchr(b'[', &line[..first]).is_none() {
        return first;
    }
    // `quote`: the byte that closes the string we are in (`"` or `'`).
    let (mut depth, mut quote, mut escaped) = (0usize, None, false);
    let mut unquoted = None;
    for (i, &b) in line.iter().enumerate() {
        if let Some(q) = quote {
            match b {
                b'\n' | b'\r' => break,
                _ if escaped => escaped = false,
                b'\\' if q == b'"' => escaped = true,
                _ if b == q => quote = None,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => quote = Some(b'"'),
            b'\'' if depth > 0 => quote = Some(b'\''),
            b'[' | b'{' => depth += 1,
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'=' if depth == 0 => return i,
            b'=' => unquoted = unquoted.or(Some(i)),
            b'\n' | b'\r' => break,
            _ => {}
        }
    }
    unquoted.unwrap_or(first)
}

/// Where the comment trailing an ini statement starts on its `line`: the first `;` after
/// `from` (just past the statement's `=`) outside `"..."` (with `\` escapes) and `'...'`,
/// where PHP's value scanner (zend_ini_scanner.l, `ST_VALUE`) ends the value
/// (`z = "a;b" ; password = P` gives `a;b`), or a `#` there after a blank, which PHP refuses
/// but its writer meant as a comment. `None` without one, or with a quote open at the
/// line's end (the value runs on). Work: one pass over the rest of the line, none without
/// a `;` or `#` in it.
pub fn ini_trailing_comment(line: &[u8], from: usize) -> Option<usize> {
    let rest = line.get(from..)?;
    memchr::memchr2(b';', b'#', rest)?;
    let (mut quote, mut escaped) = (None, false);
    for (i, &b) in rest.iter().enumerate() {
        if let Some(q) = quote {
            match b {
                _ if escaped => escaped = false,
                b'\\' if q == b'"' => escaped = true,
                _ if b == q => quote = None,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' | b'\'' => quote = Some(b),
            b';' => return Some(from + i),
            b'#' if i == 0 || matches!(rest[i - 1], b' ' | b'\t') => return Some(from + i),
            b'\n' | b'\r' => return None,
            _ => {}
        }
    }
    None
}

/// The secrets of the comments trailing an ini statement on `line` (`eq`: the statement's
/// `=`), each judged as the commented-out line it is by [`ini_line_secret`]
/// (`x = 1 ; password = P` masks `P` as `; password = P` alone on a line would), and the
/// comments trailing those (`; a = 1 ; password = P`). Ranges index `line`.
/// Work: linear in the line (each comment is read from where the last one's `=` stood).
pub fn ini_trailing_comment_secrets(line: &[u8], eq: usize, mut found: impl FnMut(Range<usize>)) {
    let mut from = eq + 1;
    while let Some(c) = ini_trailing_comment(line, from) {
        let comment = &line[c..];
        let ceq = memchr::memchr(b'=', comment).map(|e| ini_key_equals(comment, e));
        if let Some(r) = ini_line_secret(comment, ceq) {
            found(c + r.start..c + r.end);
        }
        match ceq {
            Some(e) => from = c + e + 1,
            None => break,
        }
    }
}

/// [`raw_line_secret`] of an ini line whose `=` the caller has found: the first one
/// (`memchr`), or the one the ini tree's entry reads after its key.
pub fn ini_line_secret(line: &[u8], eq: Option<usize>) -> Option<Range<usize>> {
    // [`raw_line_secret_at`] for ini, the key's letters gathered in the pass that finds
    // its end: most lines (comments) are ruled out by them without a second look.
    let (key_end, value_start, m) = match eq {
        Some(p) => (p, p + 1, letters_in(&line[..p])),
        None => {
            let lead = line.iter().take_while(|&&b| matches!(b, b' ' | b'\t' | b';' | b'#')).count();
            let mut m = 0;
            let mut word = None;
            for (i, &b) in line[lead..].iter().enumerate() {
                if b.is_ascii_whitespace() {
                    word = Some(lead + i);
                    break;
                }
                m |= LETTER[b as usize];
            }
            let word = word?;
            (word, word, m)
        }
    };
    let raw_key = &line[..key_end];
    if !(may_name_a_secret_by_letters(m) && remembered(&INI_KEYS, raw_key, || raw_key_is_secret(raw_key, false))) {
        return None;
    }
    let start = value_start + line[value_start..].iter().take_while(|b| b.is_ascii_whitespace()).count();
    let end = line.len() - line[start..].iter().rev().take_while(|b| b.is_ascii_whitespace()).count();
    (end > start).then_some(start..end)
}

#[cfg(test)]
fn raw_line_secret_at(line: &[u8], envphp: bool, eq: Option<usize>) -> Option<Range<usize>> {
    let (key_end, value_start) = if envphp {
        let p = find(line, b"=>")?;
        (p, p + 2)
    } else {
        match eq {
            Some(p) => (p, p + 1),
            // No `=` (php-fpm refuses the line, `#secret value` included): the first word
            // names the value that follows it.
            None => {
                let lead = line.iter().take_while(|&&b| matches!(b, b' ' | b'\t' | b';' | b'#')).count();
                let word = line[lead..].iter().position(|b| b.is_ascii_whitespace()).map(|w| lead + w)?;
                (word, word)
            }
        }
    };
    let raw_key = &line[..key_end];
    // The verdict is a function of the key as written: an ini file's keys and the first
    // words of its comments recur, and are judged once per thread.
    let secret = if envphp {
        raw_key_is_secret(raw_key, true)
    } else {
        may_name_a_secret(raw_key) && remembered(&INI_KEYS, raw_key, || raw_key_is_secret(raw_key, false))
    };
    if !secret {
        return None;
    }
    let mut start = value_start;
    while start < line.len() && line[start].is_ascii_whitespace() {
        start += 1;
    }
    let mut end = line.len();
    while end > start && (line[end - 1].is_ascii_whitespace() || (envphp && line[end - 1] == b',')) {
        end -= 1;
    }
    (end > start).then_some(start..end)
}

/// Bit `1 << (letter - 'a')` of each ASCII letter, either case; 0 for any other byte.
const LETTER: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 26 {
        t[b'a' as usize + i] = 1 << i;
        t[b'A' as usize + i] = 1 << i;
        i += 1;
    }
    t
};

/// The letters of `word` as bits of [`LETTER`].
const fn letters(word: &[u8]) -> u32 {
    let mut m = 0;
    let mut i = 0;
    while i < word.len() {
        m |= LETTER[word[i] as usize];
        i += 1;
    }
    m
}

/// False when no key cut from `raw_key` (trimmed, lossily decoded) can be one that
/// [`ini_key_is_secret`] accepts, judged by the letters in it alone: each of its words
/// (`pass` needs `p`, `a`, `s`; `_pw`, `pw]`, `pwd`, `pswd` a `p` and a `w`; `secret`,
/// `auth`, `key`, `token`, `cred`, `psk`, `salt`, `pepper` all their letters), and a typo
/// of `password` keeps 6 of its 8
/// letters, 5 of them distinct.
/// Most comment lines' first words fail it and skip the remembered verdict's lookup.
pub(crate) fn may_name_a_secret(raw_key: &[u8]) -> bool {
    may_name_a_secret_by_letters(letters_in(raw_key))
}

/// The letters of `bytes` as bits of [`LETTER`] (at run time; [`letters`] is for constants).
#[inline]
fn letters_in(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0, |m, &b| m | LETTER[b as usize])
}

/// [`may_name_a_secret`] of a key whose [`letters_in`] are `m`.
#[inline]
fn may_name_a_secret_by_letters(m: u32) -> bool {
    // `pass`, and `pwd`, `_pw`, `pw]` (their letters `p`, `w`), then the other words.
    const WORDS: [u32; 10] = [
        letters(b"pas"),
        letters(b"pw"),
        letters(b"secret"),
        letters(b"auth"),
        letters(b"key"),
        letters(b"token"),
        letters(b"cred"),
        letters(b"psk"),
        letters(b"salt"),
        letters(b"pepper"),
    ];
    const PASSWORD: u32 = letters(b"password");
    // `w & !m == 0`: no letter of the word missing.
    WORDS.iter().any(|&w| w & !m == 0) || few_absent(PASSWORD & !m, 2)
}

/// Whether `absent` (letter bits) has at most `missing` bits set: that many lowest bits
/// cleared leave none (cheaper than `count_ones`, which has no instruction on the
/// baseline x86-64 target).
#[inline]
fn few_absent(mut absent: u32, missing: u32) -> bool {
    for _ in 0..missing {
        absent &= absent.wrapping_sub(1);
    }
    absent == 0
}

/// Whether the key of [`raw_line_secret`], as written before its separator, names a secret
/// once trimmed of spaces, quotes and brackets (env.php: its last quoted or bare word).
fn raw_key_is_secret(raw_key: &[u8], envphp: bool) -> bool {
    // Valid UTF-8 (nearly every line) is borrowed without the lossy decoder's pass.
    let key = match std::str::from_utf8(raw_key) {
        Ok(k) => std::borrow::Cow::Borrowed(k),
        Err(_) => String::from_utf8_lossy(raw_key),
    };
    let key = key.trim().trim_matches(['\'', '"', '[', ']', '(', ',']).trim();
    let key = if envphp { key.rsplit(['\'', '"', '[', '(', ',', ' ']).next().unwrap_or(key) } else { key };
    if envphp {
        envphp_key_is_secret(key)
    } else {
        ini_key_is_secret(key)
    }
}

/// One text line of env.php: the byte ranges of the values that secret keys give on it
/// (`'password' => 'a' 'b',` and every other `'key' => value` of the line), whether or not
/// the line parses. A value runs to the next `,` or closing bracket outside quotes and
/// brackets, or to the line's end: an array given as a password is masked whole.
pub fn envphp_line_secrets(line: &[u8]) -> Vec<Range<usize>> {
    let mut starts = Vec::new();
    // Each `=>` by a memchr for its `=` (a memmem searcher built per line cost more than
    // the rest of a short line's scan).
    for p in memchr::memchr_iter(b'=', line) {
        if line.get(p + 1) != Some(&b'>') || !envphp_key_before_is_secret(&line[..p]) {
            continue;
        }
        let mut start = p + 2;
        while start < line.len() && line[start].is_ascii_whitespace() {
            start += 1;
        }
        starts.push(start);
    }
    if starts.is_empty() {
        return Vec::new();
    }
    let ends = value_ends(line, &starts);
    // Values nested in one another often end together: trim each end's spaces once.
    let mut trimmed: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for (&start, &end) in starts.iter().zip(&ends) {
        let t = *trimmed.entry(end).or_insert_with(|| {
            let mut e = end;
            while e > 0 && line[e - 1].is_ascii_whitespace() {
                step(1);
                e -= 1;
            }
            e
        });
        let e = t.max(start).min(end);
        if e > start {
            out.push(start..e);
        }
    }
    out
}

/// Where each value that starts at `starts` (ascending) ends on `line`: the next `,`, `;`
/// or closing bracket outside quotes and the value's own brackets, a line break, or the
/// line's end. Scans in the same quote state at the same byte differ only in their depth,
/// so they run as one ("lineage") with their starting depths: the line is read once per
/// quote state, not once per value (`'password' => ['password' => [...` nested).
fn value_ends(line: &[u8], starts: &[usize]) -> Vec<usize> {
    struct Lineage {
        quote: Option<u8>,
        skip: bool,
        depth: i64,
        /// Starting depth -> the values (indices into `starts`) scanning at it.
        pending: std::collections::BTreeMap<i64, Vec<usize>>,
    }
    let mut ends = vec![line.len(); starts.len()];
    let mut lineages: Vec<Lineage> = Vec::new();
    let mut next = 0;
    let first = starts.first().copied().unwrap_or(line.len());
    for (pos, &b) in line.iter().enumerate().skip(first) {
        while next < starts.len() && starts[next] == pos {
            match lineages.iter_mut().find(|l| l.quote.is_none() && !l.skip) {
                Some(l) => l.pending.entry(l.depth).or_default().push(next),
                None => lineages.push(Lineage {
                    quote: None,
                    skip: false,
                    depth: 0,
                    pending: std::collections::BTreeMap::from([(0, vec![next])]),
                }),
            }
            next += 1;
        }
        step(lineages.len());
        for l in &mut lineages {
            if l.skip {
                l.skip = false;
                continue;
            }
            match l.quote {
                Some(_) if b == b'\\' => l.skip = true,
                Some(q) if b == q => l.quote = None,
                Some(_) => {}
                None => match b {
                    b'\'' | b'"' => l.quote = Some(b),
                    b'[' | b'(' => l.depth += 1,
                    b']' | b')' => {
                        for i in l.pending.remove(&l.depth).unwrap_or_default() {
                            ends[i] = pos;
                        }
                        l.depth -= 1;
                    }
                    b',' | b';' => {
                        for i in l.pending.remove(&l.depth).unwrap_or_default() {
                            ends[i] = pos;
                        }
                    }
                    b'\n' | b'\r' => {
                        for i in std::mem::take(&mut l.pending).into_values().flatten() {
                            ends[i] = pos;
                        }
                    }
                    _ => {}
                },
            }
        }
        lineages.retain(|l| !l.pending.is_empty());
        // Two lineages in the same state scan alike from here on: the smaller joins the larger.
        let mut i = 0;
        while i < lineages.len() {
            let same = (i + 1..lineages.len())
                .find(|&j| lineages[j].quote == lineages[i].quote && lineages[j].skip == lineages[i].skip);
            match same {
                Some(j) => {
                    let mut small = lineages.swap_remove(j);
                    if small.pending.len() > lineages[i].pending.len() {
                        std::mem::swap(&mut small, &mut lineages[i]);
                    }
                    let big = &mut lineages[i];
                    for (base, values) in small.pending {
                        big.pending.entry(base - small.depth + big.depth).or_default().extend(values);
                    }
                }
                None => i += 1,
            }
        }
    }
    // The values still open at the line's end end there; so do the ones starting at it.
    ends
}

/// env.php, line by line whether or not it parses: every `'key' => value` of a secret key
/// ([`envphp_line_secrets`]) and the credentials of any URL (Magento's `host`, `server`,
/// `sentinel_servers`: `tcp://:pw@h`, `?auth=pw`). Spans index `bytes`.
pub fn envphp_raw_secrets(bytes: &[u8]) -> Vec<crate::span::Span> {
    let mut out = Vec::new();
    let mut offset = 0;
    let ends = memchr::memchr_iter(b'\n', bytes).map(|p| p + 1);
    for end in ends.chain((bytes.last().is_some_and(|&b| b != b'\n')).then_some(bytes.len())) {
        let line = &bytes[offset..end];
        for r in envphp_line_secrets(line) {
            out.push(crate::span::Span::new(offset + r.start, offset + r.end));
        }
        // Most env.php lines hold no URL credential: they are not scanned for one. A `'key'
        // => 'value'` line has a `=`, and the letters of its key are judged as an ini line's.
        if memchr::memchr(b'@', line).is_some() || ini_line_may_hold_query_credentials(line, 0) {
            for r in save_path_secret_ranges(&envphp_arrows_blanked(line)) {
                out.push(crate::span::Span::new(offset + r.start, offset + r.end));
            }
        }
        offset = end;
    }
    out
}

/// A byte that ends every query key, walking back from its `=` (`=`, `&`, `?`, `"`, a
/// space, a line break), in [`KEY_CLASS`].
const KEY_STOP: u32 = 1 << 30;
/// A `%` (an escape may spell any letter), in [`KEY_CLASS`].
const KEY_PERCENT: u32 = 1 << 31;
/// [`LETTER`], with [`KEY_STOP`] and [`KEY_PERCENT`]: one lookup a byte of a key.
const KEY_CLASS: [u32; 256] = {
    let mut t = LETTER;
    let stops = *b"=&?\n\r\" ";
    let mut i = 0;
    while i < stops.len() {
        t[stops[i] as usize] = KEY_STOP;
        i += 1;
    }
    t[b'%' as usize] = KEY_PERCENT;
    t
};

/// An env.php line as [`save_path_secret_ranges`] reads it for URL credentials: each `=>`
/// (PHP's arrow, not a key's `=`) as two NUL bytes, which neither start nor end a key, so
/// `'password' => 'x', 'timeout' => '2'` is not read as a key `password'` whose value is
/// the rest of the line. Same length: the ranges index `line`.
pub(crate) fn envphp_arrows_blanked(line: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if memchr::memmem::find(line, b"=>").is_none() {
        return line.into();
    }
    let mut out = line.to_vec();
    for p in memchr::memchr_iter(b'=', line) {
        if line.get(p + 1) == Some(&b'>') {
            out[p] = 0;
            out[p + 1] = 0;
        }
    }
    out.into()
}

/// Whether [`save_path_secret_ranges`] may find a query or DSN key's secret on an ini
/// `line` whose first `=` is at `first_eq`: a key it masks the value of ends at a `=` and is
/// a suffix of the bytes back to the byte before it that ends every key (`=`, `&`, `?`, `"`,
/// a space, a line break), so those hold a `%` (an escape may spell anything), one of the
/// words of [`unknown_name_holds_a_secret`], or, in their last 12 bytes, 6 of the letters
/// of `password` (a typo of it), or in their last 6, 3 of `auth`'s (one edit from it).
/// Blanks before a `=` are skipped (`password = pw`). A URL query's key with no `=` after it
/// (`?auth ZQ`, `&password:pw`, `?key,w`), whose next word is the password all the same, is
/// judged by its letters from the `?` or `&` to where the name stops. User-info needs a `@`:
/// the caller's to find. A commented-out `;extension=bz2` or `;opcache.jit=off` fails it.
/// Work: one look at each key's bytes.
pub(crate) fn ini_line_may_hold_query_credentials(line: &[u8], first_eq: usize) -> bool {
    const AUTH: u32 = letters(b"auth");
    const PASSWORD: u32 = letters(b"password");
    let rest = line.get(first_eq..).unwrap_or_default();
    // A query key without its `=`: the name runs to the first byte `save_path_secret_ranges`
    // stops such a name at; a `%` may spell any letter, so it passes.
    let unspaced_query_key = |p: usize| {
        let from = first_eq + p + 1;
        let name = &line[from..];
        let n = name
            .iter()
            .position(|&b| {
                matches!(
                    b,
                    b' ' | b'\t' | b',' | b':' | b'+' | b'%' | b'=' | b'&' | b'?' | b'\n' | b'\r' | b'"' | b'\''
                )
            })
            .unwrap_or(name.len());
        if name.get(n) == Some(&b'%') {
            return true;
        }
        let m = letters_in(&name[..n]);
        n > 0
            && (few_absent(AUTH & !m, 1)
                || few_absent(PASSWORD & !m, 2)
                || (may_name_a_secret_by_letters(m) && has_a_secret_word_any_case(&name[..n])))
    };
    memchr::memchr2_iter(b'?', b'&', rest).any(unspaced_query_key)
        || memchr::memchr_iter(b'=', rest).any(|p| {
            // The key ends before the blanks before its `=` (`password = pw`).
            let e = first_eq + p;
            let e = e - line[..e].iter().rev().take_while(|&&b| b == b' ').count();
            // One pass back from the `=`, one lookup a byte: the key's letters.
            let (mut m, mut from) = (0, e);
            while from > 0 {
                let c = KEY_CLASS[line[from - 1] as usize];
                if c >= KEY_STOP {
                    if c == KEY_PERCENT {
                        return true;
                    }
                    break;
                }
                m |= c;
                from -= 1;
            }
            // The letters of its last 6 and 12 bytes, read only when all of its letters could do.
            let tail = |n: usize| letters_in(&line[e.saturating_sub(n).max(from)..e]);
            from < e
                && ((few_absent(AUTH & !m, 1) && few_absent(AUTH & !tail(6), 1))
                    || (few_absent(PASSWORD & !m, 2) && few_absent(PASSWORD & !tail(12), 2))
                    || (may_name_a_secret_by_letters(m) && has_a_secret_word_any_case(&line[from..e])))
        })
}

/// env.php by PHP's tokens, across lines, comments and heredocs: after every token that
/// names a secret key (`'password'`, `PASSWORD`, followed by `=>` or, when the arrow is
/// missing, directly by the value), the value's tokens up to the next `,` or `;` or the
/// closing bracket at the same depth (`'password' =>\n 'a' 'b'`: both strings). Spans
/// index the bytes `tokens` were lexed from. This is what lets a parser message that
/// quotes one of those tokens be masked wherever the token stands.
pub fn envphp_token_secrets(tokens: &[crate::syntax::env_php::Token], bytes: &[u8]) -> Vec<crate::span::Span> {
    use crate::syntax::env_php::TokenKind as K;
    let sig: Vec<&crate::syntax::env_php::Token> = tokens.iter().filter(|t| !t.kind.is_trivia()).collect();
    let text = |t: &crate::syntax::env_php::Token| bytes.get(t.span().start..t.span().end).unwrap_or(b"");
    let mut out = Vec::new();
    let mut i = 0;
    while i < sig.len() {
        let raw = match sig[i].kind {
            K::SingleQuoted | K::DoubleQuoted => {
                let t = text(sig[i]);
                t.get(1..t.len().saturating_sub(1)).unwrap_or(b"")
            }
            K::Name => text(sig[i]),
            _ => b"",
        };
        i += 1;
        // Most strings' letters rule them out before any decoding (a key's text is
        // judged once it is lossily decoded: its letters are the raw bytes' letters).
        if raw.is_empty() || !may_name_a_secret(raw) {
            continue;
        }
        let key = String::from_utf8_lossy(raw);
        if key.len() > 64 || !envphp_key_is_secret(&key) {
            continue;
        }
        let mut start = i;
        match sig.get(i).map(|t| t.kind) {
            Some(K::DoubleArrow) => start += 1,
            Some(K::Comma | K::Semicolon | K::CloseBracket | K::CloseParen | K::CloseBrace) | None => continue,
            Some(_) => {}
        }
        let (mut depth, mut end) = (0usize, start);
        while let Some(t) = sig.get(end) {
            match t.kind {
                K::OpenBracket | K::OpenParen | K::OpenBrace | K::Attribute => depth += 1,
                K::CloseBracket | K::CloseParen | K::CloseBrace if depth == 0 => break,
                K::CloseBracket | K::CloseParen | K::CloseBrace => depth -= 1,
                K::Comma | K::Semicolon if depth == 0 => break,
                _ => {}
            }
            end += 1;
        }
        if end > start {
            out.push(crate::span::Span::new(sig[start].span().start, sig[end - 1].span().end));
        }
        // A secret key inside the value (`'password' => ['key' => ...]`) is inside this span.
        i = end.max(i);
    }
    out
}

/// [`envphp_key_is_secret`] of [`envphp_key_before`], without a copy of the key when the
/// bytes before the arrow are ASCII (nearly every line).
fn envphp_key_before_is_secret(text: &[u8]) -> bool {
    let window = &text[text.len().saturating_sub(256)..];
    if !window.is_ascii() {
        return envphp_key_is_secret(&envphp_key_before(text));
    }
    // str::trim_end on ASCII: `\t`, `\n`, `\v`, `\f`, `\r` and space are whitespace.
    let white = |b: &u8| matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ');
    let t = &window[..window.len() - window.iter().rev().take_while(|b| white(b)).count()];
    let key = match t.last() {
        Some(&q @ (b'\'' | b'"')) => {
            let body = &t[..t.len() - 1];
            body.iter().rposition(|&b| b == q).map_or(body, |i| &body[i + 1..])
        }
        _ => &t[t.iter().rposition(|&b| !(b.is_ascii_alphanumeric() || b == b'_')).map_or(0, |i| i + 1)..],
    };
    // ASCII, so UTF-8; most keys' letters rule them out first.
    may_name_a_secret(key) && std::str::from_utf8(key).is_ok_and(envphp_key_is_secret)
}

/// The key written just before a `=>`: the last quoted string or bare word, unquoted.
fn envphp_key_before(text: &[u8]) -> String {
    // A key is short: the last bytes before the arrow hold it, and a long line of entries
    // is not copied once per arrow.
    let text = &text[text.len().saturating_sub(256)..];
    let t = String::from_utf8_lossy(text);
    let t = t.trim_end();
    let key = match t.chars().last() {
        Some(q @ ('\'' | '"')) => {
            let body = &t[..t.len() - 1];
            body.rfind(q).map_or(body, |i| &body[i + 1..])
        }
        _ => t.rsplit(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or(t),
    };
    key.to_owned()
}

/// Masks, by position, the input a syntax error's message quotes (`unexpected
/// single-quoted string "..."`) when the error stands on a line that holds a secret or
/// inside a secret's span: a token there may be part of a password that the parser could
/// not place. `secrets` and
/// the errors' spans index `bytes`.
pub fn mask_quoted_tokens(errors: &mut [crate::syntax::SyntaxError], secrets: &[crate::span::Span], bytes: &[u8]) {
    if !errors.iter().any(|e| e.quoted.is_some()) {
        return;
    }
    // Sorted, disjoint secrets and the line breaks, each searched by bisection: thousands
    // of errors on one long line cost a few lookups each, not a scan of the file.
    let ranges: Vec<Range<usize>> = secrets.iter().map(|s| s.start..s.end).collect();
    let merged = merge_ranges(&ranges);
    let overlaps = |a: usize, b: usize| {
        let i = merged.partition_point(|r| r.end <= a);
        merged.get(i).is_some_and(|r| r.start < b)
    };
    let breaks: Vec<usize> = memchr::memchr2_iter(b'\n', b'\r', bytes).collect();
    for e in errors {
        let Some(q) = e.quoted.clone() else { continue };
        let start = e.span.start.min(bytes.len());
        let end = e.span.end.clamp(start, bytes.len());
        let line_start = match breaks.partition_point(|&p| p < start) {
            0 => 0,
            i => breaks[i - 1] + 1,
        };
        let line_end = breaks.get(breaks.partition_point(|&p| p < end)).copied().unwrap_or(bytes.len());
        let on_secret_line = overlaps(line_start, line_end.max(line_start + 1));
        // Or the token itself stands inside a secret's value, on whatever line.
        let inside_secret = overlaps(start, end.max(start + 1));
        if (on_secret_line || inside_secret)
            && q.end <= e.message.len()
            && e.message.is_char_boundary(q.start)
            && e.message.is_char_boundary(q.end)
        {
            e.message.to_mut().replace_range(q.clone(), MASK);
            e.quoted = Some(q.start..q.start + MASK.len());
        }
    }
}

/// Words of a Redis ACL rule line (`user alice on >pw #hash <pw`, or a line that does not
/// parse but looks like one): the bytes after `>`, `<` and `#` of every word but the first,
/// wherever it stands.
pub fn acl_rule_secret_words(line: &[u8]) -> Vec<Range<usize>> {
    words(line)
        .skip(1)
        .filter_map(|w| crate::syntax::redis_acl::acl_rule_secret_from(&line[w.clone()]).map(|f| w.start + f..w.end))
        .collect()
}

/// Byte ranges of credentials in a phpredis save path, raw (as written in a file, quotes
/// and all) or evaluated: the value of every query key that decodes to `auth` or `auth[...]`
/// (`%61uth`, `auth%5B%5D`), up to the next `&` or the end of `raw` (line breaks included:
/// a value quoted across lines), so that a comma, a space, a line break, `%xx`, `+`, a quote
/// or a `${}` inside it hides nothing; and the password of a
/// URL's user-info (`tcp://user:pw@host`, line breaks included).
pub fn save_path_secret_ranges(raw: &[u8]) -> Vec<Range<usize>> {
    save_path_secret_ranges_but(raw, &[])
}

/// The keys of the comments trailing an ini statement on `line` whose `=` is at `eq`
/// ([`ini_trailing_comment`]): from each comment's `;` or `#` to just past its own `=`.
/// A comment is a line commented out: its key is judged by the key test
/// ([`ini_trailing_comment_secrets`]), never read as a save path's or DSN's query key
/// (`x = 1 ; monkey = banana` masks nothing, as `; monkey = banana` alone on its line).
pub fn ini_trailing_comment_keys(line: &[u8], eq: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut from = eq + 1;
    while let Some(c) = ini_trailing_comment(line, from) {
        let Some(e) = memchr::memchr(b'=', &line[c..]).map(|e| ini_key_equals(&line[c..], e)) else { break };
        out.push(c..c + e + 1);
        from = c + e + 1;
    }
    out
}

/// The credentials of a URL or DSN on an ini `line` ([`save_path_secret_ranges`] of
/// `line[from..]`, ranges indexing `line`), the keys of the comments trailing the
/// statement whose `=` is at `eq` read as no query key ([`ini_trailing_comment_keys`]); a
/// value started before a comment still runs on into it (`auth=a;b`).
pub fn ini_line_credentials(line: &[u8], from: usize, eq: Option<usize>) -> Vec<Range<usize>> {
    let from = from.min(line.len());
    let keys: Vec<Range<usize>> = eq
        .map(|e| ini_trailing_comment_keys(line, e))
        .unwrap_or_default()
        .into_iter()
        .filter(|k| k.end > from)
        .map(|k| k.start.saturating_sub(from)..k.end - from)
        .collect();
    let mut out = save_path_secret_ranges_but(&line[from..], &keys);
    for r in &mut out {
        *r = from + r.start..from + r.end;
    }
    out
}

/// [`save_path_secret_ranges`] with no query key read at a start inside `no_keys`.
fn save_path_secret_ranges_but(raw: &[u8], no_keys: &[Range<usize>]) -> Vec<Range<usize>> {
    // Every "next byte of a kind" is asked from positions that only grow, so each finder
    // reads each byte once: a line of commas or `=` costs its length, not its square.
    let mut key_stop = NextOf::new(raw, |b| matches!(b, b'=' | b'&' | b'?' | b'\n' | b'\r' | b'"' | b' '));
    // A value runs to the next `&` or the end of `raw`, line breaks included: a password
    // quoted across lines is as much the password after its first line as on one line.
    let mut value_stop = NextOf::new(raw, |b| b == b'&');
    let mut word_stop =
        NextOf::new(raw, |b| matches!(b, b'/' | b'?' | b'"' | b'\'' | b' ' | b'\t' | b',' | b'\n' | b'\r'));
    let mut colon = NextOf::new(raw, |b| b == b':');
    let mut equals = NextOf::new(raw, |b| b == b'=');
    let mut past_spaces = NextOf::new(raw, |b| b != b' ');
    // Where a query key's name ends when no `=` follows it (`auth ZQ`, `auth:ZQ`).
    let mut name_stop = NextOf::new(raw, |b| {
        matches!(b, b' ' | b'\t' | b',' | b':' | b'+' | b'%' | b'=' | b'&' | b'?' | b'\n' | b'\r' | b'"' | b'\'')
    });
    let mut long_key = LongKey::default();
    // The word a `@` search ran in (its stop) and the last `@` found in it from there on.
    let mut last_at: Option<(usize, Option<usize>)> = None;
    let mut out = Vec::new();
    // Query keys: start after `?`, `&`, a quote, a blank, a comma or a line break (phpredis
    // splits a save path into hosts at blanks, commas and line breaks).
    let mut i = 0;
    while i < raw.len() {
        step(1);
        let at_key = i == 0 || KEY_START_AFTER[raw[i - 1] as usize];
        if at_key && !no_keys.iter().any(|r| r.contains(&i)) {
            let k = key_stop.from(i);
            // libpq's `keyword = value` (`host=h password = pw`): blanks around the `=`.
            let e = if raw.get(k) == Some(&b' ') { past_spaces.from(k) } else { k };
            let value_start = if raw.get(e) == Some(&b'=') && long_key.names_a_secret(raw, i, k) {
                Some(e + 1)
            } else if in_query(raw, i) {
                // A query key that names a credential with a blank, tab, comma, `:`, `+` or
                // `%3D` where its `=` belongs (`auth ZQ`): the word after it is the password
                // (phpredis tries it as another host, or reads it into the key's name).
                let mut n = name_stop.from(i);
                while raw.get(n) == Some(&b'%') && !is_encoded_equals(&raw[n..]) {
                    n = name_stop.from(n + 1);
                }
                let sep = match raw.get(n) {
                    _ if n == i || n - i > SHORT_KEY => 0,
                    Some(b' ' | b'\t') => raw[n..].iter().take_while(|&&b| b == b' ' || b == b'\t').count(),
                    Some(b',' | b':' | b'+') => 1,
                    Some(b'%') => 3,
                    _ => 0,
                };
                (sep > 0 && long_key.names_a_secret(raw, i, n)).then_some(n + sep)
            } else {
                None
            };
            if let Some(after) = value_start {
                let vs = after + raw[after..].iter().take_while(|&&b| b == b' ' || b == b'\t').count();
                step(vs - after);
                // `auth=&ZQ`: an empty value, then a part with no `=` of its own is the password.
                if raw.get(vs) == Some(&b'&') && raw[after - 1] == b'=' {
                    let mut ve = value_stop.from(vs + 1);
                    if ve > vs + 1 && equals.from(vs + 1) >= ve {
                        trim_value_end(raw, vs + 1, &mut ve);
                        if ve > vs + 1 {
                            out.push(vs + 1..ve);
                            i = ve;
                            continue;
                        }
                    }
                }
                let stop = value_stop.from(vs);
                let mut ve = stop;
                trim_value_end(raw, vs, &mut ve);
                if ve > vs {
                    out.push(vs..ve);
                }
                i = ve.max(vs);
                continue;
            }
        }
        // A URL without a scheme (`//user:pw@host/db`, which PHP's parse_url reads as
        // user-info), as a value starts: its user-info as after `scheme://`.
        if at_key && raw[i..].starts_with(b"//") {
            let auth_start = i + 2;
            if let Some(r) = userinfo_password(raw, auth_start) {
                out.push(r);
            }
            i = auth_start;
            continue;
        }
        // User-info without a scheme, as a value starts (`'host' => 'user:pw@h'`, which
        // Credis hands to PHP's URL parser): the `:` before `@` in one word. Not a
        // `mailto:` address's local part (`mailto:ops@example.com`: no password in it).
        if at_key && !raw[i..].starts_with(b"://") {
            let stop = word_stop.from(i);
            let c = colon.from(i);
            // The last `@` of the word from `i` on: one backward scan per word.
            let at = match last_at {
                Some((s, at)) if s == stop => at.filter(|&a| a >= i),
                _ => {
                    let at = raw[i..stop].iter().rposition(|&b| b == b'@').map(|p| i + p);
                    step(stop - i);
                    last_at = Some((stop, at));
                    at
                }
            };
            if let Some(at) = at {
                if c < stop && c + 1 < at && equals.from(i) >= c && !is_address_scheme(&raw[i..c]) {
                    out.push(c + 1..at);
                    i = stop;
                    continue;
                }
            }
        }
        // User-info: `scheme://user:password@host`.
        if raw[i..].starts_with(b"://") {
            let auth_start = i + 3;
            if let Some(r) = userinfo_password(raw, auth_start) {
                out.push(r);
            }
            i = auth_start;
            continue;
        }
        // Up to the next byte that starts a key or a `://`, nothing is asked: a tight loop.
        i += 1;
        while i < raw.len() && !KEY_START_AFTER[raw[i - 1] as usize] && raw[i] != b':' {
            i += 1;
        }
    }
    out
}

/// A value that runs to the end of `raw` (no `&` after it) ends before the closing quote and
/// the blanks and line ends before the end: they are not the secret.
fn trim_value_end(raw: &[u8], vs: usize, ve: &mut usize) {
    if raw.get(*ve) == Some(&b'&') {
        return;
    }
    while *ve > vs && matches!(raw[*ve - 1], b' ' | b'\t' | b'\n' | b'\r') {
        step(1);
        *ve -= 1;
    }
    if *ve > vs && matches!(raw[*ve - 1], b'"' | b'\'') {
        *ve -= 1;
    }
}

/// Whether `s` starts with `%3D` (any case): an `=` percent-encoded.
pub(crate) fn is_encoded_equals(s: &[u8]) -> bool {
    s.len() >= 3 && s[0] == b'%' && s[1] == b'3' && (s[2] == b'D' || s[2] == b'd')
}

/// The bytes after which a query key starts in [`save_path_secret_ranges`] (`?`, `&`, a
/// quote, a blank, a comma, `=`, a line break).
const KEY_START_AFTER: [bool; 256] = {
    let mut t = [false; 256];
    let after = *b"?&\"' \t,=\n\r";
    let mut i = 0;
    while i < after.len() {
        t[after[i] as usize] = true;
        i += 1;
    }
    t
};

/// The password of the user-info of a URL whose authority starts at `start` (after `//`):
/// after the user's `:`, or all of it without one ([`userinfo_at`]); `None` for none.
pub(crate) fn userinfo_password(raw: &[u8], start: usize) -> Option<Range<usize>> {
    let at = userinfo_at(raw, start)?;
    let pw = raw[start..at].iter().position(|&b| b == b':').map_or(start, |c| start + c + 1);
    (at > pw).then_some(pw..at)
}

/// Whether `scheme` (any case) names a URI whose `local@host` is an address, not a user
/// and password (`mailto:ops@example.com`, RFC 6068; `sip:`, `sips:`, `xmpp:`): PHP's
/// `parse_url` reads the part after the `:` as the path.
pub(crate) fn is_address_scheme(scheme: &[u8]) -> bool {
    [&b"mailto"[..], b"sip", b"sips", b"xmpp"].iter().any(|s| scheme.eq_ignore_ascii_case(s))
}

/// The `@` ending the user-info of a URL whose authority starts at `start` (just after
/// `://`), or `None`. As PHP's `php_url_parse_ex2` reads it (which Credis and phpredis use):
/// the last `@` before the first `/`, `?` or `#`, blanks, commas and line breaks inside the
/// password included. A password holding `/`, `?` or `#` (refused by PHP, but its writer's
/// bytes) runs on to the last `@` before the next quote or `://` when the authority reads
/// `user:` and a non-port. Bounded by the next quote or `://`: linear over a save path.
pub(crate) fn userinfo_at(raw: &[u8], start: usize) -> Option<usize> {
    let rest = &raw[start.min(raw.len())..];
    let mut seg_end = rest.len();
    for (k, &b) in rest.iter().enumerate() {
        if b == b'"' || b == b'\'' || (b == b':' && rest[k..].starts_with(b"://")) {
            seg_end = k;
            break;
        }
    }
    step(seg_end);
    let seg = &rest[..seg_end];
    let auth_end = seg.iter().position(|&b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(seg.len());
    if let Some(at) = seg[..auth_end].iter().rposition(|&b| b == b'@') {
        return Some(start + at);
    }
    let colon = seg[..auth_end].iter().position(|&b| b == b':')?;
    let after = &seg[colon + 1..auth_end];
    if !after.is_empty() && after.iter().all(u8::is_ascii_digit) {
        return None; // `host:port/...`: an `@` further on is in the path or query
    }
    seg[auth_end..].iter().rposition(|&b| b == b'@').map(|p| start + auth_end + p)
}

/// The first byte of a kind at or after a position, for positions asked in growing order
/// (an earlier one is answered by a fresh scan): the bytes between answers are read once.
struct NextOf<'a, F: Fn(u8) -> bool> {
    raw: &'a [u8],
    is: F,
    /// The last answer (`raw.len()` for none) and the position it was asked from.
    asked: usize,
    found: Option<usize>,
}

impl<'a, F: Fn(u8) -> bool> NextOf<'a, F> {
    fn new(raw: &'a [u8], is: F) -> Self {
        NextOf { raw, is, asked: 0, found: None }
    }

    /// The index of the first byte of the kind in `raw[from..]`, or `raw.len()`.
    fn from(&mut self, from: usize) -> usize {
        if let Some(f) = self.found {
            if from >= self.asked && f >= from {
                return f;
            }
        }
        let f = self.raw[from..].iter().position(|&b| (self.is)(b)).map_or(self.raw.len(), |p| from + p);
        step(f - from);
        self.asked = from;
        self.found = Some(f);
        f
    }
}

/// Whether the query key `raw[i..k]` (percent-decoded, any case) names a credential: one
/// typo from `auth`, `auth[...]`, or [`unknown_name_holds_a_secret`]. Keys that start after
/// a `,`, `'` or tab inside one longer key share its end `k` and decode as its suffix (none
/// of those bytes is a hex digit, so no `%xx` spans the start): for a long key the word
/// search runs once and each later start asks whether a word begins at or after it.
#[derive(Default)]
struct LongKey {
    /// The key's end and the raw position of the last word that begins in it.
    last_word: Option<(usize, Option<usize>)>,
}

/// Whether the key starting at `raw[i]` is a URL query's (after its `?` or an `&`).
pub(crate) fn in_query(raw: &[u8], i: usize) -> bool {
    i > 0 && matches!(raw[i - 1], b'?' | b'&')
}

/// Raw bytes beyond which a key decodes to more than 12 bytes (3 raw bytes per decoded one
/// at most): too long to be a typo of `auth` or `password`.
const SHORT_KEY: usize = 40;

impl LongKey {
    fn names_a_secret(&mut self, raw: &[u8], i: usize, k: usize) -> bool {
        if k - i <= SHORT_KEY {
            step(k - i);
            // Without a `%` the key decodes to its own letters (`+` to a blank): when they
            // can spell none of the words, nor a typo of `auth` in a query, no copy is made.
            let written = &raw[i..k];
            if memchr::memchr(b'%', written).is_none() {
                const AUTH: u32 = letters(b"auth");
                let m = letters_in(written);
                if !(may_name_a_secret_by_letters(m) || in_query(raw, i) && few_absent(AUTH & !m, 1)) {
                    return false;
                }
            }
            // Decoded on the stack (never longer than its raw bytes) and lowercased in place.
            let mut buf = [0u8; SHORT_KEY];
            let n = percent_decode_into(&raw[i..k], &mut buf);
            let key = &mut buf[..n];
            key.make_ascii_lowercase();
            let lower = String::from_utf8_lossy(key);
            // Also the names people mistake for `auth` in a URL's query (phpredis ignores
            // them; SL104): one typo from `auth`, a swap of two letters included (`auht`).
            // Elsewhere such a word is a word (`x = auto=1`).
            let auth_like = in_query(raw, i) && key.len() <= 6 && strsim::osa_distance(&lower, "auth") <= 1;
            return auth_like || key.starts_with(b"auth[") || unknown_name_holds_a_secret(&lower);
        }
        // Its first 5 decoded bytes come from at most 15 raw ones, whole escapes included.
        step(20);
        if percent_decode(&raw[i..i + 20]).get(..5).is_some_and(|h| h.eq_ignore_ascii_case(b"auth[")) {
            return true;
        }
        let last = match self.last_word {
            Some((end, last)) if end == k => last,
            _ => {
                step(k - i);
                let last = last_secret_word(raw, i, k);
                self.last_word = Some((k, last));
                last
            }
        };
        last.is_some_and(|p| p >= i)
    }
}

/// The raw position where the last of the words of [`unknown_name_holds_a_secret`]
/// (`pass`, `pwd`, `secret`, `auth`, `key`, `token`, `cred`, any case) begins in
/// `raw[i..k]` percent-decoded as [`percent_decode`] does.
fn last_secret_word(raw: &[u8], i: usize, k: usize) -> Option<usize> {
    let s = &raw[i..k];
    let (mut bytes, mut from) = (Vec::with_capacity(s.len()), Vec::with_capacity(s.len()));
    let mut j = 0;
    while j < s.len() {
        let mut width = 1;
        let b = match s[j] {
            b'%' if j + 2 < s.len() => {
                match std::str::from_utf8(&s[j + 1..j + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        width = 3;
                        v
                    }
                    None => b'%',
                }
            }
            b'+' => b' ',
            c => c,
        };
        bytes.push(b);
        from.push(i + j);
        j += width;
    }
    let words: [&[u8]; 7] = [b"pass", b"pwd", b"secret", b"auth", b"key", b"token", b"cred"];
    (0..bytes.len())
        .rev()
        .find(|&d| words.iter().any(|w| bytes.len() - d >= w.len() && bytes[d..d + w.len()].eq_ignore_ascii_case(w)))
        .map(|d| from[d])
}

#[cfg(any(test, fuzzing))]
pub(crate) mod plain;

#[cfg(test)]
thread_local! {
    /// Bytes the save-path scan has looked at, for the test that it grows linearly.
    static STEPS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

#[inline]
fn step(_n: usize) {
    #[cfg(test)]
    STEPS.with(|s| s.set(s.get() + _n));
}

/// The pre-shared key of a PeerVPN config: the value of each `psk` line, byte ranges in
/// `text`. peervpn (config.ic) reads `keyword value` lines, the keyword after blanks and
/// followed by a blank, and cuts the line at its first `#`, `;`, `\r` or NUL: a psk holding
/// one is cut silently, but its writer's key runs on, so the value is masked to the line's
/// end. A line peervpn refuses or skips still holds the key its writer meant: `PSK x` (its
/// keywords are lowercase), `psk=x`, `psk: x`, and a psk commented out (`#psk x`, `; psk x`).
pub fn peervpn_secret_ranges(text: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive(|&b| b == b'\n') {
        let lead = line.iter().take_while(|&&b| matches!(b, b' ' | b'\t' | b'#' | b';')).count();
        let rest = &line[lead..];
        let separated = rest.len() > 3
            && rest[..3].eq_ignore_ascii_case(b"psk")
            && (rest[3].is_ascii_whitespace() || matches!(rest[3], b'=' | b':' | 0));
        if separated {
            let sep =
                rest[3..].iter().take_while(|&&b| b.is_ascii_whitespace() || matches!(b, b'=' | b':' | 0)).count();
            let value = lead + 3 + sep;
            let value_end = line.len() - line[value..].iter().rev().take_while(|b| b.is_ascii_whitespace()).count();
            if value < value_end {
                out.push(offset + value..offset + value_end);
            }
        }
        offset += line.len();
    }
    out
}

/// The secrets of an stunnel configuration, byte ranges in `text`. stunnel reads
/// `option = value` lines (`;` or `#` first starts a comment, `[service]` a section): a value
/// under an option named for a credential, as an ini key is judged ([`ini_line_secret`]:
/// `ticketKeySecret`, `ticketMacSecret`, `key` and `PSKsecrets`, whose files hold the keys,
/// commented-out lines too), `engineCtrl = PIN:...`'s PIN, and a PKCS#11 URI's `pin-value`
/// (`key = pkcs11:object=k;pin-value=1234`). A line without `=` (stunnel refuses it, and
/// reads nothing) written as a `PSKsecrets` file's `IDENTITY:KEY` is masked after its `:`
/// (a key pasted in, or a PSK file named `*.conf` read as a configuration); another, from
/// its first word when that names a credential (`key /etc/x.pem`).
pub fn stunnel_secret_ranges(text: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive(|&b| b == b'\n') {
        let at = |r: Range<usize>| offset + r.start..offset + r.end;
        let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let end = line.len() - line[lead..].iter().rev().take_while(|b| b.is_ascii_whitespace()).count();
        let comment = matches!(line.get(lead), Some(b';' | b'#'));
        let eq = memchr::memchr(b'=', line);
        match eq {
            Some(eq) => {
                if let Some(r) = ini_line_secret(line, Some(eq)) {
                    out.push(at(r));
                }
                let value = &line[eq + 1..end.max(eq + 1)];
                let v = eq + 1 + value.iter().take_while(|b| b.is_ascii_whitespace()).count();
                if line[v..].len() >= 4 && line[v..v + 4].eq_ignore_ascii_case(b"PIN:") && v + 4 < end {
                    out.push(at(v + 4..end));
                }
                for p in memchr::memmem::find_iter(&line[..end], b"pin-value=") {
                    let from = p + "pin-value=".len();
                    let to =
                        line[from..end].iter().position(|&b| matches!(b, b';' | b'&' | b'?')).map_or(end, |q| from + q);
                    if from < to {
                        out.push(at(from..to));
                    }
                }
            }
            None if !comment && line[lead..end].first() != Some(&b'[') => {
                match memchr::memchr(b':', &line[lead..end]) {
                    Some(c) if lead + c + 1 < end => out.push(at(lead + c + 1..end)),
                    Some(_) => {}
                    None => {
                        if let Some(r) = ini_line_secret(line, None) {
                            out.push(at(r));
                        }
                    }
                }
            }
            None => {
                if let Some(r) = ini_line_secret(line, None) {
                    out.push(at(r));
                }
            }
        }
        offset += line.len();
    }
    out
}

/// Ranges sorted, overlapping and touching ones merged, empty ones dropped.
pub fn merge_ranges(ranges: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut sorted: Vec<Range<usize>> = ranges.iter().filter(|r| r.start < r.end).cloned().collect();
    sorted.sort_by_key(|r| r.start);
    let mut out: Vec<Range<usize>> = Vec::with_capacity(sorted.len());
    for r in sorted {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// `text` with the given byte ranges replaced by [`MASK`] (in any order, may overlap).
pub fn mask_ranges(text: &str, ranges: &[Range<usize>]) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(text.len());
    let mut at = 0;
    for r in merge_ranges(ranges).into_iter().filter(|r| r.end <= bytes.len()) {
        out.extend_from_slice(&bytes[at..r.start]);
        out.extend_from_slice(MASK.as_bytes());
        at = r.end;
    }
    out.extend_from_slice(&bytes[at..]);
    String::from_utf8_lossy(&out).into_owned()
}

/// A save path as text for output: its credentials masked by position
/// ([`save_path_password_ranges`]).
pub fn mask_save_path(value: &str) -> String {
    mask_ranges(value, &save_path_password_ranges(value))
}

/// Byte ranges of `value` (an evaluated save path) that are passwords, ascending and
/// disjoint: [`save_path_secret_ranges`] and a piece's user-info password cut before its `@`
/// ([`userinfo_cut_at`]). The one definition output masks by ([`mask_save_path`]) and the
/// endpoint splitter reads (a word that starts inside one is never a host).
pub fn save_path_password_ranges(value: &str) -> Vec<Range<usize>> {
    let mut ranges = save_path_secret_ranges(value.as_bytes());
    let mut at = 0;
    for piece in value.split(|c: char| c.is_ascii_whitespace() || c == ',') {
        if let Some(from) = userinfo_cut_at(piece) {
            ranges.push(at + from..at + piece.len());
        }
        at += piece.len() + 1;
    }
    merge_ranges(&ranges)
}

/// Where the text after `scheme://user:` starts in `piece` when the piece holds no `@`,
/// `/` or `?` after its `://` and that text is no port (not all digits): the user-info
/// password cut before its `@` (erring on masking more: a port misspelled is masked too).
pub fn userinfo_cut_at(piece: &str) -> Option<usize> {
    let authority = piece.find("://")? + 3;
    let rest = &piece[authority..];
    // `[::1]:6390`: an IPv6 literal's colons are no user-info.
    if rest.contains(['@', '/', '?']) || rest.starts_with('[') {
        return None;
    }
    let colon = rest.find(':')?;
    let after = &rest[colon + 1..];
    (!after.is_empty() && !after.bytes().all(|b| b.is_ascii_digit())).then_some(authority + colon + 1)
}

/// Whether a save-path piece (phpredis's split at blanks and commas) ends with a query key
/// that names a credential, as [`save_path_secret_ranges`] judges key names, and nothing
/// after it but its `=` (`tcp://h?auth=`, `tcp://h?auth`): its password was split off, and
/// the pieces after it that are no address are that password (`auth= pw`, `auth =pw`,
/// `auth=,pw`), whatever phpredis makes of them.
pub fn piece_ends_in_credential_key(piece: &str) -> bool {
    let raw = piece.strip_suffix('=').unwrap_or(piece).as_bytes();
    let Some(q) = raw.iter().rposition(|&b| matches!(b, b'?' | b'&')) else {
        return false;
    };
    let i = q + 1;
    i < raw.len() && !raw[i..].contains(&b'=') && LongKey::default().names_a_secret(raw, i, raw.len())
}

fn percent_decode(s: &[u8]) -> Vec<u8> {
    let mut out = vec![0; s.len()];
    let n = percent_decode_into(s, &mut out);
    out.truncate(n);
    out
}

/// `s` percent-decoded (`%xx`, `+` as a blank) into `out`, which holds at least `s.len()`
/// bytes (each decoded byte takes one raw byte or more): how many bytes it wrote.
fn percent_decode_into(s: &[u8], out: &mut [u8]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < s.len() {
        let b = match s[i] {
            b'%' if i + 2 < s.len() => {
                match std::str::from_utf8(&s[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        i += 2;
                        v
                    }
                    None => b'%',
                }
            }
            b'+' => b' ',
            c => c,
        };
        out[n] = b;
        n += 1;
        i += 1;
    }
    n
}

#[cfg(any(test, fuzzing))]
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_glued_to_its_value_by_a_quote_keeps_its_name_and_masks_the_value() {
        // redis-server 7.0.15 refuses each ("Unbalanced quotes"); spaced, each value is masked.
        for (line, from) in [
            (&b"requirepass\"QzA1"[..], 12),
            (b"mod.auth-token\"QzA2", 15),
            (b"pasword\"QzA3", 8),
            (b"pasword'QzA4", 8),
        ] {
            assert_eq!(redis_refused_line_secret(line), Some(from), "{}", String::from_utf8_lossy(line));
            let mut spaced = line.to_vec();
            spaced[from - 1] = b' ';
            assert_eq!(
                line_by_line_reference::redis_broken_line_secret(&spaced),
                Some(from),
                "{}",
                String::from_utf8_lossy(line)
            );
            assert_eq!(redis_broken_line_secret(&spaced), Some(from));
        }
        // A name that masks nothing keeps its quoted word.
        assert_eq!(redis_refused_line_secret(b"loglevel\"notice"), None);
    }

    /// [`glued_to_masked_name`] as it was first written: every start tried against every
    /// masked name of the directive table.
    fn plain_glued_to_masked_name(word: &[u8], letter_glue: bool) -> Option<usize> {
        use crate::syntax::redis_conf::directives;
        let starts = (0..word.len())
            .filter(|&i| i == 0 || !word[i - 1].is_ascii_alphanumeric() && word[i].is_ascii_alphabetic());
        starts
            .filter_map(|i| {
                let rest = &word[i..];
                let name = directives::DIRECTIVES
                    .iter()
                    .filter(|d| d.sensitive)
                    .flat_map(|d| std::iter::once(d.name).chain(d.alias))
                    .map(str::as_bytes)
                    .filter(|n| rest.len() > n.len() && rest[..n.len()].eq_ignore_ascii_case(n))
                    .map(<[u8]>::len)
                    .max()?;
                if !letter_glue && rest[name].is_ascii_alphanumeric() {
                    return None;
                }
                let value = i + name + rest[name..].iter().take_while(|b| b.is_ascii_punctuation()).count();
                (value < word.len()).then_some(value)
            })
            .next()
    }

    #[test]
    fn secret_words_are_found_as_by_a_search_for_each() {
        let pieces: [&[u8]; 16] = [
            b"pa", b"ss", b"PASS", b"pw", b"d", b"secr", b"eT", b"au", b"th", b"k", b"ey", b"tok", b"en", b"cred",
            b"x", b"\xc3",
        ];
        let mut found = 0;
        for word in crate::test_input::joined_pieces(0x5ec, 20_000, (1, 8), &pieces) {
            let want = [&b"pass"[..], b"pwd", b"secret", b"auth", b"key", b"token", b"cred"]
                .iter()
                .any(|w| word.windows(w.len()).any(|x| x.eq_ignore_ascii_case(w)));
            found += usize::from(want);
            assert_eq!(has_a_secret_word_any_case(&word), want, "{:?}", String::from_utf8_lossy(&word));
        }
        assert!(found > 2000, "only {found} words with a secret word");
    }

    #[test]
    fn glued_names_are_found_as_by_the_whole_table() {
        let (_, names) = masked_names();
        assert!(names.len() >= 4 && names.iter().all(|n| n.first().is_some_and(u8::is_ascii_alphabetic)));
        let pieces: [&[u8]; 20] = [
            b"requirepass",
            b"REQUIREPASS",
            b"masterauth",
            b"primaryauth",
            b"tls-key-file-pass",
            b"tls-client-key-file-pass",
            b"requirepas",
            b"pass",
            b"=",
            b"-",
            b":",
            b"\x01",
            b"\0",
            b"\xc3",
            b"x",
            b"9",
            b"pw",
            b"\"",
            b"_",
            b".",
        ];
        let mut found = 0;
        for word in crate::test_input::joined_pieces(0x91ed, 20_000, (1, 8), &pieces) {
            for glue in [false, true] {
                let want = plain_glued_to_masked_name(&word, glue);
                found += usize::from(want.is_some());
                assert_eq!(glued_to_masked_name(&word, glue), want, "{:?}", String::from_utf8_lossy(&word));
            }
        }
        assert!(found > 2000, "only {found} words with a glued name");
    }

    fn masked(raw: &str) -> String {
        mask_save_path(raw)
    }

    /// The glue search resumes where the last word's ended: a line of `\r`-separated words
    /// of UTF-8 (each word searched for glue) reads each byte a bounded number of times
    /// (it read the 1,024 bytes after every word), and a password glued to its name by a
    /// no-break space after them is still found.
    #[test]
    fn the_glue_search_of_a_line_of_utf8_words_is_linear() {
        for n in [1_000, 4_000, 16_000] {
            let mut line = "\u{e9}\r".repeat(n).into_bytes();
            let at = line.len();
            line.extend_from_slice("requirepass\u{a0}GluedPw".as_bytes());
            GLUE_READ.with(|r| r.set(0));
            let from = redis_read_line_secret(&line, &[]);
            let read = GLUE_READ.with(|r| r.get());
            assert_eq!(from, Some(at + "requirepass\u{a0}".len()), "{n}");
            assert!(read <= 8 * line.len(), "{n} words: {read} bytes read for {}", line.len());
        }
    }

    /// Words glued by `\x0b` and cut by `\x0c` or `\r` (which end words for `words` but are
    /// no blank for the glue window): every word asks the glue search again, each from a
    /// glue in the word itself, so the bytes read stay linear in the line.
    #[test]
    fn the_glue_search_of_form_feed_separated_words_is_linear() {
        for piece in [&b"a\x0bb\x0c"[..], "\u{e9}\x0b\r".as_bytes()] {
            for n in [1_000, 4_000] {
                let line = piece.repeat(n);
                GLUE_READ.with(|r| r.set(0));
                redis_read_line_secret(&line, &[]);
                let read = GLUE_READ.with(|r| r.get());
                assert!(read <= 16 * line.len(), "{n} words: {read} bytes read for {}", line.len());
            }
        }
    }

    /// [`GlueSearch::judge`] at each word start of a line answers as
    /// [`redis_glued_name_secret`] of the rest of the line where the line from there is not
    /// judged a secret already (`redis_read_line_secret` asks the glue only then).
    #[test]
    fn the_resumed_glue_search_answers_as_a_search_from_each_word() {
        let pieces: [&[u8]; 14] = [
            b" ",
            b"\t",
            b"\r",
            b"\x0b",
            b"\x0c",
            "\u{a0}".as_bytes(),
            "\u{2003}".as_bytes(),
            b"\xe9",
            "\u{e9}".as_bytes(),
            b"requirepass",
            b"user",
            b"pw",
            b"sentinel",
            b"auth-pass",
        ];
        for line in crate::test_input::joined_pieces(31, 4000, (4, 24), &pieces) {
            let mut glue = GlueSearch::new(&line);
            for w in words(&line) {
                if redis_broken_line_secret(&line[w.start..]).is_some() {
                    continue;
                }
                let want = redis_glued_name_secret(&line[w.start..]);
                assert_eq!(glue.judge(w.start), want, "{:?} at {}", String::from_utf8_lossy(&line), w.start);
            }
        }
    }

    /// A value quoted across lines (PHP keeps the line breaks) is the password on every line
    /// up to the next `&`, as on one line; the closing quote and the line end are not.
    #[test]
    fn a_save_path_password_runs_across_line_breaks() {
        let raw = b"\"tcp://h:6379?timeout=1&auth=first\nsecond\nthird\"\n";
        let got: Vec<&[u8]> = save_path_secret_ranges(raw).into_iter().map(|r| &raw[r]).collect();
        assert_eq!(got, [&b"first\nsecond\nthird"[..]]);
        let raw = b"tcp://h?auth=a\nb&timeout=1";
        let got: Vec<&[u8]> = save_path_secret_ranges(raw).into_iter().map(|r| &raw[r]).collect();
        assert_eq!(got, [&b"a\nb"[..]]);
        assert_eq!(save_path_secret_ranges(raw), plain::save_path_secret_ranges(raw));
        // A user-info password quoted across lines runs to its `@`.
        let raw = b"\"tcp://usr:first\nsecond@h:6379?timeout=1\"";
        let got: Vec<&[u8]> = save_path_secret_ranges(raw).into_iter().map(|r| &raw[r]).collect();
        assert_eq!(got, [&b"first\nsecond"[..]]);
        assert_eq!(save_path_secret_ranges(raw), plain::save_path_secret_ranges(raw));
    }

    /// A psk runs to its line's end: peervpn cuts it at `#` or `;` silently, its writer's
    /// key goes on. Lines peervpn refuses or skips hold one too.
    #[test]
    fn a_peervpn_psk_is_its_value_to_the_line_end() {
        let text = b"networkname s\n  PSK  not a secret word ; comment\npskx no\npsk x#y\npsk a;b\r\n\
                     psk=eq\n# psk commented\n;psk:colon\npsk\tnul\0after\npsk\nendconfig\n";
        let got: Vec<&[u8]> = peervpn_secret_ranges(text).into_iter().map(|r| &text[r]).collect();
        let want: [&[u8]; 7] =
            [b"not a secret word ; comment", b"x#y", b"a;b", b"eq", b"commented", b"colon", b"nul\0after"];
        assert_eq!(got, want);
    }

    /// A comment after an ini statement is a line commented out: its key is judged by the
    /// key test, never read as a query key (`monkey` holds `key`, a query key's word), while
    /// the keys of its value are, as on the same comment alone on its line; a credential's
    /// value started before a `;` runs on into it.
    #[test]
    fn a_trailing_comments_key_is_no_query_key() {
        let cases: [(&[u8], &[&[u8]]); 6] = [
            (b"x = 1 ; monkey = banana", &[]),
            (b"x = 1 ; a = 2 ; monkey = banana", &[]),
            (b"; a = 1 ; monkey = banana", &[]),
            (b"x = 1 ; dsn = host=h password = pw1", &[b"pw1"]),
            (b"session.save_path = tcp://h?auth=a;b", &[b"a;b"]),
            (b"session.save_path = \"tcp://h\" ; x = tcp://u:pw2@h", &[b"pw2"]),
        ];
        for (line, want) in cases {
            let eq = memchr::memchr(b'=', line);
            let from = if find(line, b"save_path").is_some() { 0 } else { eq.map_or(0, |e| e + 1) };
            let got: Vec<&[u8]> = ini_line_credentials(line, from, eq).into_iter().map(|r| &line[r]).collect();
            assert_eq!(got, want, "{}", String::from_utf8_lossy(line));
        }
        // The comment's key is still judged as a key: `password` is one.
        let line = b"x = 1 ; password = pw3";
        let mut found = Vec::new();
        ini_trailing_comment_secrets(line, 2, |r| found.push(r));
        assert_eq!(found.into_iter().map(|r| &line[r]).collect::<Vec<_>>(), [&b"pw3"[..]]);
    }

    /// stunnel's secrets stand in options named for one, an engine's PIN, a PKCS#11 URI's
    /// `pin-value` and a PSK file's `IDENTITY:KEY` line (stunnel refuses it); an address's
    /// `:` is no key's.
    #[test]
    fn stunnel_secrets_stand_where_its_options_and_psk_lines_put_them() {
        let text = b"[redis]\naccept = 0.0.0.0:6380\nconnect = 127.0.0.1:6379\nticketKeySecret = 6c:6f\n\
                     ticketMacSecret=ab:cd\nPSKsecrets = /etc/stunnel/psk.txt\nkey = pkcs11:object=k;pin-value=1234;x=y\n\
                     engineCtrl = PIN:123456\nengineCtrl = MODULE_PATH:opensc-pkcs11.so\nclient1:PskLine0123456789\r\n\
                     ; ticketKeySecret = old\n; see host:port\nkey /etc/x.pem\n";
        let got: Vec<&[u8]> = stunnel_secret_ranges(text).into_iter().map(|r| &text[r]).collect();
        let want: [&[u8]; 9] = [
            b"6c:6f",
            b"ab:cd",
            b"/etc/stunnel/psk.txt",
            b"pkcs11:object=k;pin-value=1234;x=y",
            b"1234",
            b"123456",
            b"PskLine0123456789",
            b"old",
            b"/etc/x.pem",
        ];
        assert_eq!(got, want);
    }

    /// `pw` as a word of its own ending a name is a credential, as the `_pw` suffix is: a
    /// pool's `env[PW]`, an ini `PW`, redis.conf's unknown `masterpw` (redis-server refuses it).
    #[test]
    fn pw_as_a_word_of_its_own_names_a_credential() {
        for key in ["env[PW]", "PW", "pw", "ldap.pw", "env[DB_PW]", "mysqli.default_pw", "env[DBPW]"] {
            assert!(ini_key_is_secret(key), "{key}");
            assert_eq!(plain::ini_key(key), ini_key_is_secret(key), "{key}");
        }
        for key in ["env[PWD_DIR]", "pwmode", "env[UPWARD]"] {
            assert_eq!(plain::ini_key(key), ini_key_is_secret(key), "{key}");
        }
        assert!(!ini_key_is_secret("pwmode") && !ini_key_is_secret("xdebug.upw"));
        for name in ["masterpw", "pw", "admin-pw"] {
            assert!(redis_name_holds_a_secret(name) && plain::redis_unknown(name), "{name}");
        }
        assert!(!redis_name_holds_a_secret("pwmode") && !plain::redis_unknown("pwmode"));
    }

    /// A query key that names a credential with a blank, tab, comma, `:`, `+` or `%3D` where
    /// its `=` belongs, or `auth=&` before a part with no `=`: the word after it is the
    /// password (phpredis tries it as another host, or reads it into a parameter's name).
    #[test]
    fn the_word_after_an_auth_without_its_equals_sign_is_the_password() {
        for (sp, want) in [
            ("tcp://h:6379?timeout=2&auth ZQ13", "tcp://h:6379?timeout=2&auth ********"),
            ("tcp://h?auth\tZQ18", "tcp://h?auth\t********"),
            ("tcp://h?auth  ZQ23", "tcp://h?auth  ********"),
            ("tcp://h?auth ZQ24&timeout=2", "tcp://h?auth ********&timeout=2"),
            ("tcp://h?timeout=2&auth,ZQ19", "tcp://h?timeout=2&auth,********"),
            ("tcp://h?auth, ZQ19", "tcp://h?auth, ********"),
            ("tcp://h?auth%3DZQ08", "tcp://h?auth%3D********"),
            ("tcp://h?AUTH%3dZQ08", "tcp://h?AUTH%3d********"),
            ("tcp://h?auth:ZQ20", "tcp://h?auth:********"),
            ("tcp://h?auth+ZQ25", "tcp://h?auth+********"),
            ("tcp://h?auth=&ZQ26", "tcp://h?auth=&********"),
            ("\"tcp://h?auth ZQ27\"", "\"tcp://h?auth ********\""),
            ("tcp://h?password ZQ28", "tcp://h?password ********"),
            // A part with its own `=` after an empty `auth=` is a parameter.
            ("tcp://h?auth=&timeout=2", "tcp://h?auth=&timeout=2"),
            // Not in a query, or no credential's name: words.
            ("tcp://h auth ZQ", "tcp://h auth ZQ"),
            ("tcp://h?persistent 1", "tcp://h?persistent 1"),
            ("tcp://h?auth", "tcp://h?auth"),
            ("tcp://h?au%74h ZQ", "tcp://h?au%74h ********"),
        ] {
            assert_eq!(masked(sp), want, "{sp}");
            assert_eq!(save_path_secret_ranges(sp.as_bytes()), plain::save_path_secret_ranges(sp.as_bytes()), "{sp}");
        }
    }

    #[test]
    fn no_fragment_of_a_save_path_password_survives() {
        assert_eq!(masked("tcp://h:6379?auth=s3cret&database=2"), "tcp://h:6379?auth=********&database=2");
        assert_eq!(masked("tcp://h?auth=ab,cd&database=1"), "tcp://h?auth=********&database=1");
        assert_eq!(masked("tcp://h?auth=a+b%2Cc"), "tcp://h?auth=********");
        assert_eq!(masked("tcp://h?%61uth=pw&x=1"), "tcp://h?%61uth=********&x=1");
        assert_eq!(masked("tcp://h?auth%5B%5D=u&auth[]=pw"), "tcp://h?auth%5B%5D=********&auth[]=********");
        assert_eq!(masked("tcp://:pw@h:6379"), "tcp://:********@h:6379");
        assert_eq!(masked("tcp://user:pw@h:6379?auth=x"), "tcp://user:********@h:6379?auth=********");
        assert_eq!(masked("\"tcp://h?auth=\"pw\"\""), "\"tcp://h?auth=********\"");
        assert_eq!(masked("tcp://h?auth=${PW}"), "tcp://h?auth=********");
        assert_eq!(masked("tcp://h?auth=pw tcp://h2"), "tcp://h?auth=********");
        assert_eq!(
            masked("tcp://h?auht=pw&token=t&x-auth-key=k&weight=1"),
            "tcp://h?auht=********&token=********&x-auth-key=********&weight=1"
        );
        assert_eq!(masked("user:pw@127.0.0.1:6379"), "user:********@127.0.0.1:6379");
        assert_eq!(masked("//user:pw@h/db"), "//user:********@h/db");
        assert_eq!(masked("host=h password = pw dbname=x"), "host=h password = ********");
        // A `mailto:` address, and a word one typo from `auth` outside a query, hold none.
        assert_eq!(masked("mailto:ops@example.com"), "mailto:ops@example.com");
        assert_eq!(masked("auto=1 ruth=2"), "auto=1 ruth=2");
        assert_eq!(masked("tcp://h?auto=pw"), "tcp://h?auto=********");
        assert_eq!(masked("unix://user:pw@/run/redis.sock"), "unix://user:********@/run/redis.sock");
        // An ordinary word is never touched.
        assert_eq!(masked("tcp://port:6379?database=2"), "tcp://port:6379?database=2");
    }

    /// The letter gate lets through every ini line whose URL or DSN credentials
    /// [`save_path_secret_ranges`] finds (the scan's reference runs it on every line).
    #[test]
    fn the_ini_url_gate_passes_every_line_with_url_credentials() {
        let lines = [
            "x = h?auto=PW\n",
            "x = a&auht=PW\n",
            "x = \"host=h password = PW\"\n",
            "x = \"//u:PW@h/db\"\n",
            "x = \"b;Pwd=PW\"\n",
            "x = %70ass=PW\n",
            "x = u:PW@h\n",
            "env[U] = \"mysql://u:PW@h/db\"\n",
            "x = h?TOKEN=PW\n",
            "x = a&pasword=PW\n",
            "x = \"a;CRED=PW\"\n",
            // A query key with no `=` after it: the next word is the password all the same.
            "x = \"tcp://h?timeout=2&auth PW\"\n",
            "env[R] = tcp://h?auth\tPW\n",
            "x = h?password:PW\n",
            "x = h?key,PW\n",
            "x = h?auht+PW\n",
            "x = h?pasword%3DPW\n",
        ];
        let gate = |line: &[u8]| {
            memchr::memchr(b'@', line).is_some()
                || memchr::memchr(b'=', line).is_some_and(|e| ini_line_may_hold_query_credentials(line, e))
        };
        for line in lines {
            assert!(!save_path_secret_ranges(line.as_bytes()).is_empty(), "{line:?} holds none");
            assert!(gate(line.as_bytes()), "{line:?}");
        }
        // The gate may pass a line that holds none (it is a superset).
        for line in ["x = auto=1\n", "x = mailto:a@b\n"] {
            assert!(save_path_secret_ranges(line.as_bytes()).is_empty(), "{line:?}");
        }
        for line in [";extension=bz2\n", "x = 1\n", "; error_reporting=E_ALL\n"] {
            assert!(save_path_secret_ranges(line.as_bytes()).is_empty(), "{line:?}");
            assert!(!gate(line.as_bytes()), "{line:?}");
        }
    }

    /// A comment after a statement is judged as the commented-out line it is: what its
    /// secret key gives is masked, the statement's value (PHP's, quotes understood) is not.
    #[test]
    fn a_trailing_comment_is_judged_as_a_comment_line() {
        let cases: &[(&str, &[&str])] = &[
            ("x = 1 ; password = PW\n", &["PW"]),
            ("y = \"a\" ; password = PW\n", &["PW"]),
            ("z = \"a;b\" ; password = PW\n", &["PW"]),
            ("q = 'a;b' ; password = PW\n", &["PW"]),
            ("e = \"a\\\";b\" ; password = PW\n", &["PW"]),
            ("w = 1 ;password=PW", &["PW"]),
            ("v = 1 # password = PW\n", &["PW"]),
            ("listen = /run/a.sock ; password = PW\r", &["PW"]),
            ("; a = 1 ; redis_password = PW\n", &["PW"]),
            ("x = 1 ; password PW\n", &["PW"]),
            // Inside quotes, or a `#` glued to the value: no comment.
            ("z = \"a ; password = PW\"\n", &[]),
            ("u = a#password = PW\n", &[]),
            ("z = \"a ; password = PW\n", &[]),
            ("x = 1 ; the port = 6379\n", &[]),
        ];
        for (line, want) in cases {
            let b = line.as_bytes();
            let eq = memchr::memchr(b'=', b).expect("a statement");
            let mut got = Vec::new();
            ini_trailing_comment_secrets(b, eq, |r| got.push(&line[r]));
            assert_eq!(&got, want, "{line:?}");
        }
    }

    #[test]
    fn broken_lines_mask_by_name() {
        assert_eq!(redis_broken_line_secret(b"requirepass \"Zq8v"), Some(12));
        assert_eq!(redis_broken_line_secret(b"user alice on \">pw"), Some(11));
        assert_eq!(redis_broken_line_secret(b"sentinel auth-pass m \"x"), Some(21));
        assert_eq!(redis_broken_line_secret(b"bind \"x"), None);
        // `rename-command`'s new name (a disabled command's `""` hides nothing).
        assert_eq!(redis_broken_line_secret(b"rename-command CONFIG b840fc02"), Some(22));
        assert_eq!(redis_broken_line_secret(b"RENAME-COMMAND config \"x"), Some(22));
        assert_eq!(redis_broken_line_secret(b"rename-command CONFIG \"\""), None);
        assert_eq!(redis_broken_line_secret(b"rename-command CONFIG ''  "), None);
        assert_eq!(redis_broken_line_secret(b"rename-command CONFIG"), None);
        assert_eq!(redis_secret_args("rename-command", &[b"CONFIG", b"x"]), vec![(1, 0..1)]);
        assert_eq!(redis_secret_args("rename-command", &[b"CONFIG", b""]), vec![]);
        assert_eq!(redis_secret_args("rename-comand", &[b"CONFIG", b"x"]), vec![(1, 0..1)]);
        for line in [&b"rename-command CONFIG x"[..], b"rename-command CONFIG \"\"", b"Rename-Command a"] {
            assert_eq!(redis_broken_line_secret(line), line_by_line_reference::redis_broken_line_secret(line));
        }
        // A `user` line redis-server refuses with words after its password: they are its
        // rest; not on a line it reads, nor with the password last.
        let refused = |args: &[&[u8]]| refused_user_password_from("user", args);
        assert_eq!(refused(&[b"u", b"on", b">a", b"Qz"]), Some(2));
        assert_eq!(refused(&[b"u", b"on", b"#0123", b"Qz"]), Some(2));
        assert_eq!(refused(&[b"u", b"on", b">a", b"~*", b"+@all"]), None);
        assert_eq!(refused(&[b"u", b"on", b">a", b"allkeys"]), None);
        assert_eq!(refused(&[b"u", b"on", b"~*", b"bad"]), None);
        assert_eq!(refused(&[b"u", b"bad", b">a"]), None);
        assert_eq!(refused_user_password_from("bind", &[b"u", b">a", b"Qz"]), None);
        // A commented-out name glued to its value; prose that only names one is no value.
        assert_eq!(redis_comment_glued_secret(b"requirepass=pw"), Some(12));
        assert_eq!(redis_comment_glued_secret(b"masterauth\x01pw x"), Some(10));
        assert_eq!(redis_comment_glued_secret(b"requirepassPW"), Some(11));
        assert_eq!(redis_comment_glued_secret(b"requirepassword is set"), None);
        assert_eq!(redis_comment_glued_secret(b"\"requirepass\" is ignored"), None);
        assert_eq!(redis_comment_glued_secret(b"requirepass foobared"), None);
        // A sentinel option glued to its password by any byte (by a letter: as the last word).
        assert_eq!(redis_broken_line_secret(b"sentinel auth-pass=pw"), Some(19));
        assert_eq!(redis_broken_line_secret(b"SENTINEL AUTH-PASS\x00pw \""), Some(18));
        assert_eq!(redis_broken_line_secret(b"sentinel sentinel-pass-pw"), Some(23));
        assert_eq!(redis_broken_line_secret(b"sentinel auth-passPW"), Some(18));
        assert_eq!(redis_broken_line_secret(b"sentinel auth-pass \"pw"), Some(19));
        assert_eq!(redis_broken_line_secret(b"sentinel auth-pass m \"pw"), Some(21));
        assert_eq!(redis_broken_line_secret(b"sentinel monitor m \"x"), None);
        assert_eq!(redis_secret_args("sentinel", &[b"auth-pass=m", b"pw"]), vec![(0, 10..11), (1, 0..2)]);
        assert_eq!(redis_secret_args("sentinel", &[b"auth-password", b"pw"]), vec![(1, 0..2)]);
        assert_eq!(redis_secret_args("sentinel", &[b"auth-pass", b"m", b"pw"]), vec![(2, 0..2)]);
        assert_eq!(redis_secret_args("sentinel", &[b"auth-pass"]), vec![]);
        assert_eq!(redis_secret_args("sentinel", &[b"auth-user=u"]), vec![]);
        for line in [&b"sentinel auth-pass=pw"[..], b"sentinel auth-pass \"pw", b"sentinel monitor m \"x"] {
            assert_eq!(redis_broken_line_secret(line), line_by_line_reference::redis_broken_line_secret(line));
        }
        // A name redis-server lacks: from its first ACL-like word's secret (quote allowed).
        assert_eq!(redis_broken_line_acl_like(b"users bob on >LeakA1 \""), Some(14));
        assert_eq!(redis_broken_line_acl_like(b"usr bob on #h \""), Some(12));
        assert_eq!(redis_broken_line_acl_like(b"xyz \">pw"), Some(6));
        assert_eq!(redis_broken_line_acl_like(b"mymod.rules <pw \""), Some(13));
        // A known directive's words, and a lone `>`, are not ACL rules.
        assert_eq!(redis_broken_line_acl_like(b"bind >x \""), None);
        assert_eq!(redis_broken_line_acl_like(b"xyz > \""), None);
        for line in [&b"users bob on >LeakA1 \""[..], b"usr bob on #h \"", b"xyz \">pw", b"bind >x \"", b"xyz > \""] {
            assert_eq!(redis_broken_line_acl_like(line), line_by_line_reference::redis_broken_line_acl_like(line));
        }
        // A module's config named for a credential, broken or not (valkey-ldap).
        assert_eq!(redis_broken_line_secret(b"ldap.search_bind_passwd \"x"), Some(24));
        assert_eq!(redis_secret_args("mymod.auth-token", &[b"t"]), vec![(0, 0..1)]);
        assert_eq!(redis_secret_args("mymod.acl", &[b">pw", b"x"]), vec![(0, 1..3)]);
        assert!(redis_secret_args("tokenizer.max", &[b"5"]).is_empty());
        let line = b"    'password' => 'unterminated";
        assert_eq!(&line[raw_line_secret(line, true).unwrap()], b"'unterminated");
        let line = b"mysqli.default_pw = \"abc";
        assert_eq!(&line[raw_line_secret(line, false).unwrap()], b"\"abc");
        assert_eq!(raw_line_secret(b"port = 6379", false), None);
    }
}

/// The allocation-free name tests and the did-you-mean shortcut against the plain
/// definitions they replace, over every word of the fixtures and typos of the names that
/// matter.
#[cfg(test)]
mod same_as_plain_definitions {
    use super::*;

    use super::plain::{
        ini_key as plain_ini, password as plain_password, unknown as plain_unknown,
        unknown_redis as plain_unknown_redis,
    };

    fn words_to_try() -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut stack = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures"))];
        while let Some(p) = stack.pop() {
            let Ok(m) = std::fs::symlink_metadata(&p) else { continue };
            if m.is_dir() {
                stack.extend(std::fs::read_dir(&p).into_iter().flatten().flatten().map(|e| e.path()));
            } else if m.is_file() && m.len() < 1 << 20 {
                let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap_or_default()).into_owned();
                out.extend(text.split(|c: char| c.is_whitespace() || "=;#'\"".contains(c)).map(str::to_owned));
            }
        }
        let names = ["password", "requirepass", "masterauth", "masteruser", "user", "tls-key-file-pass", "auth"];
        for n in names {
            for i in 0..n.len() {
                out.push(format!("{}{}", &n[..i], &n[i + 1..]));
                out.push(format!("{}x{}", &n[..i], &n[i..]));
                out.push(format!("{}Q{}", &n[..i], &n[i + 1..]));
                out.push(format!("{}é{}", &n[..i], &n[i + 1..]));
            }
            out.push(n.to_uppercase());
        }
        out.extend(["", "PaSsWoRd", "pássword", "passwörd", "pw]", "ENV[API_PW]", "Ümlaut_pw"].map(str::to_owned));
        let keys = [
            "apikey",
            "ApiKey",
            "ACCESSKEYS",
            "s3accesskey",
            "x.signing_KEY",
            "monkey",
            "env[MONKEY]",
            "hotkey",
            "Valkey",
            "turnkey",
            "hockey",
            "keyspace",
            "keyfile",
            "keys",
            "preload_keys",
            "xdebug.idekey",
            "highlight.keyword",
            "apitoken",
            "x_api-Tokens",
            "bearerToken",
            "sacred",
            "énckey",
            "api\u{a0}key",
            "env[SMTP_PSWD]",
            "env[SALT]",
            "AUTH_SALT",
            "crypt.salts",
            "SALT_MASTER",
            "basalt",
            "env[VPN_PSK]",
            "psk",
            "UPSKILL",
            "PEPPER",
            "pepperoni",
            "privkey",
            "ssh_privkeys",
        ];
        out.extend(keys.map(str::to_owned));
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn name_tests_agree() {
        let words = words_to_try();
        assert!(words.len() > 1000, "the fixtures gave only {} words", words.len());
        for w in &words {
            let lower = w.to_ascii_lowercase();
            assert_eq!(name_looks_like_a_password(&lower), plain_password(&lower), "{w:?}");
            assert_eq!(unknown_name_holds_a_secret(&lower), plain_unknown(&lower), "{w:?}");
            assert_eq!(redis_name_holds_a_secret(&lower), super::plain::redis_unknown(&lower), "{w:?}");
            assert_eq!(ini_key_is_secret(w), plain_ini(w), "{w:?}");
            assert_eq!(envphp_key_is_secret(w), super::plain::setting(&w.trim().to_ascii_lowercase()), "{w:?}");
        }
    }

    /// The letter test never turns away a key the full test accepts: on every word here
    /// and on every typo of `password` two edits away.
    #[test]
    fn the_letter_test_turns_away_no_secret_key() {
        let mut keys = words_to_try();
        let pw = "password";
        let alphabet = ['x', 'Q', 'é', '_', 'p'];
        let mut one: Vec<String> = Vec::new();
        for i in 0..=pw.len() {
            for c in alphabet {
                one.push(format!("{}{c}{}", &pw[..i], &pw[i..]));
                if i < pw.len() {
                    one.push(format!("{}{c}{}", &pw[..i], &pw[i + 1..]));
                }
            }
            if i < pw.len() {
                one.push(format!("{}{}", &pw[..i], &pw[i + 1..]));
            }
        }
        for w in one.clone() {
            for i in 0..w.len() {
                if w.is_char_boundary(i) && w.is_char_boundary(i + 1) {
                    keys.push(format!("{}{}", &w[..i], &w[i + 1..]));
                    keys.push(format!("{}Z{}", &w[..i], &w[i + 1..]));
                }
            }
        }
        keys.extend(one);
        let mut secret = 0;
        for k in &keys {
            for raw in [k.clone(), format!("  '{k}' "), format!("[{k}]")] {
                let full = raw_key_is_secret(raw.as_bytes(), false);
                secret += usize::from(full);
                assert!(may_name_a_secret(raw.as_bytes()) || !full, "{raw:?}");
            }
        }
        assert!(secret > 500, "only {secret} secret keys: the test proves little");
    }

    /// The letter test of redis.conf names never turns away one that is not plain: on every
    /// word here and on typos one and two edits away of each masked name, `user` and
    /// `sentinel`.
    #[test]
    fn the_redis_letter_test_turns_away_no_secret_name() {
        use crate::syntax::redis_conf::directives;
        let mut names: Vec<String> = words_to_try();
        let masked = directives::DIRECTIVES.iter().filter(|d| d.sensitive).map(|d| d.name);
        for n in masked.chain(["user", "sentinel", "primaryauth", "auth", "pwd"]) {
            let mut one = vec![n.to_owned()];
            for i in 0..n.len() {
                one.push(format!("{}{}", &n[..i], &n[i + 1..]));
                one.push(format!("{}Q{}", &n[..i], &n[i + 1..]));
                one.push(format!("{}é{}", &n[..i], &n[i..]));
            }
            for w in one.clone() {
                for i in 0..w.len() {
                    if w.is_char_boundary(i) && w.is_char_boundary(i + 1) {
                        names.push(format!("{}{}", &w[..i], &w[i + 1..]));
                        names.push(format!("{}Z{}", &w[..i], &w[i + 1..]));
                    }
                }
            }
            names.extend(one);
        }
        let mut secret = 0;
        for n in &names {
            let class = redis_name_class(n.as_bytes());
            secret += usize::from(class != RedisName::Plain);
            assert!(may_be_a_redis_secret_name(n.as_bytes()) || class == RedisName::Plain, "{n:?}: {class:?}");
        }
        assert!(secret > 300, "only {secret} names that are not plain: the test proves little");
    }

    #[test]
    fn redis_lines_as_read_are_judged_at_every_word() {
        fn at<'a>(line: &'a str, joins: &[usize]) -> Option<&'a str> {
            redis_read_line_secret(line.as_bytes(), joins).map(|f| &line[f..])
        }
        assert_eq!(at("bind 0.0.0.0\rrequirepass pw\rport 6379", &[]), Some("pw\rport 6379"));
        assert_eq!(at("port 1requirepass pw", &[6]), Some("pw"));
        assert_eq!(at("masterauthpw", &[10]), Some("pw"));
        assert_eq!(at("user alice on >pw", &[13]), Some("on >pw"));
        assert_eq!(at("sentinel auth-pass m pw", &[18]), Some("pw"));
        assert_eq!(at("port 6379 save 900 1", &[9]), None);
        assert_eq!(redis_value_secret("bind", "0.0.0.0 requirepass pw port 1"), Some(20));
        assert_eq!(redis_value_secret("bind", "0.0.0.0 ::1"), None);
    }

    /// Lines redis-server 7.0.15 refuses (`Bad directive or wrong number of arguments`;
    /// `tests/redis_refused_lines.rs` checks that live) whose writer put a password after
    /// a masked name: after punctuation, at a later word, glued by `=`, `:`, `,`, `;`.
    #[test]
    fn redis_refused_lines_mask_what_follows_a_masked_name_at_any_word() {
        let at = |line: &'static str| redis_refused_line_secret(line.as_bytes()).map(|f| &line[f..]);
        for (line, secret) in [
            ("; requirepass P1", "P1"),
            ("-- requirepass P2", "P2"),
            (". requirepass P3", "P3"),
            ("* requirepass P4", "P4"),
            ("; masterauth P5 x", "P5 x"),
            ("; sentinel auth-pass m P6", "P6"),
            ("set requirepass P7", "P7"),
            ("config set requirepass P8", "P8"),
            ("requirepass=P9", "P9"),
            ("requirepass:P10", "P10"),
            ("requirepass,P11", "P11"),
            ("requirepass;P12", "P12"),
            ("masterauth=P13", "P13"),
            ("REQUIREPASS=P14", "P14"),
            ("--requirepass=P15", "P15"),
            ("requirepass= P16", "P16"),
            ("; user default on >P17", "on >P17"),
            ("config set masterauth=P18 x", "P18 x"),
            ("requirepass-P19", "P19"),
            ("requirepassP20", "P20"),
            ("masterauth\x01P21", "\x01P21"),
            ("config:requirepass=P22", "P22"),
            ("x=requirepass=P23 y", "P23 y"),
            ("; tls-key-file-pass-P24", "P24"),
        ] {
            assert_eq!(at(line), Some(secret), "{line:?}");
        }
        for line in [
            "; nothing here",
            "port=6379",
            "; bind 127.0.0.1",
            "x= y",
            "-- ;",
            "requirepass=",
            "requirepass-=",
            "xrequirepassP",
        ] {
            assert_eq!(at(line), None, "{line:?}");
        }
        assert!(redis_name_is_refused(";") && redis_name_is_refused("requirepass=p") && redis_name_is_refused("."));
        assert!(!redis_name_is_refused("requirepass") && !redis_name_is_refused("ldap.bind_pw"));
    }

    #[test]
    fn redis_unknown_names_agree() {
        use crate::syntax::redis_conf::directives;
        let args: [&[u8]; 3] = [b">pw", b"x", b"#h"];
        for w in words_to_try() {
            let lower = w.to_ascii_lowercase();
            if !matches!(directives::lookup(&lower), directives::Lookup::Unknown) || redis_name_holds_a_secret(&lower) {
                continue;
            }
            for a in [&args[..], &args[..1], &[b"x".as_slice()][..]] {
                assert_eq!(redis_secret_args(&lower, a), plain_unknown_redis(&lower, a), "{w:?} {a:?}");
            }
        }
    }
}

/// [`save_path_secret_ranges`] against the plain definition it replaces (a scan to the
/// line's end from every key start), on every line of the fixtures and generated lines,
/// and the scan's growth on lines of commas, `=` and `&`.
#[cfg(test)]
mod save_path_linear {
    use super::*;

    /// Every line of every fixture file under 1 MiB (also the env.php scan's test input).
    pub(super) fn fixture_lines() -> Vec<Vec<u8>> {
        let files = crate::test_input::fixture_files();
        files.iter().flat_map(|(_, bytes)| bytes.split_inclusive(|&b| b == b'\n').map(<[u8]>::to_vec)).collect()
    }

    /// Lines of pieces that matter to the scan, from a fixed-seed generator.
    fn generated_lines() -> Vec<Vec<u8>> {
        let pieces: [&[u8]; 38] = [
            b"%3D",
            b"&auth",
            b"?pass",
            b"//",
            b"mailto",
            b"auto",
            b" = ",
            b"  ",
            b",",
            b"=",
            b"&",
            b"?",
            b"\"",
            b"'",
            b" ",
            b"\t",
            b":",
            b"@",
            b"/",
            b"://",
            b"%",
            b"%61",
            b"%5B",
            b"%+4",
            b"+",
            b"auth",
            b"aut",
            b"auht",
            b"auth[",
            b"]",
            b"pass",
            b"password",
            b"pasword",
            b"x",
            b"tcp",
            b"h",
            b"\n",
            b"\xc3",
        ];
        let mut out = crate::test_input::joined_pieces(0x5eed, 40_000, (8, 60), &pieces);
        // Keys longer than the short-key bound, secret words early, late and absent.
        for fill in [b",".as_slice(), b"x,", b"'", b"\t", b"%2", b"a,b"] {
            for word in [b"".as_slice(), b"pass", b"auth", b"aut", b"auth[", b"%61uth"] {
                for n in [0, 5, 13, 14, 20, 41, 100] {
                    let mut line = b"tcp://h?".to_vec();
                    line.extend_from_slice(word);
                    line.extend(fill.repeat(n));
                    line.extend_from_slice(word);
                    line.extend_from_slice(b"=pw&x=1 user:pw@h");
                    out.push(line.clone());
                    out.push(line[8..].to_vec());
                }
            }
        }
        out
    }

    #[test]
    fn the_same_ranges_as_the_plain_scan() {
        let lines: Vec<Vec<u8>> = fixture_lines().into_iter().chain(generated_lines()).collect();
        assert!(lines.len() > 40_000, "only {} lines", lines.len());
        let mut nonempty = 0;
        for line in &lines {
            let want = plain::save_path_secret_ranges(line);
            nonempty += usize::from(!want.is_empty());
            assert_eq!(save_path_secret_ranges(line), want, "{:?}", String::from_utf8_lossy(line));
        }
        assert!(nonempty > 1000, "only {nonempty} lines hold a secret: the comparison proves little");
    }

    fn steps(line: &[u8]) -> usize {
        STEPS.with(|s| s.set(0));
        save_path_secret_ranges(line);
        STEPS.with(|s| s.get())
    }

    #[test]
    fn the_scan_grows_linearly() {
        let shapes: [(&[u8], &[u8], &[u8]); 14] = [
            (b"", b"password = ", b""),
            (b"", b"//u:p@", b""),
            (b"x", b" ", b"=1"),
            (b"<?php return [", b"1,", b"];\n"),
            (b"session.save_path = \"", b",", b"\"\n"),
            (b"", b"=", b""),
            (b"", b"&", b""),
            (b"?", b"auth=&", b""),
            (b"", b",x", b"=1"),
            (b"", b"x:=@", b""),
            (b"?", b"auth ", b""),
            (b"?", b"auth:&", b""),
            (b"?", b"auth%25&", b""),
            (b"?", b"auth=&x", b""),
        ];
        for (head, unit, tail) in shapes {
            let line = |n: usize| [head, &unit.repeat(n), tail].concat();
            let (small, big) = (steps(&line(4000)), steps(&line(8000)));
            assert!(small > 0, "{unit:?}: no steps counted");
            // Twice the input: about twice the steps, far from the four times of a square.
            assert!(big * 10 <= small * 25, "{unit:?}: {small} steps for 4000, {big} for 8000");
        }
    }
}

/// [`envphp_line_secrets`] against the plain definition it replaces (one scan per secret
/// key), on the fixtures' lines and generated ones, and its growth on nested keys.
#[cfg(test)]
mod envphp_line_linear {
    use super::*;

    /// A `=>` is PHP's arrow, not a key's `=`: `'password' => 'x', 'timeout' => '2'` masks
    /// the password's value only, not the `>` and the rest of the line as a libpq
    /// `password = x` would; a URL's credential after an earlier `=>` is still found.
    #[test]
    fn an_arrow_is_no_keys_equals_sign() {
        let shown = |line: &str| {
            let ranges: Vec<Range<usize>> =
                envphp_raw_secrets(line.as_bytes()).into_iter().map(|s| s.start..s.end).collect();
            mask_ranges(line, &ranges)
        };
        assert_eq!(
            shown("            'password' => 'LeakN8a', 'timeout' => '2.5',\n"),
            "            'password' => ********, 'timeout' => '2.5',\n"
        );
        assert_eq!(shown("'password'=>'LeakN8b',\n"), "'password'=>********,\n");
        assert_eq!(shown("'key' => 'LeakN8c', 'x' => '1'\n"), "'key' => ********, 'x' => '1'\n");
        assert_eq!(
            shown("'password' => 'LeakN8d', 'host' => 'tcp://h?auth=LeakN8e&timeout=1',\n"),
            "'password' => ********, 'host' => 'tcp://h?auth=********&timeout=1',\n"
        );
        assert_eq!(shown("'host' => '//u:LeakN8f@h/0',\n"), "'host' => '//u:********@h/0',\n");
    }

    fn lines() -> Vec<Vec<u8>> {
        let mut out = super::save_path_linear::fixture_lines();
        let pieces: [&[u8]; 22] = [
            b"'password' => ",
            b"'password'=>",
            b"password => ",
            b"'x' => ",
            b"=>",
            b"[",
            b"]",
            b"(",
            b")",
            b",",
            b";",
            b"'",
            b"\"",
            b"\\",
            b" ",
            b"\t",
            b"a",
            b"'pw'",
            b"\n",
            b"\r",
            b"'\\''",
            b"  ",
        ];
        out.extend(crate::test_input::joined_pieces(0xe7f, 40_000, (6, 40), &pieces));
        out
    }

    #[test]
    fn the_same_ranges_as_one_scan_per_key() {
        let mut nonempty = 0;
        for line in lines() {
            let want = plain::envphp_line_secrets(&line);
            nonempty += usize::from(want.len() > 1);
            assert_eq!(envphp_line_secrets(&line), want, "{:?}", String::from_utf8_lossy(&line));
        }
        assert!(nonempty > 1000, "only {nonempty} lines with two secrets: the comparison proves little");
    }

    #[test]
    fn the_value_scan_grows_linearly() {
        let shapes: [(&[u8], &[u8], &[u8]); 4] = [
            (b"<?php return [", b"'password' => [", b" \n"),
            (b"'password' => '", b"password => ", b"'];"),
            (b"", b"'password' => 'password' => ", b"   "),
            (b"", b"'password' => \"\\", b""),
        ];
        let steps = |line: &[u8]| {
            STEPS.with(|s| s.set(0));
            envphp_line_secrets(line);
            STEPS.with(|s| s.get())
        };
        for (head, unit, tail) in shapes {
            let line = |n: usize| [head, &unit.repeat(n), tail].concat();
            let (small, big) = (steps(&line(2000)), steps(&line(4000)));
            assert!(small > 0, "{unit:?}: no steps counted");
            assert!(big * 10 <= small * 25, "{unit:?}: {small} steps for 2000, {big} for 4000");
        }
    }
}

/// The line-by-line definitions the remembered verdicts replaced, kept verbatim as the
/// reference the model's secret passes are compared with (`model::build::secrets` tests).
#[cfg(any(test, fuzzing))]
pub(crate) mod line_by_line_reference {
    use super::{envphp_key_is_secret, find, ini_key_is_secret, redis_secret_args, words};
    use std::ops::Range;

    pub(crate) fn redis_broken_line_secret(line: &[u8]) -> Option<usize> {
        // Called on every comment line: the words are found as needed, the name copied only
        // when it has capitals.
        let first = &line[words(line).next()?];
        // Valid UTF-8 (nearly every line) is borrowed without the lossy decoder's pass.
        let name = match std::str::from_utf8(first) {
            Ok(n) => std::borrow::Cow::Borrowed(n),
            Err(_) => String::from_utf8_lossy(first),
        };
        let name = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            std::borrow::Cow::Owned(name.to_ascii_lowercase())
        } else {
            name
        };
        let sensitive_from = |n: usize| words(line).nth(n).map(|w| w.start);
        let from = match &*name {
            "user" => sensitive_from(2),
            "rename-command" => super::rename_line_secret(line),
            "sentinel" => super::sentinel_line_secret(line),
            _ if !redis_secret_args(&name, &[b"x"]).is_empty() => sensitive_from(1),
            _ => None,
        }?;
        Some(from)
    }

    /// [`super::redis_comment_line_secret`]: an unknown first word before more than two
    /// words counts only as a typo of a directive (the did-you-mean over the whole table).
    pub(crate) fn redis_comment_line_secret(line: &[u8]) -> Option<usize> {
        use crate::syntax::redis_conf::directives;
        let from = redis_broken_line_secret(line)?;
        let name = String::from_utf8_lossy(&line[words(line).next()?]).to_ascii_lowercase();
        let prose = words(line).count() > 3
            && matches!(directives::lookup(&name), directives::Lookup::Unknown)
            && super::plain::unknown_redis(&name, &[b"x"]).is_empty();
        (!prose).then_some(from)
    }

    pub(crate) fn redis_broken_line_acl_like(line: &[u8]) -> Option<usize> {
        let mut ws = words(line);
        let name = String::from_utf8_lossy(&line[ws.next()?]).to_ascii_lowercase();
        if crate::syntax::redis_conf::directives::known_name(&name).is_some() {
            return None;
        }
        ws.find_map(|w| {
            let mut word = &line[w.clone()];
            while let Some(rest) = word.strip_prefix(b"\"").or(word.strip_prefix(b"'")) {
                word = rest;
            }
            let at = w.end - word.len();
            (word.len() > 1 && matches!(word[0], b'>' | b'<' | b'#')).then_some(at + 1)
        })
    }

    pub(crate) fn redis_glued_name_secret(line: &[u8]) -> Option<usize> {
        let word = &line[..line.iter().position(|&b| b == b' ' || b == b'\t').unwrap_or(line.len())];
        let mut at = 0;
        for chunk in word.utf8_chunks() {
            let glue = chunk
                .valid()
                .char_indices()
                .find(|&(_, c)| c.is_whitespace() && !matches!(c, ' ' | '\t' | '\n' | '\r'));
            if let Some((i, c)) = glue {
                let mut spaced = line.to_vec();
                spaced[at + i..at + i + c.len_utf8()].fill(b' ');
                return redis_broken_line_secret(&spaced);
            }
            at += chunk.valid().len() + chunk.invalid().len();
        }
        None
    }

    /// The value a secret key gives on one ini (`envphp`: env.php) line, the ini key cut at
    /// `eq`: the parser's `=`, which need not be the first (`env["A=B_PASSWORD"] = pw`).
    pub(crate) fn raw_line_secret_eq(line: &[u8], envphp: bool, eq: Option<usize>) -> Option<Range<usize>> {
        let (key_end, value_start) = if envphp {
            let p = find(line, b"=>")?;
            (p, p + 2)
        } else {
            match eq {
                Some(p) => (p, p + 1),
                // No `=` (php-fpm refuses the line, `#secret value` included): the first word
                // names the value that follows it.
                None => {
                    let lead = line.iter().take_while(|&&b| matches!(b, b' ' | b'\t' | b';' | b'#')).count();
                    let word = line[lead..].iter().position(|b| b.is_ascii_whitespace()).map(|w| lead + w)?;
                    (word, word)
                }
            }
        };
        // Valid UTF-8 (nearly every line) is borrowed without the lossy decoder's pass.
        let key = match std::str::from_utf8(&line[..key_end]) {
            Ok(k) => std::borrow::Cow::Borrowed(k),
            Err(_) => String::from_utf8_lossy(&line[..key_end]),
        };
        let key = key.trim().trim_matches(['\'', '"', '[', ']', '(', ',']).trim();
        let key = if envphp { key.rsplit(['\'', '"', '[', '(', ',', ' ']).next().unwrap_or(key) } else { key };
        let secret = if envphp { envphp_key_is_secret(key) } else { ini_key_is_secret(key) };
        if !secret {
            return None;
        }
        let mut start = value_start;
        while start < line.len() && line[start].is_ascii_whitespace() {
            start += 1;
        }
        let mut end = line.len();
        while end > start && (line[end - 1].is_ascii_whitespace() || (envphp && line[end - 1] == b',')) {
            end -= 1;
        }
        (end > start).then_some(start..end)
    }
}
