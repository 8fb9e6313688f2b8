//! The typed model keeps what clients send: any service spec shaped like what the docker CLI
//! or docker-py send (every member shoal acts on, in any combination, plus members it does not
//! know) serializes back to the same JSON, so `inspect` returns what was created.

use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use shoal_api::ServiceSpec;

fn word() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_./-]{0,11}"
}

fn labels() -> impl Strategy<Value = Value> {
    btree_map(word(), "[ -~]{0,8}", 0..3).prop_map(|m| json!(m))
}

/// Builds an object from optional members: absent ones are left out, as Go's `omitempty`.
fn object(members: Vec<(&str, Option<Value>)>) -> Value {
    let m: Map<String, Value> = members
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_string(), v?)))
        .collect();
    Value::Object(m)
}

/// A member shoal has no field for, which must pass through untouched.
fn unknown() -> impl Strategy<Value = Option<Value>> {
    option::of(prop_oneof![
        any::<bool>().prop_map(Value::from),
        word().prop_map(Value::from),
        labels(),
    ])
}

fn nanos() -> impl Strategy<Value = Option<Value>> {
    option::of((0i64..1_000_000_000_000).prop_map(Value::from))
}

fn health() -> impl Strategy<Value = Value> {
    (
        option::of(vec(word(), 0..3).prop_map(|t| json!(t))),
        nanos(),
        nanos(),
        nanos(),
        nanos(),
        option::of((0i64..10).prop_map(Value::from)),
        unknown(),
    )
        .prop_map(|(test, i, t, sp, si, r, x)| {
            object(vec![
                ("Test", test),
                ("Interval", i),
                ("Timeout", t),
                ("StartPeriod", sp),
                ("StartInterval", si),
                ("Retries", r),
                ("XFuture", x),
            ])
        })
}

fn mount() -> impl Strategy<Value = Value> {
    let bind = (option::of(word()), option::of(any::<bool>()), unknown()).prop_map(|(p, n, x)| {
        object(vec![
            ("Propagation", p.map(Value::from)),
            ("NonRecursive", n.map(Value::from)),
            ("ReadOnlyNonRecursive", x),
        ])
    });
    let volume = (
        option::of(any::<bool>()),
        option::of(labels()),
        option::of((option::of(word()), option::of(labels()))),
    )
        .prop_map(|(nc, l, d)| {
            object(vec![
                ("NoCopy", nc.map(Value::from)),
                ("Labels", l),
                (
                    "DriverConfig",
                    d.map(|(n, o)| object(vec![("Name", n.map(Value::from)), ("Options", o)])),
                ),
            ])
        });
    let tmpfs = (option::of(0i64..1 << 40), option::of(0u32..0o7777)).prop_map(|(s, m)| {
        object(vec![
            ("SizeBytes", s.map(Value::from)),
            ("Mode", m.map(Value::from)),
        ])
    });
    (
        option::of(prop_oneof![Just("volume"), Just("bind"), Just("tmpfs")]),
        option::of(word()),
        option::of(word()),
        option::of(any::<bool>()),
        option::of(bind),
        option::of(volume),
        option::of(tmpfs),
    )
        .prop_map(|(ty, src, dst, ro, b, v, t)| {
            object(vec![
                ("Type", ty.map(Value::from)),
                ("Source", src.map(Value::from)),
                ("Target", dst.map(Value::from)),
                ("ReadOnly", ro.map(Value::from)),
                ("BindOptions", b),
                ("VolumeOptions", v),
                ("TmpfsOptions", t),
            ])
        })
}

fn reference(id_key: &'static str, name_key: &'static str) -> impl Strategy<Value = Value> {
    let file = (
        word(),
        option::of("[0-9]{1,4}"),
        option::of("[0-9]{1,4}"),
        option::of(0u32..0o777),
    )
        .prop_map(|(n, u, g, m)| {
            object(vec![
                ("Name", Some(n.into())),
                ("UID", u.map(Value::from)),
                ("GID", g.map(Value::from)),
                ("Mode", m.map(Value::from)),
            ])
        });
    (option::of(file), word(), word(), unknown()).prop_map(move |(f, id, name, x)| {
        object(vec![
            ("File", f),
            (id_key, Some(id.into())),
            (name_key, Some(name.into())),
            ("Runtime", x),
        ])
    })
}

fn amounts() -> impl Strategy<Value = Value> {
    (
        nanos(),
        nanos(),
        option::of((0i64..1000).prop_map(Value::from)),
        unknown(),
    )
        .prop_map(|(c, m, p, x)| {
            object(vec![
                ("NanoCPUs", c),
                ("MemoryBytes", m),
                ("Pids", p),
                ("GenericResources", x),
            ])
        })
}

fn resources() -> impl Strategy<Value = Value> {
    (option::of(amounts()), option::of(amounts()))
        .prop_map(|(l, r)| object(vec![("Limits", l), ("Reservations", r)]))
}

fn placement() -> impl Strategy<Value = Value> {
    (
        vec("node\\.(role|labels\\.[a-z]{1,4})(==|!=)[a-z]{1,5}", 0..3),
        vec(
            word().prop_map(|d| json!({"Spread": {"SpreadDescriptor": d}})),
            0..3,
        ),
        option::of(0u64..10),
        vec(
            (word(), word()).prop_map(|(a, o)| json!({"Architecture": a, "OS": o})),
            0..2,
        ),
    )
        .prop_map(|(c, p, m, pl)| {
            let non_empty = |v: Vec<Value>| (!v.is_empty()).then(|| json!(v));
            object(vec![
                ("Constraints", (!c.is_empty()).then(|| json!(c))),
                ("Preferences", non_empty(p)),
                ("MaxReplicas", m.map(Value::from)),
                ("Platforms", non_empty(pl)),
            ])
        })
}

