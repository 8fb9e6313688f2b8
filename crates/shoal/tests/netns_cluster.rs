//! Clusters on the network-namespace test bed (`common/testbed.rs`): every node has its own
//! namespace and address, links are cut and healed for real. Joining with tokens, `kill -9`
//! of the leader, a partition cutting a manager off, a worker cut off, draining nodes then
//! restarting the whole cluster, a backup restored with `--force-new-cluster`. After each,
//! no committed service is lost and every service converges again.
//!
//! Without network namespaces the nodes run on loopback addresses and the tests that cut
//! links say they skipped.

mod common;

use common::testbed::{node_states, nodes_json, skip_without_netns, TestBed};
use common::{rows, urlencode, wait_for, Daemon};
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

const MANAGERS: [&str; 3] = ["m1", "m2", "m3"];

const NO_LEADER: &str = "The swarm does not have a leader. It's possible that too few managers are online. Make sure more than half of the managers are online.";

/// A replicated service running `sleep ARG`; ARG is unique in this file, so its processes
/// can be counted.
#[derive(Clone, Copy)]
struct Svc {
    name: &'static str,
    replicas: usize,
    arg: &'static str,
}

/// One test at a time: each runs five daemons whose failure detection is tied to a 1 s
/// heartbeat, and the machine may have two cores shared with builds.
fn serial(test: &str) -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    step(&format!("start of {test}"));
    guard
}

/// Logs a step with the time since the first one (shown when a test fails).
fn step(what: &str) {
    static T0: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let t0 = T0.get_or_init(std::time::Instant::now);
    eprintln!("[{:6.2}s] {what}", t0.elapsed().as_secs_f64());
}

fn create(n: &Daemon, s: Svc) {
    n.shoal_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        s.name,
        "--replicas",
        &s.replicas.to_string(),
        "busybox",
        "sleep",
        s.arg,
    ]);
}

