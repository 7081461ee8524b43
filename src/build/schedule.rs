//! The scheduler: starts jobs whose inputs exist, up to `jobs` builds and [`DOWNLOADS`]
//! downloads at once, on worker threads; keeps the store (and the registration of
//! outputs) on its own thread.
//!
//! ```text
//! waiting ──inputs done──► try to lock every output ──busy──► retry shortly
//!                              │ locked
//!                              ├─ all valid now (built elsewhere) ──► done
//!                              └─ remove leftovers ─► job on a worker ─► Done ─► register ─► done
//! ```
//!
//! The first failure (or an interrupt) stops everything: no new jobs, running builders'
//! process groups are killed, their partial outputs removed, nothing of theirs registered.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use super::job::{Job, Message};
use super::outputs;
use super::plan::Plan;
use super::sandbox::Sandbox;
use super::{BuildError, BuildEvent, BuildOptions, Goal, Interrupt, Realised};
use crate::store::lock::{self, Lock};
use crate::store::{Derivation, Store, StorePath};

struct Running {
    pgid: Option<i32>,
    /// A `builtin:fetchurl` job (counted against [`DOWNLOADS`], not `jobs`).
    download: bool,
    _locks: Vec<Lock>,
    /// Output name → where the builder creates it.
    built: BTreeMap<String, PathBuf>,
    /// The chroot to remove afterwards.
    sandbox_root: Option<PathBuf>,
}

enum Start {
    Started(Running, Box<Job>),
    Busy,
    AlreadyValid,
}

/// Realises `goals`: builds every missing output of their closure and returns the output
/// paths of each goal.
pub fn realise(
    store: &mut Store,
    goals: &[Goal],
    opts: &BuildOptions,
    interrupt: &Interrupt,
    events: &mut dyn FnMut(BuildEvent),
) -> Result<Realised, BuildError> {
    let _gc = store.gc_shared()?;
    let plan = Plan::new(store, goals)?;
    let downloads = plan
        .nodes
        .iter()
        .filter(|(_, n)| is_download(&n.drv))
        .map(|(p, n)| {
            let size = n.drv.env.get("size").and_then(|s| s.parse().ok());
            (store.dir().display(p), size)
        })
        .collect();
    events(BuildEvent::Planned {
        builds: plan.nodes.len(),
        downloads,
    });
    let sandbox = if plan.nodes.is_empty() {
        None
    } else {
        Sandbox::choose(opts, store, events)
    };
    let mut waiting: BTreeMap<StorePath, BTreeSet<StorePath>> = plan
        .nodes
        .iter()
        .map(|(p, n)| (p.clone(), n.deps.clone()))
        .collect();
    let mut running: HashMap<StorePath, Running> = HashMap::new();
    let (tx, rx) = mpsc::channel::<Message>();
    let http = crate::net::client();
    let mut failure: Option<BuildError> = None;
    let jobs = opts.jobs.max(1);
    loop {
        if failure.is_none() && interrupt.is_raised() {
            failure = Some(BuildError::Interrupted);
            kill_all(&running);
        }
        let mut busy = false;
        if failure.is_none() {
            let ready: Vec<StorePath> = waiting
                .iter()
                .filter(|(p, deps)| deps.is_empty() && !running.contains_key(*p))
                .map(|(p, _)| p.clone())
                .collect();
            for path in ready {
                let drv = &plan.nodes[&path].drv;
                // Downloads wait on the network, not on the cores: they have their own limit.
                let download = is_download(drv);
                let (limit, same_kind) = if download {
                    (DOWNLOADS, running.values().filter(|r| r.download).count())
                } else {
                    (jobs, running.values().filter(|r| !r.download).count())
                };
                if same_kind >= limit {
                    continue;
                }
                match try_start(store, &path, drv, opts, sandbox.as_ref(), &plan, &http) {
                    Ok(Start::Started(run, job)) => {
                        events(BuildEvent::Started {
                            drv: store.dir().display(&path),
                        });
                        let tx = tx.clone();
                        running.insert(path.clone(), run);
                        std::thread::spawn(move || job.run(tx));
                    }
                    Ok(Start::Busy) => busy = true,
                    Ok(Start::AlreadyValid) => {
                        events(BuildEvent::BuiltElsewhere {
                            drv: store.dir().display(&path),
                        });
                        finish(&mut waiting, &path);
                    }
                    Err(e) => {
                        failure = Some(e);
                        kill_all(&running);
                        break;
                    }
                }
            }
        }
        // Downloads cannot be killed like a process group, and a stalled one could hold an
        // interrupted build for minutes: the user's stop ends the build at once. What they
        // received stays in their partial files; nothing of theirs is registered.
        if interrupt.is_raised() && running.values().all(|r| r.download) {
            break;
        }
        if running.is_empty() {
            if failure.is_some() || waiting.is_empty() {
                break;
            }
            if busy {
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        }
        let msg = match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(m) => m,
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        };
        match msg {
            Message::Started { drv, pgid } => {
                if let Some(r) = running.get_mut(&drv) {
                    r.pgid = Some(pgid);
                }
                if failure.is_some() {
                    kill_all(&running);
                }
            }
            Message::Log { drv, line } => events(BuildEvent::Log {
                drv: store.dir().display(&drv),
                line,
            }),
            Message::Progress { drv, done, total } => events(BuildEvent::Downloading {
                drv: store.dir().display(&drv),
                done,
                total,
            }),
            Message::Done { drv, result } => {
                let Some(run) = running.remove(&drv) else {
                    continue;
                };
                let node = &plan.nodes[&drv];
                let result = result.and_then(|()| {
                    if failure.is_some() {
                        return Err(BuildError::Interrupted);
                    }
                    let inputs = input_closure(store, &node.drv, &plan)?;
                    outputs::register(store, &drv, &node.drv.output_paths(), &run.built, &inputs)
                });
                match result {
                    Ok(()) => {
                        events(BuildEvent::Built {
                            drv: store.dir().display(&drv),
                        });
                        finish(&mut waiting, &drv);
                    }
                    Err(e) => {
                        // Remove what the failed builder left, but never a valid path.
                        for (name, at) in &run.built {
                            let valid = node
                                .drv
                                .outputs
                                .get(name)
                                .and_then(|o| o.path.as_ref())
                                .is_some_and(|p| store.is_valid(p).unwrap_or(true));
                            if !valid {
                                let _ = outputs::remove_tree(at);
                            }
                        }
                        if failure.is_none() {
                            failure = Some(e);
                            kill_all(&running);
                        }
                    }
                }
                if let Some(root) = &run.sandbox_root {
                    let _ = outputs::remove_tree(root);
                }
                drop(run);
            }
        }
    }
    if let Some(sb) = &sandbox {
        sb.cleanup();
    }
    if let Some(e) = failure {
        return Err(e);
    }
    let mut realised = Realised::new();
    for goal in goals {
        let drv = &plan.known[&goal.drv];
        let outs = drv
            .output_paths()
            .into_iter()
            .filter(|(name, _)| goal.outputs.is_empty() || goal.outputs.contains(name));
        realised.entry(goal.drv.clone()).or_default().extend(outs);
    }
    Ok(realised)
}