fn network() -> impl Strategy<Value = Value> {
    (word(), option::of(vec(word(), 0..3)), option::of(labels())).prop_map(|(t, a, o)| {
        object(vec![
            ("Target", Some(t.into())),
            ("Aliases", a.map(|a| json!(a))),
            ("DriverOpts", o),
        ])
    })
}

fn service_spec() -> impl Strategy<Value = Value> {
    let container = (
        word(),
        option::of(health()),
        option::of(vec(mount(), 0..3)),
        option::of(vec(reference("SecretID", "SecretName"), 0..3)),
        option::of(vec(reference("ConfigID", "ConfigName"), 0..3)),
        unknown(),
        unknown(),
    )
        .prop_map(|(image, hc, mounts, secrets, configs, tty, sysctls)| {
            object(vec![
                ("Image", Some(image.into())),
                ("Healthcheck", hc),
                ("Mounts", mounts.map(|m| json!(m))),
                ("Secrets", secrets.map(|s| json!(s))),
                ("Configs", configs.map(|c| json!(c))),
                ("TTY", tty),
                ("Sysctls", sysctls),
            ])
        });
    (
        word(),
        labels(),
        container,
        option::of(resources()),
        option::of(placement()),
        option::of(vec(network(), 0..3)),
        unknown(),
        1u64..10,
    )
        .prop_map(|(name, labels, cs, res, pl, nets, log, replicas)| {
            let task = object(vec![
                ("ContainerSpec", Some(cs)),
                ("Resources", res),
                ("Placement", pl),
                ("Networks", nets.map(|n| json!(n))),
                ("ForceUpdate", Some(0.into())),
                ("LogDriver", log),
            ]);
            json!({
                "Name": name,
                "Labels": labels,
                "TaskTemplate": task,
                "Mode": {"Replicated": {"Replicas": replicas}},
            })
        })
}

proptest! {
    #[test]
    fn a_spec_comes_back_as_it_was_sent(sent in service_spec()) {
        let spec: ServiceSpec = serde_json::from_value(sent.clone()).expect("decodes");
        prop_assert_eq!(serde_json::to_value(&spec).expect("encodes"), sent);
    }
}

/// What `docker service create` (CLI 28) sends for a service with most flags set.
#[test]
fn the_docker_clis_create_body_comes_back_unchanged() {
    let sent = json!({
        "Name": "web",
        "Labels": {"com.example": "x"},
        "TaskTemplate": {
            "ContainerSpec": {
                "Image": "busybox:latest",
                "Labels": {"c": "1"},
                "Args": ["httpd", "-f"],
                "Env": ["A=1"],
                "Init": false,
                "StopGracePeriod": 5000000000i64,
                "Healthcheck": {"Test": ["CMD-SHELL", "true"], "Interval": 2000000000i64},
                "Mounts": [
                    {"Type": "volume", "Source": "web-vol", "Target": "/data",
                     "VolumeOptions": {"Labels": {"l": "v"}, "DriverConfig": {"Name": "local"}}},
                    {"Type": "bind", "Source": "/db", "Target": "/var/db", "ReadOnly": true,
                     "BindOptions": {"Propagation": "rshared"}},
                    {"Type": "tmpfs", "Target": "/tmp", "TmpfsOptions": {"SizeBytes": 1048576, "Mode": 448}}
                ],
                "Secrets": [{"File": {"Name": "db_pw", "UID": "0", "GID": "0", "Mode": 292},
                             "SecretID": "abc", "SecretName": "db_pw"}],
                "Configs": [{"File": {"Name": "/etc/app.conf", "UID": "0", "GID": "0", "Mode": 292},
                             "ConfigID": "def", "ConfigName": "app"}],
                "DNSConfig": {},
                "Isolation": "default"
            },
            "Resources": {"Limits": {"NanoCPUs": 500000000, "MemoryBytes": 67108864, "Pids": 10},
                          "Reservations": {"NanoCPUs": 250000000}},
            "RestartPolicy": {"Condition": "on-failure", "Delay": 5000000000i64, "MaxAttempts": 3},
            "Placement": {"Constraints": ["node.role==worker"],
                          "Preferences": [{"Spread": {"SpreadDescriptor": "node.labels.dc"}}],
                          "MaxReplicas": 2,
                          "Platforms": [{"Architecture": "amd64", "OS": "linux"}]},
            "Networks": [{"Target": "n1", "Aliases": ["db"]}],
            "ForceUpdate": 0,
            "Runtime": "container",
            "LogDriver": {"Name": "json-file", "Options": {"max-size": "1m"}}
        },
        "Mode": {"Replicated": {"Replicas": 2}},
        "UpdateConfig": {"Parallelism": 1, "FailureAction": "pause", "Monitor": 5000000000i64,
                         "MaxFailureRatio": 0, "Order": "stop-first"},
        "EndpointSpec": {"Mode": "vip", "Ports": [{"Protocol": "tcp", "TargetPort": 80,
                          "PublishedPort": 8080, "PublishMode": "ingress"}]}
    });
    let spec: ServiceSpec = serde_json::from_value(sent.clone()).expect("decodes");
    assert_eq!(serde_json::to_value(&spec).expect("encodes"), sent);
    let cs = &spec.task_template.container_spec;
    assert_eq!(cs.mounts.as_ref().map(Vec::len), Some(3));
    assert_eq!(cs.secrets.as_ref().expect("secrets")[0].secret_id, "abc");
    assert!(cs.extra.contains_key("Init") && !cs.extra.contains_key("Mounts"));
    assert_eq!(
        spec.task_template.networks.as_ref().expect("networks")[0].target,
        "n1"
    );
}
