//! Linking session targets to Redis servers through an address index: every listener,
//! tunnel end and known address is entered once and every target looked up once, so a
//! fleet links in time linear in its hosts. Tunnel chains are followed end to end.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::endpoint::Transport;
use super::link::{host_of, ChainProblem, Link, LinkCertainty, Unlinked, Unreached, UNREACHED_SERVERS_KEPT};
use super::redis::{classify_address, Reach};
use super::tunnel::{split_address, TunnelKind, TunnelSide};
use super::{EndpointId, Model, ServerId};

/// What linking found: the links, the targets that could not be linked and why, and the
/// tunnels whose ends do not meet.
#[derive(Default)]
pub struct Linking {
    pub links: Vec<Link>,
    pub unlinked: Vec<Unlinked>,
    pub unreached: Vec<Unreached>,
    pub chain_problems: Vec<ChainProblem>,
}

/// A machine: a fleet host (its `HostId`), or outside fleets a tree found by [`host_of`].
type Machine = usize;

/// The scope of a concrete address: every fleet host shares one network; outside a fleet,
/// and for loopback, an address means something on its own machine only.
const FLEET_NETWORK: usize = usize::MAX;

/// How deep tunnel chains are followed (client end, server end, and one more hop).
const MAX_HOPS: usize = 3;

/// How many of the hosts sharing an address a link's ambiguity names (the rest counted).
const OWNERS_NAMED: usize = 5;

/// How the reason a chain was cut at [`MAX_HOPS`] says so (and is known again).
const CUT: &str = "tunnel hops sesslint follows";

struct Hit {
    server: ServerId,
    ambiguity: Option<String>,
    address: String,
    via: Vec<usize>,
}

struct Index<'m> {
    model: &'m Model,
    fleet: bool,
    hosts: usize,
    /// Redis listeners a loopback client reaches: (machine, port, tls).
    local: HashMap<(Machine, u16, bool), Vec<ServerId>>,
    /// Concrete bind addresses: (scope, address, port, tls).
    at: HashMap<(usize, String, u16, bool), Vec<ServerId>>,
    /// Every-interface listeners: (machine, port, tls).
    any: HashMap<(Machine, u16, bool), Vec<ServerId>>,
    /// Listeners beyond loopback, for clients that name a host: (machine, port, tls).
    remote: HashMap<(Machine, u16, bool), Vec<ServerId>>,
    unix: HashMap<(Machine, String), Vec<ServerId>>,
    /// The machines an address belongs to, with how that is known.
    owners: HashMap<String, Vec<(Machine, String)>>,
    /// (address, machine) pairs in `owners`, so that entering one is not a search.
    owned: HashSet<(String, Machine)>,
    /// Every bind word of every server (`-` dropped), by machine: an address a machine's own
    /// Redis binds is that machine.
    binds: HashSet<(Machine, String)>,
    /// Servers by machine, in model order.
    servers_on: HashMap<Machine, Vec<ServerId>>,
    /// Client tunnel ends by the port they accept on.
    clients: HashMap<(Machine, u16), Vec<usize>>,
    /// Server tunnel ends by concrete accept address, by every-interface port, by host.
    ends_at: HashMap<(usize, String, u16), Vec<usize>>,
    ends_any: HashMap<(Machine, u16), Vec<usize>>,
    ends_on: HashMap<(Machine, u16), Vec<usize>>,
    /// Server tunnel ends by machine, for saying what a host accepts.
    ends_of: HashMap<Machine, Vec<usize>>,
    /// PeerVPN configurations by machine.
    vpn: HashMap<Machine, Vec<usize>>,
    /// The first PeerVPN configuration of a machine with a given own address.
    vpn_at: HashMap<(Machine, String), usize>,
    server_machine: Vec<Machine>,
    tunnel_machine: Vec<Machine>,
    machine_names: Vec<String>,
    /// Outside fleets: the machine of each tree [`host_of`] names.
    interned: HashMap<PathBuf, Machine>,
    tops: Vec<PathBuf>,
    /// Client tunnel ends where following a chain stopped at [`MAX_HOPS`] (recorded while
    /// resolving, in the endpoints' order), each said once as an SL405 note.
    cut_at: std::cell::RefCell<Vec<usize>>,
    /// The fleet's host names joined for a message ([`Index::host_list`]): joined once, as
    /// every unresolved client of a fleet says them.
    host_list: std::cell::OnceCell<String>,
    /// Files the build left unread past its budget ([`Model::over_budget`]): a tunnel key
    /// among them is not read here either.
    unparsed: std::collections::HashSet<PathBuf>,
}

