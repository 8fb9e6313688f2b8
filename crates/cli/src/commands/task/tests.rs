//! Task tables rendered from fixed tasks.

use super::*;
use shoal_api::{TaskState, TaskStatus};

const NOW: Timestamp = Timestamp(1_700_000_000_000_000_000);

fn secs(n: i64) -> Timestamp {
    Timestamp(NOW.0 - n * 1_000_000_000)
}

fn task(
    id: &str,
    slot: u64,
    node: &str,
    state: TaskState,
    desired: TaskState,
    created: i64,
    age: i64,
) -> Task {
    let mut t = Task {
        id: id.into(),
        service_id: "svc".into(),
        slot,
        node_id: node.into(),
        desired_state: desired,
        created_at: secs(created),
        status: TaskStatus {
            state,
            timestamp: secs(age),
            ..Default::default()
        },
        ..Default::default()
    };
    t.spec.container_spec.image = "busybox:latest@sha256:abc".into();
    t
}

fn names() -> Names {
    Names {
        services: HashMap::from([("svc".to_string(), "web".to_string())]),
        nodes: HashMap::from([("n1".to_string(), "node-1".to_string())]),
    }
}

fn tasks() -> Vec<Task> {
    let mut failed = task(
        "aaaaaaaaaaaaaaaaaaaaaaaaa",
        1,
        "n1",
        TaskState::Failed,
        TaskState::Shutdown,
        300,
        200,
    );
    failed.status.err = "task: non-zero exit (1)".into();
    vec![
        task(
            "ccccccccccccccccccccccccc",
            10,
            "n1",
            TaskState::Running,
            TaskState::Running,
            100,
            100,
        ),
        failed,
        task(
            "bbbbbbbbbbbbbbbbbbbbbbbbb",
            1,
            "n1",
            TaskState::Running,
            TaskState::Running,
            60,
            5,
        ),
        task(
            "ddddddddddddddddddddddddd",
            2,
            "",
            TaskState::Pending,
            TaskState::Running,
            10,
            0,
        ),
    ]
}

#[test]
fn default_table_with_history() {
    let out = render(&tasks(), &names(), &PrintOpts::default(), NOW).unwrap();
    assert_eq!(
        out,
        "ID             NAME        IMAGE            NODE      DESIRED STATE   CURRENT STATE                    ERROR                       PORTS\n\
         bbbbbbbbbbbb   web.1       busybox:latest   node-1    Running         Running 5 seconds ago                                        \n\
         aaaaaaaaaaaa    \\_ web.1   busybox:latest   node-1    Shutdown        Failed 3 minutes ago             \"task: non-zero exit (1)\"   \n\
         dddddddddddd   web.2       busybox:latest             Running         Pending less than a second ago                               \n\
         cccccccccccc   web.10      busybox:latest   node-1    Running         Running about a minute ago                                   \n"
    );
}

#[test]
fn quiet_and_no_trunc() {
    // `service ps -q` asks for whole IDs; `node ps -q` does not.
    let quiet = PrintOpts {
        quiet: true,
        no_trunc: true,
        ..Default::default()
    };
    assert_eq!(
        render(&tasks(), &names(), &quiet, NOW).unwrap(),
        "bbbbbbbbbbbbbbbbbbbbbbbbb\naaaaaaaaaaaaaaaaaaaaaaaaa\nddddddddddddddddddddddddd\nccccccccccccccccccccccccc\n"
    );
    let full = PrintOpts {
        no_trunc: true,
        format: "{{.ID}} {{.Name}} {{.Image}}".into(),
        ..Default::default()
    };
    let out = render(&tasks(), &names(), &full, NOW).unwrap();
    // Not a table: no indentation of history.
    assert!(out.starts_with("bbbbbbbbbbbbbbbbbbbbbbbbb web.1 busybox:latest@sha256:abc\naaaaaaaaaaaaaaaaaaaaaaaaa web.1 "), "{out}");
}

#[test]
fn global_names_and_long_errors() {
    let mut t = task(
        "eeeeeeeeeeeeeeeeeeeeeeeee",
        0,
        "n1",
        TaskState::Rejected,
        TaskState::Shutdown,
        0,
        0,
    );
    t.status.err = "no suitable node (scheduling constraints not satisfied on 1 node)".into();
    let opts = PrintOpts {
        format: "{{.Name}}|{{.Error}}|{{.CurrentState}}".into(),
        ..Default::default()
    };
    assert_eq!(
        render(&[t], &names(), &opts, NOW).unwrap(),
        "web.n1|\"no suitable node (scheduling …\"|Rejected less than a second ago\n"
    );
}

#[test]
fn host_ports() {
    let mut t = task("f", 1, "n1", TaskState::Running, TaskState::Running, 0, 0);
    t.status.port_status = serde_json::from_value(serde_json::json!({"Ports": [{"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 30000, "PublishMode": "host"}]})).expect("ports");
    let opts = PrintOpts {
        format: "{{.Ports}}".into(),
        ..Default::default()
    };
    assert_eq!(
        render(&[t], &names(), &opts, NOW).unwrap(),
        "*:30000->80/tcp\n"
    );
}
