//! Session endpoints: where each PHP setup without pools, each pool and each Magento install
//! sends its sessions, from its effective handler and save path.

use std::collections::BTreeSet;
use std::path::Path;

use crate::model::endpoint::{parse_save_path, EndpointOwner, SessionEndpoint};
use crate::model::{magento, EffectiveValue, Location, Model};
use crate::span::Span;

pub(super) fn build_endpoints(model: &mut Model) {
    let mut eps = Vec::new();
    let fpm_setups_with_pools: BTreeSet<usize> = model.pools.iter().filter_map(|p| p.setup).collect();
    for (i, s) in model.php.iter().enumerate() {
        // An FPM setup's pools say where its sessions go; one ini for every SAPI (RHEL's
        // /etc/php.ini) still serves the CLI and any other SAPI.
        let shared = s.sapi.is_none() && fpm_setups_with_pools.contains(&i);
        if fpm_setups_with_pools.contains(&i) && !shared {
            continue;
        }
        let label = if shared {
            // Not "cli": cgi and mod_php read it too; fpm's pools are endpoints of their own.
            format!("php, every SAPI but fpm ({})", crate::source::display_path(&s.dir))
        } else {
            match s.sapi {
                Some(_) => format!("php {}", s.label()),
                None => format!("php, every SAPI ({})", crate::source::display_path(&s.dir)),
            }
        };
        if let (Some(h), sp) = (s.get("session.save_handler"), s.get("session.save_path")) {
            eps.push(endpoint(EndpointOwner::Php(i), h, sp, label));
        }
    }
    // A fleet has thousands of pools, each read alone: over the threads, in order.
    let pools: Vec<usize> = (0..model.pools.len()).collect();
    let pool_eps = crate::parallel::map(&pools, 16, |&i| {
        let p = &model.pools[i];
        let mut label = format!("pool {} ({})", p.name, crate::source::display_path(model.path(p.declared_at.file)));
        if let Some(l) = &p.layer {
            label = format!("{label} + {}", l.describe());
        }
        let h = p.effective("session.save_handler", &model.php)?;
        let sp = p.effective("session.save_path", &model.php);
        Some(endpoint(EndpointOwner::Pool(i), h, sp, label))
    });
    eps.extend(pool_eps.into_iter().flatten());
    let machines = Machines::new(model);
    for (i, m) in model.magento.iter().enumerate() {
        let label = format!("magento {}", crate::source::display_path(model.path(m.file)));
        let handler = match &m.session_save {
            Some(v) => EffectiveValue::set(v.value.clone().unwrap_or_default(), v.entry_at, v.value_at.span),
            None => EffectiveValue::default_value("files"),
        };
        let targets = m.session_target().into_iter().collect();
        let decided_at = handler.set_at;
        let save_path = (handler.value == "files").then(|| magento_files_path(model, &machines, m));
        eps.push(SessionEndpoint {
            owner: EndpointOwner::Magento(i),
            handler,
            save_path,
            targets,
            label,
            decided_at: decided_at.or(Some(Location { file: m.file, span: Span::empty(0) })),
        });
    }
    say_what_seeds_were_not_read(model, &eps);
    model.endpoints = eps;
}

/// A `rediscluster` save path with more distinct seeds than the model reads is reported
/// where it is set (once per line, however many pools inherit it), with how many were left.
fn say_what_seeds_were_not_read(model: &mut Model, eps: &[SessionEndpoint]) {
    let mut said = std::collections::HashSet::new();
    for ep in eps.iter().filter(|ep| ep.handler.value == "rediscluster") {
        let Some(sp) = &ep.save_path else { continue };
        let Some(at) = sp.set_at else { continue };
        let left = crate::model::endpoint::cluster_seeds_not_read(&sp.value);
        if left == 0 || !said.insert(at) {
            continue;
        }
        let file = &model.files[at.file.0];
        let line = file.source.line_of(at.span.start);
        let max = crate::model::endpoint::MAX_SEEDS;
        model.unreadable.push(crate::discover::Unreadable {
            path: file.source.path.clone(),
            reason: format!(
                "{left} of the {} distinct rediscluster seeds of `session.save_path` on line {line} (sesslint reads the first {max}; phpredis tries each until one answers)",
                max + left
            ),
        });
    }
}