/// Link every endpoint target of `model` (whose files and hosts are read) to the servers
/// it reaches. `tops` are the scanned paths (outside fleets they separate machines).
pub fn link_all(model: &Model, tops: &[PathBuf]) -> Linking {
    let index = Index::new(model, tops);
    let mut out = Linking::default();
    let mut vpn_gaps: HashMap<(Machine, usize), String> = HashMap::new();
    for (ei, ep) in model.endpoints.iter().enumerate() {
        let Some(at) = ep.decided_at.or(ep.save_path.as_ref().and_then(|s| s.set_at)) else { continue };
        let m = index.machine_of_file(at.file);
        for (ti, t) in ep.targets.iter().enumerate() {
            let (hits, why) = match t.transport {
                Transport::Unix => {
                    let socket = t.socket.clone().unwrap_or_default();
                    let hits = index.unix.get(&(m, socket.clone())).into_iter().flatten();
                    let hits = hits
                        .map(|&s| Hit {
                            server: s,
                            ambiguity: None,
                            address: format!("unix:{socket}"),
                            via: Vec::new(),
                        })
                        .collect();
                    (hits, None)
                }
                Transport::Tcp | Transport::Tls => {
                    let h = t.host.as_deref().unwrap_or("127.0.0.1");
                    index.resolve(m, h, t.port, t.transport == Transport::Tls, 0)
                }
            };
            if hits.is_empty() {
                if let Some(reason) = why {
                    out.unlinked.push(Unlinked { endpoint: EndpointId(ei), target: ti, reason });
                }
                if let Some(dest) = index.destination(m, t) {
                    let all: &[ServerId] = index.servers_on.get(&dest).map_or(&[], Vec::as_slice);
                    if !all.is_empty() {
                        out.unreached.push(Unreached {
                            endpoint: EndpointId(ei),
                            target: ti,
                            servers: all[..all.len().min(UNREACHED_SERVERS_KEPT)].to_vec(),
                            servers_total: all.len(),
                            machine: index.machine_names.get(dest).cloned().unwrap_or_default(),
                        });
                    }
                }
            }
            let exact = hits.iter().filter(|h| h.ambiguity.is_none()).count();
            for hit in hits {
                let sm = index.server_machine[hit.server.0];
                let certainty = match hit.ambiguity {
                    Some(r) => LinkCertainty::Ambiguous(r),
                    None if exact > 1 => {
                        LinkCertainty::Ambiguous(format!("{exact} servers in the tree accept this address"))
                    }
                    None => LinkCertainty::Exact,
                };
                // An address on the server host's VPN is reached over the VPN only if the
                // client's host is a member too.
                if index.fleet && sm != m && hit.via.is_empty() {
                    if let Some(&v) = index.vpn_with_address(sm, &hit.address) {
                        match index.vpn.get(&m).and_then(|l| l.first()) {
                            Some(&mine) => {
                                out.links.push(index.link(
                                    ei,
                                    ti,
                                    m,
                                    hit.server,
                                    certainty,
                                    hit.address,
                                    vec![mine, v],
                                ));
                                continue;
                            }
                            None => {
                                vpn_gaps.entry((m, v)).or_insert_with(|| {
                                    format!(
                                        "host {} reaches {} on the PeerVPN network of host {}, but has no PeerVPN configuration of its own: the traffic leaves unencrypted or not at all",
                                        index.machine_names[m], hit.address, index.machine_names[sm]
                                    )
                                });
                            }
                        }
                    }
                }
                out.links.push(index.link(ei, ti, m, hit.server, certainty, hit.address, hit.via));
            }
        }
    }
    let mut gaps: Vec<_> = vpn_gaps.into_iter().collect();
    gaps.sort_by_key(|((m, v), _)| (*v, *m));
    for ((_, v), message) in gaps {
        let at = model.tunnels[v].listen_line();
        out.chain_problems.push(ChainProblem {
            tunnel: v,
            other: None,
            message,
            certain: true,
            at,
            label: "a PeerVPN address reached from a host not on this VPN",
            related: None,
        });
    }
    // Before chain_problems, whose own resolving stops at MAX_HOPS on purpose.
    // A chain longer than sesslint follows ends unresolved: said, never a silent gap.
    let mut cut = index.cut_at.take();
    cut.dedup();
    let mut said = std::collections::HashSet::new();
    for c in cut.into_iter().filter(|&c| said.insert(c)) {
        let t = &model.tunnels[c];
        out.chain_problems.push(ChainProblem {
            tunnel: c,
            other: None,
            message: format!(
                "a session address reaches this {} client end after {MAX_HOPS} tunnel hops; sesslint follows at most {MAX_HOPS}, so which Redis the chain ends at is not resolved and not checked",
                kind_name(t.kind)
            ),
            certain: false,
            at: t.listen_line(),
            label: "the chain goes on here, not followed",
            related: None,
        });
    }
    if index.fleet {
        out.chain_problems.extend(index.chain_problems());
    }
    // Model::servers_of and Model::unlinked_of search these by (endpoint, target); they are made in that order.
    debug_assert!(out.links.windows(2).all(|w| (w[0].endpoint, w[0].target) <= (w[1].endpoint, w[1].target)));
    debug_assert!(out.unlinked.windows(2).all(|w| (w[0].endpoint, w[0].target) <= (w[1].endpoint, w[1].target)));
    out
}