/// Downloads run at the same time, whatever the number of build jobs.
const DOWNLOADS: usize = 8;

fn is_download(drv: &Derivation) -> bool {
    drv.builder == "builtin:fetchurl"
}

fn finish(waiting: &mut BTreeMap<StorePath, BTreeSet<StorePath>>, done: &StorePath) {
    waiting.remove(done);
    for deps in waiting.values_mut() {
        deps.remove(done);
    }
}

fn kill_all(running: &HashMap<StorePath, Running>) {
    for r in running.values() {
        if let Some(pgid) = r.pgid.filter(|p| *p > 0) {
            // SAFETY: kills a builder's own process group.
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
        }
    }
}

/// The store paths a build may refer to: the closure of its input sources and of the
/// outputs it uses of its input derivations.
fn input_closure(
    store: &Store,
    drv: &Derivation,
    plan: &Plan,
) -> Result<BTreeSet<StorePath>, BuildError> {
    let mut roots: BTreeSet<StorePath> = drv.input_srcs.clone();
    for (input, outs) in &drv.input_drvs {
        if let Some(d) = plan.known.get(input) {
            for o in outs {
                if let Some(p) = d.outputs.get(o).and_then(|o| o.path.clone()) {
                    roots.insert(p);
                }
            }
        }
    }
    Ok(store.closure(roots)?)
}

fn try_start(
    store: &mut Store,
    path: &StorePath,
    drv: &Derivation,
    opts: &BuildOptions,
    sandbox: Option<&Sandbox>,
    plan: &Plan,
    http: &ureq::Agent,
) -> Result<Start, BuildError> {
    let host = crate::eval::machine::default_system();
    if !drv.builder.starts_with("builtin:") && drv.platform != host && drv.platform != "builtin" {
        return Err(BuildError::WrongSystem {
            drv: store.dir().display(path),
            system: drv.platform.clone(),
            host,
        });
    }
    let out_paths = drv.output_paths();
    let locks_dir = store.state_dir().join("locks");
    let mut locks = Vec::new();
    for p in out_paths.values() {
        match lock::try_exclusive(&lock::path_lock_file(&locks_dir, p))? {
            Some(l) => locks.push(l),
            None => return Ok(Start::Busy),
        }
    }
    let mut all_valid = true;
    for p in out_paths.values() {
        if !store.is_valid(p)? {
            all_valid = false;
        }
    }
    if all_valid {
        return Ok(Start::AlreadyValid);
    }
    // Leftovers of an interrupted build are invalid and in the way; a valid output
    // (of a derivation only partly built) is never touched.
    for p in out_paths.values() {
        if !store.is_valid(p)? {
            outputs::remove_tree(&store.real_path(p))?;
        }
    }
    let is_builtin = drv.builder.starts_with("builtin:");
    let sandbox = match sandbox {
        Some(sb) if !is_builtin => {
            let inputs = input_closure(store, drv, plan)?;
            Some(sb.for_build(store, path, drv, &inputs)?)
        }
        _ => None,
    };
    let built: BTreeMap<String, PathBuf> = out_paths
        .iter()
        .map(|(name, p)| {
            let at = match &sandbox {
                Some(sb) => sb.output_location(store.dir(), p),
                None => store.real_path(p),
            };
            (name.clone(), at)
        })
        .collect();
    let sandbox_root = sandbox.as_ref().map(|sb| sb.root().to_path_buf());
    let job = Job {
        drv_path: path.clone(),
        drv: drv.clone(),
        dir: store.dir().clone(),
        outputs: built.clone(),
        log_file: store.log_file(path),
        cores: opts.cores,
        log_tail: opts.log_tail.max(1),
        sandbox,
        http: http.clone(),
        partial_dir: store.partial_dir(),
    };
    Ok(Start::Started(
        Running {
            pgid: None,
            download: is_download(drv),
            _locks: locks,
            built,
            sandbox_root,
        },
        Box::new(job),
    ))
}