fn endpoint(
    owner: EndpointOwner,
    handler: EffectiveValue,
    save_path: Option<EffectiveValue>,
    label: String,
) -> SessionEndpoint {
    let targets = match handler.value.as_str() {
        "redis" | "rediscluster" => {
            save_path.as_ref().map(|sp| parse_save_path(&handler.value, &sp.value)).unwrap_or_default()
        }
        _ => Vec::new(),
    };
    let decided_at = handler.set_at;
    SessionEndpoint { owner, handler, save_path, targets, label, decided_at }
}

/// Where Magento's `files` handler writes: env.php `session.save_path`, else PHP's
/// `session.save_path` when it is not empty, else `<magento>/var/session`
/// (Magento\Framework\Session\Config::__construct). Which php-fpm pool serves the shop is
/// not in the files: when the pools (or, without pools, the PHP setups) disagree, the value
/// says so and has no place.
fn magento_files_path(model: &Model, machines: &Machines, m: &magento::MagentoInstall) -> EffectiveValue {
    if let Some(v) = m.session.as_ref().and_then(|b| b.values.get("save_path")) {
        if let Some(value) = v.value.clone().filter(|v| !v.is_empty()) {
            return EffectiveValue {
                value,
                set_at: Some(v.entry_at),
                value_span: Some(v.value_at.span),
                shadowed: Vec::new(),
                shadowed_values: Vec::new(),
                depends_on_env: None,
            };
        }
    }
    // Only PHP on the same machine as the shop.
    let host = crate::model::link::host_of(model.path(m.file), &[]);
    let pools: Vec<_> = machines.pools.get(&host).into_iter().flatten().map(|&i| &model.pools[i]).collect();
    let from_php: Vec<EffectiveValue> = if pools.is_empty() {
        machines.php.get(&host).into_iter().flatten().filter_map(|&i| model.php[i].get("session.save_path")).collect()
    } else {
        pools.iter().filter_map(|p| p.effective("session.save_path", &model.php)).collect()
    };
    let mut set: Vec<EffectiveValue> = from_php.into_iter().filter(|v| !v.value.is_empty()).collect();
    set.dedup_by(|a, b| a.value == b.value);
    match set.len() {
        0 => EffectiveValue::default_value(&m.root.join("var/session").to_string_lossy()),
        1 => set.remove(0),
        _ => EffectiveValue::default_value(&format!(
            "PHP's session.save_path of the pool that runs Magento ({})",
            set.iter().map(|v| v.value.as_str()).collect::<Vec<_>>().join(" or ")
        )),
    }
}

/// The pools and PHP setups of each machine (the tree [`host_of`](crate::model::link::host_of)
/// names), in model order: a Magento install finds its machine's PHP by lookup, not by a
/// scan of every pool of a fleet.
struct Machines {
    pools: std::collections::HashMap<std::path::PathBuf, Vec<usize>>,
    php: std::collections::HashMap<std::path::PathBuf, Vec<usize>>,
}

impl Machines {
    fn new(model: &Model) -> Self {
        let host_of = |path: &Path| crate::model::link::host_of(path, &[]);
        let mut pools: std::collections::HashMap<_, Vec<usize>> = Default::default();
        for (i, p) in model.pools.iter().enumerate() {
            pools.entry(host_of(model.path(p.declared_at.file))).or_default().push(i);
        }
        let mut php: std::collections::HashMap<_, Vec<usize>> = Default::default();
        for (i, s) in model.php.iter().enumerate() {
            php.entry(host_of(&s.dir.join("php.ini"))).or_default().push(i);
        }
        Machines { pools, php }
    }
}