impl<'m> Index<'m> {
    fn new(model: &'m Model, tops: &[PathBuf]) -> Self {
        let fleet = model.fleet.is_some();
        let hosts = model.hosts.len();
        let mut machine_names: Vec<String> = model.hosts.iter().map(|h| h.name.clone()).collect();
        let mut interned: HashMap<PathBuf, Machine> = HashMap::new();
        let mut machine_of = |path: &Path, host: Option<super::HostId>| -> Machine {
            if let Some(h) = host {
                return h.0;
            }
            let key = host_of(path, tops);
            let next = hosts + interned.len();
            *interned.entry(key.clone()).or_insert_with(|| {
                machine_names.push(crate::source::display_path(&key));
                next
            })
        };
        let server_machine: Vec<Machine> =
            model.redis.iter().map(|s| machine_of(model.path(s.file), model.host_of_file(s.file))).collect();
        let tunnel_machine: Vec<Machine> =
            model.tunnels.iter().map(|t| machine_of(model.path(t.at.file), model.host_of_file(t.at.file))).collect();
        // Endpoint machines are interned in the same table: look them up through it later.
        for ep in &model.endpoints {
            if let Some(at) = ep.decided_at.or(ep.save_path.as_ref().and_then(|s| s.set_at)) {
                machine_of(model.path(at.file), model.host_of_file(at.file));
            }
        }
        let machine_names = machine_names;
        let mut ix = Index {
            model,
            fleet,
            hosts,
            local: HashMap::new(),
            at: HashMap::new(),
            any: HashMap::new(),
            remote: HashMap::new(),
            unix: HashMap::new(),
            owners: HashMap::new(),
            owned: HashSet::new(),
            binds: HashSet::new(),
            servers_on: HashMap::new(),
            clients: HashMap::new(),
            ends_at: HashMap::new(),
            ends_any: HashMap::new(),
            ends_on: HashMap::new(),
            ends_of: HashMap::new(),
            vpn: HashMap::new(),
            vpn_at: HashMap::new(),
            server_machine,
            tunnel_machine,
            machine_names,
            interned,
            tops: tops.to_vec(),
            cut_at: Default::default(),
            host_list: Default::default(),
            unparsed: model.over_budget.iter().map(|u| u.path.clone()).collect(),
        };
        ix.enter_hosts();
        ix.enter_servers();
        ix.enter_tunnels();
        ix
    }

    fn scope(&self, m: Machine, reach: Reach) -> usize {
        if self.fleet && m < self.hosts && reach != Reach::Loopback {
            FLEET_NETWORK
        } else {
            m
        }
    }

    fn own(&mut self, address: &str, m: Machine, how: String) {
        if self.owned.insert((address.to_owned(), m)) {
            self.owners.entry(address.to_owned()).or_default().push((m, how));
        }
    }

    fn enter_hosts(&mut self) {
        for (i, h) in self.model.hosts.iter().enumerate() {
            for (a, source) in &h.declared {
                // Loopback is every host's own (an inventory's `ansible_host: localhost`).
                if classify_address(a).0 != Reach::Loopback {
                    self.own(a, i, format!("declared in {source}"));
                }
            }
        }
    }