fn tasks(n: &Daemon, service: &str) -> Vec<Value> {
    let filter = format!(r#"{{"service":{{"{service}":true}}}}"#);
    let (status, body) = n.http(
        "GET",
        &format!("/tasks?filters={}", urlencode(&filter)),
        None,
    );
    if status != 200 {
        return Vec::new();
    }
    serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
}

/// Node id -> hostname, as `n` sees the nodes.
fn hostnames(n: &Daemon) -> Vec<(String, String)> {
    common::testbed::nodes_json(n)
        .iter()
        .map(|x| {
            (
                x["ID"].as_str().unwrap_or_default().to_string(),
                x["Description"]["Hostname"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect()
}

/// Hostnames of the nodes running tasks of `service` that are meant to run.
fn task_hosts(n: &Daemon, service: &str) -> Vec<String> {
    let names = hostnames(n);
    let mut hosts: Vec<String> = tasks(n, service)
        .iter()
        .filter(|t| t["Status"]["State"] == "running" && t["DesiredState"] == "running")
        .map(|t| {
            let id = t["NodeID"].as_str().unwrap_or_default();
            names
                .iter()
                .find(|(i, _)| i == id)
                .map_or(id.to_string(), |(_, h)| h.clone())
        })
        .collect();
    hosts.sort();
    hosts
}

/// Whether `via` shows exactly `svcs`, each with its replica count of tasks running. `strict`
/// (when every live node is connected): also no task still running on a ready node that
/// should have stopped, and exactly `replicas` live `sleep ARG` processes on the machine.
/// (A node that is down keeps its tasks' last reported state, as in Docker.)
fn convergence(bed: &TestBed, via: &Daemon, svcs: &[Svc], strict: bool) -> Result<(), String> {
    let (status, body) = via.http("GET", "/services", None);
    if status != 200 {
        return Err(format!("GET /services: {status} {body}"));
    }
    let list: Vec<Value> = serde_json::from_str(&body).map_err(|e| e.to_string())?;
    let names: BTreeSet<&str> = list
        .iter()
        .filter_map(|s| s["Spec"]["Name"].as_str())
        .collect();
    let want: BTreeSet<&str> = svcs.iter().map(|s| s.name).collect();
    if names != want {
        return Err(format!("services {names:?}, expected {want:?}"));
    }
    for s in svcs {
        let spec = list
            .iter()
            .find(|x| x["Spec"]["Name"] == s.name)
            .map(|x| x["Spec"].clone())
            .unwrap_or_default();
        if spec["Mode"]["Replicated"]["Replicas"] != s.replicas {
            return Err(format!("{}: spec {}", s.name, spec["Mode"]));
        }
        let ts = tasks(via, s.name);
        let meant = ts
            .iter()
            .filter(|t| t["Status"]["State"] == "running" && t["DesiredState"] == "running")
            .count();
        if meant != s.replicas {
            return Err(format!("{}: {meant} running tasks", s.name));
        }
        if strict {
            let ready: Vec<String> = common::testbed::nodes_json(via)
                .iter()
                .filter(|n| n["Status"]["State"] == "ready")
                .filter_map(|n| n["ID"].as_str().map(str::to_string))
                .collect();
            let stale = ts
                .iter()
                .filter(|t| t["Status"]["State"] == "running" && t["DesiredState"] != "running")
                .filter(|t| ready.iter().any(|id| t["NodeID"] == id.as_str()))
                .count();
            if stale != 0 {
                return Err(format!(
                    "{}: {stale} tasks still running on ready nodes, meant to stop",
                    s.name
                ));
            }
            let procs = bed.count_processes(&["sleep", s.arg]);
            if procs != s.replicas {
                return Err(format!("{}: {procs} `sleep {}` processes", s.name, s.arg));
            }
        }
    }
    Ok(())
}

/// Waits until every manager in `via` shows exactly `svcs`, converged.
fn converged(bed: &TestBed, via: &[&str], svcs: &[Svc], strict: bool) {
    let names: Vec<&str> = svcs.iter().map(|s| s.name).collect();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let Err(last) = via.iter().try_for_each(|m| {
            convergence(bed, &bed[m], svcs, strict).map_err(|e| format!("{m}: {e}"))
        }) else {
            step(&format!("{names:?} converged on {via:?}"));
            return;
        };
        assert!(
            std::time::Instant::now() < deadline,
            "services {names:?} did not converge on {via:?}: {last}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether `n` itself says it leads (its own entry in its `GET /nodes`).
fn claims_leadership(n: &Daemon) -> bool {
    let (status, body) = n.http("GET", "/info", None);
    let Some(id) = serde_json::from_str::<Value>(&body)
        .ok()
        .filter(|_| status == 200)
        .and_then(|v| v["Swarm"]["NodeID"].as_str().map(str::to_string))
    else {
        return false;
    };
    let (status, body) = n.http("GET", &format!("/nodes/{id}"), None);
    status == 200
        && serde_json::from_str::<Value>(&body).is_ok_and(|v| v["ManagerStatus"]["Leader"] == true)
}

/// Waits until exactly one of the managers `via` leads, by its own account; returns it.
fn leader_among(bed: &TestBed, via: &[&str]) -> String {
    let mut leader = String::new();
    wait_for(
        &format!("one leader among {via:?}"),
        Duration::from_secs(30),
        || {
            let leading: Vec<&&str> = via.iter().filter(|m| claims_leadership(&bed[m])).collect();
            if let [l] = leading.as_slice() {
                leader = l.to_string();
            }
            leading.len() == 1
        },
    );
    step(&format!("{leader} leads among {via:?}"));
    leader
}

/// `host`'s node state and version index as `via` shows them ("", 0 when unknown).
fn node_version(via: &Daemon, host: &str) -> (String, u64) {
    nodes_json(via)
        .into_iter()
        .find(|x| x["Description"]["Hostname"] == host)
        .map(|x| {
            (
                x["Status"]["State"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                x["Version"]["Index"].as_u64().unwrap_or(0),
            )
        })
        .unwrap_or_default()
}

fn state_of(via: &Daemon, host: &str) -> Option<(String, String, bool)> {
    node_states(via)
        .into_iter()
        .find(|(h, ..)| h == host)
        .map(|(_, s, r, l)| (s, r, l))
}

#[test]
fn managers_and_workers_join_with_tokens_each_on_its_own_address() {
    let _serial = serial("managers_and_workers_join_with_tokens_each_on_its_own_address");
    let mut bed = TestBed::new();
    for h in ["m1", "m2", "m3", "w1", "w2"] {
        bed.add(h);
    }
    bed.init("m1");
    bed.join("m2", "m1", true);
    bed.join("m3", "m1", true);
    bed.join("w1", "m1", false);
    bed.wait_formed("m1", 4, Duration::from_secs(30));

    // Wrong tokens are refused with the daemon's words and change nothing.
    let token = bed["m1"].shoal_ok(&["swarm", "join-token", "-q", "worker"]);
    let digest = token.trim().split('-').nth(2).expect("token digest");
    let bad_secret = format!("SWMTKN-1-{digest}-{}", "0".repeat(25));
    let other_ca = format!("SWMTKN-1-{}-{}", "1".repeat(digest.len()), "0".repeat(25));
    for (bad, via, words) in [
        (
            &bad_secret,
            "m1",
            "A valid join token is necessary to join this cluster",
        ),
        (
            &bad_secret,
            "m2",
            "A valid join token is necessary to join this cluster",
        ),
        (&other_ca, "m3", "does not match the join token"),
    ] {
        let w2 = &bed["w2"];
        let a = w2.addr();
        let out = w2.shoal(&[
            "swarm",
            "join",
            "--token",
            bad,
            "--advertise-addr",
            &a,
            &bed[via].addr(),
        ]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "joined with {bad}");
        assert!(err.contains(words), "join via {via} with {bad}: {err}");
    }
    for m in ["m1", "m2", "m3"] {
        assert_eq!(node_states(&bed[m]).len(), 4, "nodes seen by {m}");
    }
    let info = bed["w2"].shoal_ok(&["info"]);
    assert!(info.contains("Swarm: inactive"), "{info}");

    // The right token, through a manager that is not the leader.
    bed.join("w2", "m3", false);
    bed.wait_formed("m2", 5, Duration::from_secs(30));

    // Each node is known by its own address (the namespace's).
    let nodes = common::testbed::nodes_json(&bed["m3"]);
    for n in bed.nodes() {
        let x = nodes
            .iter()
            .find(|x| x["Description"]["Hostname"] == n.hostname.as_str())
            .unwrap_or_else(|| panic!("{} missing", n.hostname));
        // A worker is known by the address its connection comes from; on the loopback
        // fallback that is 127.0.0.1 whatever it advertises.
        if bed.netns() || n.hostname.starts_with('m') {
            assert_eq!(x["Status"]["Addr"], n.ip.as_str(), "{x}");
        }
        // (ManagerStatus.Addr: see managers_show_their_address_and_the_leader_everywhere.)
        assert_eq!(
            x["ManagerStatus"].is_null(),
            n.hostname.starts_with('w'),
            "{x}"
        );
    }

    // Tasks spread over all five nodes, across the namespaces.
    let web = Svc {
        name: "web",
        replicas: 5,
        arg: "200001",
    };
    create(&bed["m2"], web);
    converged(&bed, &["m1", "m2", "m3"], &[web], true);
    assert_eq!(
        task_hosts(&bed["m1"], "web"),
        ["m1", "m2", "m3", "w1", "w2"]
    );
}

#[test]
fn a_new_leader_takes_over_after_kill_9_and_the_old_one_rejoins() {
    let _serial = serial("a_new_leader_takes_over_after_kill_9_and_the_old_one_rejoins");
    let mut bed = TestBed::swarm(3, 1);
    let web = Svc {
        name: "web",
        replicas: 3,
        arg: "200011",
    };
    create(&bed["m2"], web);
    converged(&bed, &["m1", "m2", "m3"], &[web], true);
    let spec = bed["m3"].get_json("/services/web")["Spec"].clone();

    let old = leader_among(&bed, &["m1", "m2", "m3"]);
    step(&format!("kill -9 {old}"));
    bed.kill(&old);
    let survivors: Vec<&str> = ["m1", "m2", "m3"]
        .into_iter()
        .filter(|m| *m != old)
        .collect();
    let new = leader_among(&bed, &survivors);
    assert_ne!(new, old);
    wait_for(
        &format!("{old} unreachable and down"),
        Duration::from_secs(30),
        || {
            state_of(&bed[survivors[0]], &old)
                .is_some_and(|(s, r, _)| s == "down" && r == "unreachable")
        },
    );
    assert_eq!(bed[survivors[1]].get_json("/services/web")["Spec"], spec);

    // Writes through both survivors (one of them a follower).
    let web = Svc { replicas: 4, ..web };
    bed[survivors[0]].shoal_ok(&["service", "scale", "-d", "web=4"]);
    let after = Svc {
        name: "after",
        replicas: 2,
        arg: "200012",
    };
    create(&bed[survivors[1]], after);
    converged(&bed, &survivors, &[web, after], true);
    assert!(!task_hosts(&bed[survivors[0]], "web").contains(&old));

    // The old leader comes back as a follower; node ls shows it Reachable.
    step(&format!("restart {old}"));
    bed.restart(&old);
    wait_for(
        &format!("{old} Reachable in node ls"),
        Duration::from_secs(30),
        || {
            survivors.iter().all(|m| {
                let out = bed[m].shoal_ok(&["node", "ls"]);
                rows(&out)
                    .iter()
                    .any(|r| r.len() > 4 && r[1] == old && r[2] == "Ready" && r[4] == "Reachable")
            })
        },
    );
    leader_among(&bed, &["m1", "m2", "m3"]);
    bed.wait_formed(&old, 4, Duration::from_secs(30));
    converged(&bed, &["m1", "m2", "m3"], &[web, after], true);
}

#[test]
fn a_manager_cut_off_refuses_writes_and_catches_up_when_healed() {
    if skip_without_netns("a_manager_cut_off_refuses_writes_and_catches_up_when_healed") {
        return;
    }
    let _serial = serial("a_manager_cut_off_refuses_writes_and_catches_up_when_healed");
    let bed = TestBed::swarm(3, 1);
    let web = Svc {
        name: "web",
        replicas: 4,
        arg: "200021",
    };
    create(&bed["m1"], web);
    converged(&bed, &["m1", "m2", "m3"], &[web], true);

    // Cut the leader off: the two others elect one of them and keep taking writes.
    let cut = leader_among(&bed, &["m1", "m2", "m3"]);
    step(&format!("cut {cut}"));
    bed.cut(&cut);
    let majority: Vec<&str> = ["m1", "m2", "m3"]
        .into_iter()
        .filter(|m| *m != cut)
        .collect();
    leader_among(&bed, &majority);
    let during = Svc {
        name: "during",
        replicas: 2,
        arg: "200022",
    };
    create(&bed[majority[0]], during);
    bed[majority[1]].shoal_ok(&["service", "scale", "-d", "web=5"]);
    let web = Svc { replicas: 5, ..web };
    converged(&bed, &majority, &[web, during], false);

    minority_refuses_writes_and_reads(&bed, &cut, "200023");

    // Healed, it catches up with what the majority wrote, and nothing it refused appears.
    step(&format!("heal {cut}"));
    bed.heal(&cut);
    wait_for(
        &format!("{cut} to see the service created during the partition"),
        Duration::from_secs(30),
        || bed[&cut].http("GET", "/services/during", None).0 == 200,
    );
    bed.wait_formed(&cut, 4, Duration::from_secs(30));
    converged(&bed, &["m1", "m2", "m3"], &[web, during], true);

    // Now a follower cut off: its writes, forwarded to a leader it cannot reach, are refused
    // too, while the leader and the other follower carry on.
    let leader = leader_among(&bed, &["m1", "m2", "m3"]);
    let follower = ["m1", "m2", "m3"]
        .into_iter()
        .find(|m| *m != leader)
        .expect("a follower");
    step(&format!("cut {follower}"));
    bed.cut(follower);
    let majority: Vec<&str> = ["m1", "m2", "m3"]
        .into_iter()
        .filter(|m| *m != follower)
        .collect();
    let later = Svc {
        name: "later",
        replicas: 1,
        arg: "200024",
    };
    create(&bed[&leader], later);
    converged(&bed, &majority, &[web, during, later], false);
    minority_refuses_writes_and_reads(&bed, follower, "200025");
    step(&format!("heal {follower}"));
    bed.heal(follower);
    wait_for(
        &format!("{follower} to see the service created while it was cut off"),
        Duration::from_secs(30),
        || bed[follower].http("GET", "/services/later", None).0 == 200,
    );
    bed.wait_formed(follower, 4, Duration::from_secs(30));
    converged(&bed, &["m1", "m2", "m3"], &[web, during, later], true);
}

/// A manager cut off from the majority refuses writes with Docker's words (once it notices:
/// polled) and still answers reads.
fn minority_refuses_writes_and_reads(bed: &TestBed, cut: &str, arg: &str) {
    let body = format!(
        r#"{{"Name":"refused-{arg}","TaskTemplate":{{"ContainerSpec":{{"Image":"busybox","Args":["sleep","{arg}"]}}}}}}"#
    );
    let mut last = (0, String::new());
    wait_for(
        &format!("{cut} to refuse writes with 503"),
        Duration::from_secs(60),
        || {
            last = bed[cut].http("POST", "/services/create", Some(&body));
            last.0 == 503
        },
    );
    assert!(last.1.contains(NO_LEADER), "{last:?}");
    step(&format!("{cut} refuses writes"));
    let out = bed[cut].shoal(&["service", "scale", "-d", "web=7"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(NO_LEADER),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (status, services) = bed[cut].http("GET", "/services", None);
    assert_eq!(status, 200, "{services}");
    assert!(services.contains("\"web\""), "{services}");
    assert_eq!(bed[cut].http("GET", "/nodes", None).0, 200);
}

#[test]
fn a_worker_cut_off_is_replaced_and_comes_back() {
    if skip_without_netns("a_worker_cut_off_is_replaced_and_comes_back") {
        return;
    }
    let _serial = serial("a_worker_cut_off_is_replaced_and_comes_back");
    let bed = TestBed::swarm(3, 2);
    let web = Svc {
        name: "web",
        replicas: 5,
        arg: "200031",
    };
    create(&bed["m1"], web);
    converged(&bed, &["m1", "m2", "m3"], &[web], true);
    assert!(task_hosts(&bed["m1"], "web").contains(&"w1".to_string()));

    step("cut w1");
    bed.cut("w1");
    wait_for("w1 down", Duration::from_secs(30), || {
        state_of(&bed["m2"], "w1").is_some_and(|(s, ..)| s == "down")
    });
    wait_for(
        "five running tasks, none on w1",
        Duration::from_secs(30),
        || {
            let hosts = task_hosts(&bed["m1"], "web");
            hosts.len() == 5 && !hosts.contains(&"w1".to_string())
        },
    );
    // w1 kept its task running, unseen: six processes for now.
    assert_eq!(bed.count_processes(&["sleep", web.arg]), 6);

    step("heal w1");
    bed.heal("w1");
    wait_for("w1 ready again", Duration::from_secs(30), || {
        state_of(&bed["m3"], "w1").is_some_and(|(s, ..)| s == "ready")
    });
    converged(&bed, &["m1", "m2", "m3"], &[web], true);
}

/// Managers that join are registered (hostname, ready), every manager's `node ls` names each
/// manager with its `ip:port` and agrees on the leader, also after a failover. Joins three
/// managers on four fresh beds, since what breaks it is a race.
#[test]
fn managers_show_their_address_and_the_leader_everywhere() {
    let _serial = serial("managers_show_their_address_and_the_leader_everywhere");
    let mut problems = Vec::new();
    for round in 0..4 {
        step(&format!("round {round}"));
        let mut bed = TestBed::new();
        let managers = ["m1", "m2", "m3"];
        for m in managers {
            bed.add(m);
        }
        bed.init("m1");
        bed.join("m2", "m1", true);
        bed.join("m3", "m1", true);
        let registered = || {
            node_states(&bed["m1"])
                .iter()
                .all(|(h, s, ..)| !h.is_empty() && s == "ready")
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !registered() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        if !registered() {
            problems.push(format!(
                "round {round}: a joined manager never shows as registered: {:?}",
                node_states(&bed["m1"])
            ));
            continue;
        }
        // Followers read their own copy of the state: give each a moment to catch up.
        for m in managers {
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            loop {
                let nodes = common::testbed::nodes_json(&bed[m]);
                let wrong: Vec<String> = bed
                    .nodes()
                    .filter_map(|n| {
                        let x = nodes
                            .iter()
                            .find(|x| x["Description"]["Hostname"] == n.hostname.as_str());
                        let addr = x.map(|x| x["ManagerStatus"]["Addr"].clone());
                        (addr.as_ref().and_then(Value::as_str) != Some(n.addr().as_str())).then(
                            || {
                                format!(
                                    "round {round}: {m} shows {}'s ManagerStatus.Addr as {addr:?}, not {}",
                                    n.hostname,
                                    n.addr()
                                )
                            },
                        )
                    })
                    .collect();
                if wrong.is_empty() {
                    break;
                }
                if std::time::Instant::now() > deadline {
                    problems.extend(wrong);
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let old = leader_among(&bed, &managers);
        bed.kill(&old);
        let survivors: Vec<&str> = managers.into_iter().filter(|m| *m != old).collect();
        let new = leader_among(&bed, &survivors);
        for m in &survivors {
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while bed.leader(m).as_deref() != Some(new.as_str()) {
                if std::time::Instant::now() > deadline {
                    problems.push(format!(
                        "round {round}: {new} leads but {m}'s node ls shows {:?} as leader",
                        bed.leader(m)
                    ));
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The swarm's id and every node's (hostname, id), as `via` sees them: what must survive a
/// restart of the whole cluster.
fn identity(via: &Daemon) -> (String, Vec<(String, String)>) {
    let swarm = via.get_json("/swarm")["ID"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut nodes: Vec<(String, String)> =
        hostnames(via).into_iter().map(|(i, h)| (h, i)).collect();
    nodes.sort();
    (swarm, nodes)
}

/// A node's `Spec.Availability` as `via` sees it.
fn availability(via: &Daemon, host: &str) -> String {
    nodes_json(via)
        .iter()
        .find(|x| x["Description"]["Hostname"] == host)
        .and_then(|x| x["Spec"]["Availability"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// Drains `host` through `via` and waits until none of `svc`'s tasks runs there any more, by
/// the managers' account and by its processes, and `svc` has converged elsewhere.
fn drain(bed: &TestBed, via: &str, host: &str, svc: Svc) {
    step(&format!("drain {host}"));
    bed[via].shoal_ok(&["node", "update", "--availability", "drain", host]);
    wait_for(
        &format!("{}'s tasks to leave {host}", svc.name),
        Duration::from_secs(30),
        || {
            let hosts = task_hosts(&bed["m1"], svc.name);
            hosts.len() == svc.replicas
                && !hosts.iter().any(|h| h == host)
                && bed.count_processes_on(host, &["sleep", svc.arg]) == 0
        },
    );
    converged(bed, &MANAGERS, &[svc], true);
    assert_eq!(availability(&bed["m1"], host), "drain");
}

#[test]
fn drained_nodes_hand_their_tasks_over_and_the_whole_cluster_restarts() {
    let _serial = serial("drained_nodes_hand_their_tasks_over_and_the_whole_cluster_restarts");
    let mut bed = TestBed::swarm(3, 2);
    let web = Svc {
        name: "web",
        replicas: 5,
        arg: "200041",
    };
    create(&bed["m1"], web);
    converged(&bed, &MANAGERS, &[web], true);
    assert_eq!(
        task_hosts(&bed["m1"], "web"),
        ["m1", "m2", "m3", "w1", "w2"]
    );

    // A drained worker: its task moves to another node and its process stops.
    drain(&bed, "m2", "w1", web);

    // Active again, it takes tasks again: scaled up, the new task goes to the node with the
    // fewest tasks of the service, w1.
    step("activate w1");
    bed["m3"].shoal_ok(&["node", "update", "--availability", "active", "w1"]);
    assert_eq!(availability(&bed["m1"], "w1"), "active");
    bed["m1"].shoal_ok(&["service", "scale", "-d", "web=6"]);
    let web = Svc { replicas: 6, ..web };
    converged(&bed, &MANAGERS, &[web], true);
    assert!(task_hosts(&bed["m2"], "web").contains(&"w1".to_string()));
    assert_eq!(bed.count_processes_on("w1", &["sleep", web.arg]), 1);

    // A drained manager: it keeps managing, runs no task, and stays drained through the
    // restart below.
    drain(&bed, "m1", "m3", web);
    let api = Svc {
        name: "api",
        replicas: 2,
        arg: "200042",
    };
    create(&bed["m3"], api);
    converged(&bed, &MANAGERS, &[web, api], true);
    let before = identity(&bed["m1"]);
    let old_tasks: Vec<Value> = [web, api]
        .iter()
        .flat_map(|s| tasks(&bed["m1"], s.name))
        .map(|t| t["ID"].clone())
        .collect();

    // The whole cluster restarts: every daemon kill -9'd (their tasks die with them), then
    // started again on its data dir, and nothing typed.
    step("kill -9 every daemon");
    bed.kill_all();
    wait_for("every task process gone", Duration::from_secs(10), || {
        bed.count_processes(&["sleep", web.arg]) == 0
            && bed.count_processes(&["sleep", api.arg]) == 0
    });
    step("restart every daemon");
    bed.restart_all();
    leader_among(&bed, &MANAGERS);
    for m in MANAGERS {
        bed.wait_formed(m, 5, Duration::from_secs(30));
        assert_eq!(identity(&bed[m]), before, "the cluster seen by {m}");
    }
    step("formed again");
    // The task processes died with their daemons: the services converge again only if raft,
    // the orchestrators, the dispatchers and every agent came back, with new tasks.
    converged(&bed, &MANAGERS, &[web, api], true);
    wait_for(
        "every running task to be a new one",
        Duration::from_secs(30),
        || {
            [web, api].iter().all(|s| {
                let now: Vec<Value> = tasks(&bed["m2"], s.name)
                    .into_iter()
                    .filter(|t| t["Status"]["State"] == "running" && t["DesiredState"] == "running")
                    .collect();
                now.len() == s.replicas && now.iter().all(|t| !old_tasks.contains(&t["ID"]))
            })
        },
    );
    converged(&bed, &MANAGERS, &[web, api], true);
    for h in ["m1", "m2", "w1", "w2"] {
        let procs: usize = [web, api]
            .iter()
            .map(|s| bed.count_processes_on(h, &["sleep", s.arg]))
            .sum();
        assert!(procs > 0, "{h} runs no task after the restart");
    }
    assert_eq!(availability(&bed["m2"], "m3"), "drain");
    assert_eq!(availability(&bed["m2"], "w1"), "active");
    for s in [web, api] {
        assert!(!task_hosts(&bed["m2"], s.name).contains(&"m3".to_string()));
        assert_eq!(bed.count_processes_on("m3", &["sleep", s.arg]), 0);
    }
}

#[test]
fn a_backup_restored_with_force_new_cluster_brings_services_and_the_worker_back() {
    let _serial =
        serial("a_backup_restored_with_force_new_cluster_brings_services_and_the_worker_back");
    let mut bed = TestBed::swarm(3, 1);
    let web = Svc {
        name: "web",
        replicas: 4,
        arg: "200051",
    };
    let api = Svc {
        name: "api",
        replicas: 2,
        arg: "200052",
    };
    create(&bed["m1"], web);
    create(&bed["m2"], api);
    converged(&bed, &MANAGERS, &[web, api], true);
    let (swarm, _) = identity(&bed["m1"]);

    // The backup: m1 stopped cleanly, its data dir copied, m1 started again.
    step("stop m1 for a backup");
    let before = node_version(&bed["m2"], "m1");
    let status = bed.terminate("m1");
    assert!(status.success(), "m1's clean stop: {status:?}");
    let backup = tempfile::tempdir().expect("tempdir");
    let saved = backup.path().join("m1-data");
    bed.copy_data_dir("m1", &saved);
    bed.restart("m1");
    // m1's "ready" from before the stop proves nothing: wait until its agent registered
    // again (the registration rewrites its node: a newer version, ready).
    wait_for("m1 registered again", Duration::from_secs(30), || {
        let (st, v) = node_version(&bed["m2"], "m1");
        st == "ready" && v > before.1
    });
    bed.wait_formed("m2", 4, Duration::from_secs(30));
    converged(&bed, &MANAGERS, &[web, api], true);
    // Written after the backup: lost with the managers; one of its tasks runs on w1.
    let lost = Svc {
        name: "lost",
        replicas: 4,
        arg: "200054",
    };
    create(&bed["m3"], lost);
    converged(&bed, &MANAGERS, &[web, api, lost], true);
    // At least one on w1, so that the worker's clean-up below is exercised. Not exactly one:
    // the spread depends on which nodes the leader holds ready at that moment, and a just
    // restarted manager can be marked down for a few seconds (it serves node RPC only after
    // its catch-up wait; see docs/architecture.md), which is not what this test is about.
    assert!(bed.count_processes_on("w1", &["sleep", lost.arg]) >= 1);

    // The disaster: every manager dies and loses its data; m1 gets the backup back, on the
    // same address, and alone has no quorum until forced.
    step("kill -9 every manager");
    for m in MANAGERS {
        bed.kill(m);
    }
    bed.wipe_data_dir("m2");
    bed.wipe_data_dir("m3");
    bed.restore_data_dir("m1", &saved);
    step("restore m1 from the backup");
    bed.restart("m1");
    let out = bed["m1"].shoal_ok(&["swarm", "init", "--force-new-cluster"]);
    assert!(out.contains("Swarm initialized"), "{out}");
    step("forced a new cluster");
    assert_eq!(identity(&bed["m1"]).0, swarm);
    wait_for(
        "m1 leading, m2 and m3 down and unreachable, w1 ready",
        Duration::from_secs(30),
        || {
            let n = node_states(&bed["m1"]);
            let is = |h: &str, st: &str, r: &str, l: bool| {
                n.iter().any(|x| x == &(h.into(), st.into(), r.into(), l))
            };
            n.len() == 4
                && is("m1", "ready", "reachable", true)
                && is("m2", "down", "unreachable", false)
                && is("m3", "down", "unreachable", false)
                && is("w1", "ready", "", false)
        },
    );
    step("w1 back");
    converged(&bed, &["m1"], &[web, api], true);
    // What was written after the backup is gone, and w1 stops the task it had of it.
    wait_for(
        "w1 to stop the task of the service the backup does not know",
        Duration::from_secs(30),
        || bed.count_processes(&["sleep", lost.arg]) == 0,
    );

    // Writes commit on the new single-manager raft.
    bed["m1"].shoal_ok(&["service", "scale", "-d", "web=5"]);
    let web = Svc { replicas: 5, ..web };
    converged(&bed, &["m1"], &[web, api], true);

    // New tasks go to the worker too: its agent is connected to the new cluster.
    let after = Svc {
        name: "after",
        replicas: 2,
        arg: "200053",
    };
    create(&bed["m1"], after);
    converged(&bed, &["m1"], &[web, api, after], true);
    assert_eq!(task_hosts(&bed["m1"], "after"), ["m1", "w1"]);
    assert_eq!(bed.count_processes_on("w1", &["sleep", after.arg]), 1);

    // The dead managers are no voters any more: demoted, then removed.
    bed["m1"].shoal_ok(&["node", "demote", "m2", "m3"]);
    bed["m1"].shoal_ok(&["node", "rm", "m2", "m3"]);
    let mut left: Vec<String> = node_states(&bed["m1"])
        .into_iter()
        .map(|(h, ..)| h)
        .collect();
    left.sort();
    assert_eq!(left, ["m1", "w1"]);
    converged(&bed, &["m1"], &[web, api, after], true);
}
