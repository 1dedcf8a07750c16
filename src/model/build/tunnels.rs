//! Tunnels: the stunnel, spiped and PeerVPN files of the tree, and those of a config's
//! `tunnel-paths`, which count for every host.

use std::path::PathBuf;

use super::read::parse_file;
use crate::discover::{self, Role};
use crate::model::{tunnel, FileId, LoadedFile, Model};
use crate::source::Source;

/// Read stunnel/spiped/PeerVPN files under `paths` (a config's `tunnel-paths`) as tunnel
/// evidence that holds for every host in the tree. Each file counts against the build's
/// budget (`spent`) as a discovered one does: past it, it is not read (SL002 error).
pub(super) fn add_tunnel_evidence(model: &mut Model, paths: &[PathBuf], spent: &mut super::budget::Spent) {
    // Tunnel paths come from sesslint.toml, which the checked repository may have written:
    // they are read through the same confinement as everything else.
    let mut found = discover::Discovery::default();
    for p in paths {
        match model.confinement.resolve(p) {
            Ok(_) => {
                let d = discover::discover(std::slice::from_ref(p), Some(&model.root));
                found.files.extend(d.files);
                found.unreadable.extend(d.unreadable);
            }
            Err(why) => found.unreadable.push(discover::Unreadable { path: p.clone(), reason: why.to_string() }),
        }
    }
    model.unreadable.extend(found.unreadable.iter().cloned());
    for f in found.files.iter().filter(|f| matches!(f.role, Role::Stunnel | Role::Spiped | Role::PeerVpn)) {
        if model.file_id(&f.path).is_some() || !spent.admit(model, &f.path) {
            continue;
        }
        let source = match model.confinement.read(&f.read_from) {
            Ok(bytes) => Source::new(f.path.clone(), bytes),
            Err(why) => {
                model.unreadable.push(discover::Unreadable { path: f.path.clone(), reason: why.to_string() });
                continue;
            }
        };
        let (file, _) = parse_file(source, f.role);
        let id = model.add_file(file);
        let mut found = tunnels_of(id, &model.files[id.0]);
        for t in &mut found {
            t.shared = true;
        }
        model.tunnels.extend(found);
    }
}

/// The tunnels a stunnel, spiped or PeerVPN file sets up (none for other files).
fn tunnels_of(id: FileId, f: &LoadedFile) -> Vec<tunnel::Tunnel> {
    match f.role {
        // stunnel refuses the whole file at its first bad line: it sets up nothing.
        Role::Stunnel if !f.syntax_errors.is_empty() => Vec::new(),
        Role::Stunnel => tunnel::stunnel(id, &f.source.bytes),
        // A spiped line missing -s, -t or -k never starts: it is no tunnel.
        Role::Spiped => tunnel::spiped(id, &f.source.bytes)
            .into_iter()
            .filter(|t| tunnel::spiped_missing_flags(t, &f.source.bytes).is_none())
            .collect(),
        Role::PeerVpn => tunnel::peervpn(id, &f.source.bytes),
        _ => Vec::new(),
    }
}

pub(super) fn lower_tunnels(model: &mut Model) {
    let found: Vec<_> = model.files.iter().enumerate().flat_map(|(i, f)| tunnels_of(FileId(i), f)).collect();
    model.tunnels.extend(found);
}

/// Charge the key file of every tunnel end (spiped `-k`, stunnel `PSKsecrets`) to the
/// build's budget, in the tunnels' order: linking reads them to compare both ends' keys.
/// A key file past the budget is an SL002 error and linking says the keys were not compared.
pub(super) fn charge_key_files(model: &mut Model, spent: &mut super::budget::Spent) {
    let keys: Vec<PathBuf> = model.tunnels.iter().filter_map(|t| t.key_file(model)).collect();
    for path in keys {
        if model.file_id(&path).is_none() {
            spent.admit(model, &path);
        }
    }
}