    fn enter_servers(&mut self) {
        for (si, s) in self.model.redis.iter().enumerate() {
            let m = self.server_machine[si];
            let id = ServerId(si);
            self.servers_on.entry(m).or_default().push(id);
            for b in s.listeners() {
                self.binds.insert((m, b.text.trim_start_matches('-').to_owned()));
            }
            if let Some(sock) = &s.unixsocket {
                self.unix.entry((m, sock.clone())).or_default().push(id);
            }
            if !s.listens_on_tcp() {
                continue;
            }
            let ports = [(s.port, false), (s.tls_port, true)];
            for (port, tls) in ports.into_iter().filter(|(p, _)| *p != 0) {
                // Words after a `#` in `bind` are no listeners.
                let mut local = false;
                let mut remote = false;
                for b in s.listeners() {
                    let text = b.text.trim_start_matches('-');
                    if b.wildcard {
                        local = true;
                        remote = true;
                        push_once(self.any.entry((m, port, tls)).or_default(), id);
                    } else if b.reach == Reach::Loopback {
                        local = true;
                    } else {
                        remote = true;
                        let scope = self.scope(m, b.reach);
                        push_once(self.at.entry((scope, text.to_owned(), port, tls)).or_default(), id);
                        if self.fleet {
                            self.own(text, m, "its Redis binds it".to_owned());
                        }
                    }
                }
                if local {
                    self.local.entry((m, port, tls)).or_default().push(id);
                }
                if remote {
                    self.remote.entry((m, port, tls)).or_default().push(id);
                }
            }
        }
    }

    fn enter_tunnels(&mut self) {
        for (ti, t) in self.model.tunnels.iter().enumerate() {
            let m = self.tunnel_machine[ti];
            match t.side {
                TunnelSide::Client => {
                    if let Some((_, p)) = t.listen.as_deref().and_then(|l| split_address(l, "0.0.0.0")) {
                        self.clients.entry((m, p)).or_default().push(ti);
                    }
                }
                TunnelSide::Server => {
                    let Some((h, p)) = t.listen.as_deref().and_then(|l| split_address(l, "0.0.0.0")) else { continue };
                    self.ends_on.entry((m, p)).or_default().push(ti);
                    self.ends_of.entry(m).or_default().push(ti);
                    let (reach, wildcard) = classify_address(&h);
                    if wildcard || h.is_empty() {
                        self.ends_any.entry((m, p)).or_default().push(ti);
                    } else {
                        let scope = self.scope(m, reach);
                        self.ends_at.entry((scope, h.clone(), p)).or_default().push(ti);
                        if self.fleet && reach != Reach::Loopback {
                            self.own(&h, m, format!("its {} accepts on it", kind_name(t.kind)));
                        }
                    }
                }
                TunnelSide::Network => {
                    self.vpn.entry(m).or_default().push(ti);
                    if let Some(a) = t.listen.as_deref() {
                        self.vpn_at.entry((m, a.to_owned())).or_insert(ti);
                    }
                    if let (true, Some(a)) = (self.fleet, t.listen.as_deref()) {
                        self.own(a, m, "its PeerVPN address".to_owned());
                    }
                }
            }
        }
    }
}

fn push_once(list: &mut Vec<ServerId>, id: ServerId) {
    if list.last() != Some(&id) {
        list.push(id);
    }
}

fn kind_name(k: TunnelKind) -> &'static str {
    match k {
        TunnelKind::Stunnel => "stunnel",
        TunnelKind::Spiped => "spiped",
        TunnelKind::PeerVpn => "PeerVPN",
    }
}

fn join_port(host: &str, port: u16) -> String {
    format!("{}:{port}", crate::model::endpoint::url_host(host))
}

impl Index<'_> {
    fn machine_of_file(&self, file: super::FileId) -> Machine {
        match self.model.host_of_file(file) {
            Some(h) => h.0,
            None => self.interned.get(&host_of(self.model.path(file), &self.tops)).copied().unwrap_or(usize::MAX - 1),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn link(
        &self,
        ei: usize,
        ti: usize,
        m: Machine,
        server: ServerId,
        certainty: LinkCertainty,
        address: String,
        via: Vec<usize>,
    ) -> Link {
        let sm = self.server_machine[server.0];
        Link {
            endpoint: EndpointId(ei),
            target: ti,
            server,
            certainty,
            host: self.model.host_of_file(self.model.server(server).file),
            cross_host: self.fleet && sm != m,
            address,
            via,
        }
    }

    fn vpn_with_address(&self, m: Machine, address: &str) -> Option<&usize> {
        let ip = split_address(address, "").map(|(h, _)| h).unwrap_or_default();
        self.vpn_at.get(&(m, ip))
    }

    /// The machine a target's address certainly designates: the client's own for Unix
    /// sockets and loopback, an address one of its own servers binds, and in a fleet the one
    /// host that owns the address or name. `None`: it may be a machine not in the tree.
    fn destination(&self, m: Machine, t: &super::RedisTarget) -> Option<Machine> {
        if t.transport == Transport::Unix {
            return Some(m);
        }
        let host = t.host.as_deref().unwrap_or("127.0.0.1");
        let (reach, _) = classify_address(host);
        if reach == Reach::Loopback {
            // A client tunnel on that port leads elsewhere: its far end is not this machine.
            return (!self.clients.contains_key(&(m, t.port))).then_some(m);
        }
        if self.binds.contains(&(m, host.to_owned())) {
            return Some(m);
        }
        if !self.fleet {
            return None;
        }
        if reach == Reach::Unknown {
            return self.named(host);
        }
        match self.owners_of(host) {
            [(o, _)] => Some(*o),
            _ => None,
        }
    }

    /// The machines an address is known to belong to (fleets only).
    fn owners_of(&self, address: &str) -> &[(Machine, String)] {
        self.owners.get(address).map_or(&[], Vec::as_slice)
    }

    /// The fleet host a name designates: a host's directory name or a declared address.
    fn named(&self, name: &str) -> Option<Machine> {
        let by_dir = self.model.host_index.by_name(name).map(|h| h.0);
        by_dir.or_else(|| match self.owners_of(name) {
            [(m, _)] => Some(*m),
            _ => None,
        })
    }

    fn host_list(&self) -> &str {
        self.host_list.get_or_init(|| self.model.hosts.iter().map(|h| h.name.as_str()).collect::<Vec<_>>().join(", "))
    }

    /// The servers a client on machine `m` reaches at `host:port`, and, when there are none,
    /// why (only when that is worth saying).
    fn resolve(&self, m: Machine, host: &str, port: u16, tls: bool, hops: usize) -> (Vec<Hit>, Option<String>) {
        let (reach, _) = classify_address(host);
        let address = join_port(host, port);
        let mut hits: Vec<Hit> = Vec::new();
        let mut why = None;
        let plain = |s: &ServerId, a: &str| Hit { server: *s, ambiguity: None, address: a.to_owned(), via: Vec::new() };
        match reach {
            Reach::Loopback => {
                hits.extend(self.local.get(&(m, port, tls)).into_iter().flatten().map(|s| plain(s, &address)));
                let clients = self.clients.get(&(m, port)).map_or(&[][..], Vec::as_slice);
                if !clients.is_empty() {
                    // A local client tunnel on that port means the far end is elsewhere.
                    let mut through = Vec::new();
                    if hops < MAX_HOPS && !tls {
                        for &c in clients {
                            let (found, deeper) = self.follow(c, hops);
                            through.extend(found);
                            why = why.or(deeper);
                        }
                    } else if !tls {
                        self.cut_at.borrow_mut().extend_from_slice(clients);
                        let kind = kind_name(self.model.tunnels[clients[0]].kind);
                        let here = self.machine_names.get(m).map_or("this host", String::as_str);
                        why = Some(format!(
                            "the chain goes on through the {kind} client end on {here} that accepts {address}, past the {MAX_HOPS} {CUT}: where it ends is not resolved"
                        ));
                    }
                    let both = !hits.is_empty();
                    for h in &mut hits {
                        h.ambiguity = Some(format!("a client tunnel also listens on port {port}"));
                    }
                    for mut h in through {
                        if both {
                            h.ambiguity = Some(format!("a Redis server on this host also listens on port {port}"));
                        }
                        hits.push(h);
                    }
                }
                let here = self.machine_names.get(m).map_or("this host", String::as_str);
                if !hits.is_empty() {
                    why = None;
                } else if why.is_some() {
                    // A chain followed past the hops sesslint follows: that is the reason.
                } else if self.fleet && clients.is_empty() {
                    why = Some(format!(
                        "no Redis and no tunnel on {here} listens on {address}; loopback never reaches another host"
                    ));
                } else if self.fleet {
                    let kind = kind_name(self.model.tunnels[clients[0]].kind);
                    why = Some(format!(
                        "the {kind} client end on {here} that accepts {address} reaches no Redis (SL405 says where the chain breaks)"
                    ));
                }
            }
            Reach::Unknown if self.fleet => match self.named(host) {
                Some(hm) => {
                    hits.extend(self.remote.get(&(hm, port, tls)).into_iter().flatten().map(|s| plain(s, &address)));
                    if hits.is_empty() {
                        why = Some(format!(
                            "`{host}` is the fleet's host {}, where no Redis listens on port {port} beyond loopback",
                            self.machine_names[hm]
                        ));
                    }
                }
                None => {
                    why = Some(format!(
                        "`{host}` names no host of the fleet ({}); declare its addresses with `[hosts.NAME] addresses` in sesslint.toml or `--inventory`",
                        self.host_list()
                    ))
                }
            },
            Reach::Unknown => {
                for s in self.remote.get(&(m, port, tls)).into_iter().flatten() {
                    hits.push(Hit {
                        ambiguity: Some(format!("`{host}` is a host name; it may or may not be this server")),
                        ..plain(s, &address)
                    });
                }
            }
            _ => {
                let scope = self.scope(m, reach);
                hits.extend(self.at.get(&(scope, host.to_owned(), port, tls)).into_iter().flatten().map(|s| plain(s, &address)));
                let owners = if self.fleet { self.owners_of(host) } else { &[] };
                // Said once per target, naming the first owners: a hostile fleet can give
                // one address to every host.
                let ambiguity = (owners.len() > 1).then(|| {
                    let names: Vec<&str> =
                        owners.iter().take(OWNERS_NAMED).map(|(o, _)| self.machine_names[*o].as_str()).collect();
                    let more = owners.len() - names.len();
                    let more = if more > 0 { format!(" and {more} other hosts") } else { String::new() };
                    format!("`{host}` is an address of {}{more}", names.join(" and "))
                });
                let mut seen: std::collections::HashSet<ServerId> = hits.iter().map(|h| h.server).collect();
                for (om, _) in owners {
                    for s in self.any.get(&(*om, port, tls)).into_iter().flatten() {
                        if seen.insert(*s) {
                            hits.push(Hit { ambiguity: ambiguity.clone(), ..plain(s, &address) });
                        }
                    }
                }
                if hits.is_empty() {
                    for s in self.any.get(&(m, port, tls)).into_iter().flatten() {
                        hits.push(Hit {
                            ambiguity: Some(format!(
                                "the server listens on every interface; `{host}` may be one of this machine's"
                            )),
                            ..plain(s, &address)
                        });
                    }
                }
                if hits.is_empty() && self.fleet && owners.is_empty() {
                    why = Some(format!(
                        "`{host}` is no known address of the fleet's hosts ({}); declare it with `[hosts.NAME] addresses` in sesslint.toml or `--inventory`",
                        self.host_list()
                    ));
                }
            }
        }
        (hits, why)
    }

    /// The server tunnel ends a client end `c` connects to (same kind).
    fn far_ends(&self, c: usize) -> Vec<usize> {
        let t = &self.model.tunnels[c];
        let m = self.tunnel_machine[c];
        let Some((h, p)) = t.target.as_deref().and_then(|a| split_address(a, "127.0.0.1")) else { return Vec::new() };
        let (reach, _) = classify_address(&h);
        let mut ends: Vec<usize> = Vec::new();
        match reach {
            Reach::Loopback => {
                ends.extend(self.ends_on.get(&(m, p)).into_iter().flatten());
            }
            Reach::Unknown if self.fleet => {
                if let Some(hm) = self.named(&h) {
                    ends.extend(self.ends_on.get(&(hm, p)).into_iter().flatten());
                }
            }
            Reach::Unknown => {}
            _ => {
                ends.extend(self.ends_at.get(&(self.scope(m, reach), h.clone(), p)).into_iter().flatten());
                if self.fleet {
                    for (om, _) in self.owners_of(&h) {
                        ends.extend(self.ends_any.get(&(*om, p)).into_iter().flatten());
                    }
                }
            }
        }
        ends.sort_unstable();
        ends.dedup();
        ends.retain(|&e| self.model.tunnels[e].kind == t.kind);
        ends
    }

    /// The servers reached through client end `c`, its server ends and what they forward to.
    fn follow(&self, c: usize, hops: usize) -> (Vec<Hit>, Option<String>) {
        let mut out = Vec::new();
        let mut cut = None;
        for e in self.far_ends(c) {
            let end = &self.model.tunnels[e];
            let Some((h, p)) = end.target.as_deref().and_then(|a| split_address(a, "127.0.0.1")) else { continue };
            let (hits, why) = self.resolve(self.tunnel_machine[e], &h, p, false, hops + 1);
            // Only a chain cut at the hops followed is worth carrying up.
            if hits.is_empty() && why.as_deref().is_some_and(|w| w.contains(CUT)) {
                cut = cut.or(why);
            }
            for mut hit in hits {
                let mut via = vec![c, e];
                via.append(&mut hit.via);
                hit.via = via;
                out.push(hit);
            }
        }
        (out, cut)
    }

    /// Client ends with no server end where they connect, server ends forwarding to no
    /// Redis, and ends whose keys differ.
    fn chain_problems(&self) -> Vec<ChainProblem> {
        let mut out = Vec::new();
        let tunnels = &self.model.tunnels;
        for (c, t) in tunnels.iter().enumerate().filter(|(_, t)| t.side == TunnelSide::Client) {
            let m = self.tunnel_machine[c];
            let Some(target) = t.target.as_deref() else { continue };
            let Some((h, p)) = split_address(target, "127.0.0.1") else { continue };
            let kind = kind_name(t.kind);
            let ends = self.far_ends(c);
            if ends.is_empty() {
                let (reach, _) = classify_address(&h);
                let far: Option<Machine> = match reach {
                    Reach::Loopback => Some(m),
                    Reach::Unknown => self.named(&h),
                    _ => match self.owners_of(&h) {
                        [(o, _)] => Some(*o),
                        _ => None,
                    },
                };
                let mut related = None;
                let message = match far {
                    Some(fm) => {
                        let server_ends: Vec<&super::Tunnel> = self
                            .ends_of
                            .get(&fm)
                            .into_iter()
                            .flatten()
                            .map(|&e| &tunnels[e])
                            .filter(|x| x.kind == t.kind && x.listen.is_some())
                            .collect();
                        let accepts: Vec<String> = server_ends.iter().filter_map(|x| x.listen.clone()).collect();
                        // One server end on that host: the client most likely meant it.
                        if let [only] = server_ends[..] {
                            related = Some((only.listen_line(), "the server end accepts here"));
                        }
                        let there = if accepts.is_empty() {
                            format!("host {} has no {kind} server end", self.machine_names[fm])
                        } else {
                            format!("the {kind} server ends on host {} accept {}", self.machine_names[fm], accepts.join(", "))
                        };
                        format!("the {kind} client end on {} connects to {target}, where no {kind} server end accepts: {there}", self.machine_names[m])
                    }
                    None => format!(
                        "the {kind} client end on {} connects to {target}, which is no known address of the fleet's hosts ({}): its server end is not in the files",
                        self.machine_names[m],
                        self.host_list()
                    ),
                };
                out.push(ChainProblem {
                    tunnel: c,
                    other: None,
                    message,
                    certain: far.is_some(),
                    at: t.target_line(),
                    label: "no server end accepts here",
                    related,
                });
                continue;
            }
            for e in ends {
                let end = &tunnels[e];
                let em = self.tunnel_machine[e];
                if let Some((h2, p2)) = end.target.as_deref().and_then(|a| split_address(a, "127.0.0.1")) {
                    let (hits, _) = self.resolve(em, &h2, p2, false, MAX_HOPS);
                    // A client end there carries the chain on: that stage is checked as its own.
                    let onward = classify_address(&h2).0 == Reach::Loopback
                        && self.clients.get(&(em, p2)).is_some_and(|c| !c.is_empty());
                    if hits.is_empty() && !onward {
                        out.push(ChainProblem {
                            tunnel: c,
                            other: Some(e),
                            message: format!(
                                "the {kind} server end on {} forwards {target} to {}, where no Redis server on host {} listens",
                                self.machine_names[em],
                                join_port(&h2, p2),
                                self.machine_names[em]
                            ),
                            certain: true,
                            at: end.target_line(),
                            label: "no Redis listens here",
                            related: Some((t.target_line(), "the client end connects through it")),
                        });
                    }
                }
                if let Some(problem) = self.keys_differ(c, e) {
                    out.push(problem);
                }
            }
            let _ = p;
        }
        out
    }

    /// Whether the two ends of a tunnel hold the same key: spiped derives its key from the
    /// whole key file (spiped(1): "the SHA256 hash of the key file"), so the files must be
    /// equal; the `IDENTITY:KEY` line a stunnel client uses (its `PSKidentity`, else its
    /// file's first, stunnel(8) PSKidentity) must be in the server's `PSKsecrets`.
    /// Only digests are compared; key text never leaves this function.
    fn keys_differ(&self, c: usize, e: usize) -> Option<ChainProblem> {
        let (tc, te) = (&self.model.tunnels[c], &self.model.tunnels[e]);
        let (kc, ke) = (tc.key.as_deref()?, te.key.as_deref()?);
        let (pc, pe) = (tc.key_file(self.model)?, te.key_file(self.model)?);
        let read = |t: &super::Tunnel, path: PathBuf| -> Result<Vec<u8>, String> {
            // Charged to the build's budget when it was built: one past it is not read.
            if self.unparsed.contains(&path) {
                return Err(format!(
                    "{}: not parsed, past the bytes sesslint parses (SL002)",
                    crate::source::display_path(&path)
                ));
            }
            self.model
                .confinement
                .read_in(&path, Some(self.model.root_of(t.at.file)))
                .map_err(|why| format!("{}: {why}", crate::source::display_path(&path)))
        };
        let names = (&self.machine_names[self.tunnel_machine[c]], &self.machine_names[self.tunnel_machine[e]]);
        let kind = kind_name(tc.kind);
        let (bc, be) = match (read(tc, pc), read(te, pe)) {
            (Ok(a), Ok(b)) => (a, b),
            (a, b) => {
                // Point at the end whose key file is missing, the other as related.
                let (at, related) = if a.is_err() {
                    (tc.key_line(), (te.key_line(), "the other end's key"))
                } else {
                    (te.key_line(), (tc.key_line(), "the other end's key"))
                };
                let why: Vec<String> = [a.err(), b.err()].into_iter().flatten().collect();
                return Some(ChainProblem {
                    tunnel: c,
                    other: Some(e),
                    message: format!(
                        "the {kind} ends on {} and {} cannot be compared: their key file is not in the tree ({})",
                        names.0,
                        names.1,
                        why.join("; ")
                    ),
                    certain: false,
                    at,
                    label: "key file not in the tree",
                    related: Some(related),
                });
            }
        };
        let differ = match tc.kind {
            TunnelKind::Spiped => crate::sha256::hex_digest(&bc) != crate::sha256::hex_digest(&be),
            _ => {
                let lines = |b: &[u8]| -> Vec<String> {
                    String::from_utf8_lossy(b)
                        .lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty() && !l.starts_with('#'))
                        .map(str::to_owned)
                        .collect()
                };
                let client = lines(&bc);
                let used = match tc.psk_identity.as_deref() {
                    Some(id) => client.iter().find(|l| l.split(':').next() == Some(id)),
                    None => client.first(),
                };
                let digest = |l: &String| crate::sha256::hex_digest(l.as_bytes());
                let server: Vec<String> = lines(&be).iter().map(digest).collect();
                used.is_none_or(|l| !server.contains(&digest(l)))
            }
        };
        differ.then(|| ChainProblem {
            tunnel: c,
            other: Some(e),
            message: match tc.kind {
                TunnelKind::Spiped => format!(
                    "the spiped ends on {} (`-k {kc}`) and {} (`-k {ke}`) use different keys: their handshake fails, so no connection gets through",
                    names.0, names.1
                ),
                _ => format!(
                    "the stunnel client on {} has a PSK ({kc}) the server end on {} does not know ({ke}): the handshake fails",
                    names.0, names.1
                ),
            },
            certain: true,
            at: tc.key_line(),
            label: match tc.kind {
                TunnelKind::Spiped => "this key",
                _ => "this PSK",
            },
            related: Some((
                te.key_line(),
                match tc.kind {
                    TunnelKind::Spiped => "differs from this key",
                    _ => "the server end's PSKs, without it",
                },
            )),
        })
    }
}
