//! The control API in process: an in-memory manager (a `MemoryProposer` leader, the real
//! state machine) under paused tokio time. Each test runs in milliseconds.

mod support;

use shoal_api::{SecretSpec, ServiceMode, ServiceSpec};
use shoal_manager::control::{filters::Filters, networks, secrets, services, ControlError};
use std::time::Duration;

fn web(name: &str) -> ServiceSpec {
    let mut s = ServiceSpec {
        name: name.into(),
        mode: ServiceMode::replicated(2),
        ..Default::default()
    };
    s.task_template.container_spec.image = "busybox".into();
    s
}

#[tokio::test(start_paused = true)]
async fn a_service_is_created_updated_rolled_back_and_removed() {
    let m = support::swarm().await;
    let id = services::create(&m, web("web")).await.expect("create");
    let created = services::inspect(&m, "web", false).expect("inspect");
    assert_eq!(created.id, id);
    assert_eq!(
        created.created_at,
        m.now(),
        "stamped by the manager's clock"
    );

    // Ten seconds later (paused time moves only when told), an update.
    tokio::time::advance(Duration::from_secs(10)).await;
    let mut next = created.spec.clone();
    next.task_template.container_spec.env = vec!["COLOUR=blue".into()];
    let version = created.version.index;
    services::update(&m, &id, version, next, false)
        .await
        .expect("update");
    let updated = services::inspect(&m, &id, false).expect("inspect");
    assert_eq!(
        updated.spec.task_template.container_spec.env,
        ["COLOUR=blue"]
    );
    let status = updated.update_status.expect("an update in progress");
    assert_eq!(status.state, "updating");
    assert_eq!(status.started_at, m.now());
    assert!(updated.updated_at > created.updated_at);

    // The old version no longer applies: Docker's words.
    let stale = services::update(&m, &id, version, created.spec.clone(), false).await;
    assert_eq!(stale, Err(ControlError::OutOfSequence));
    assert_eq!(
        ControlError::OutOfSequence.to_string(),
        "rpc error: code = Unknown desc = update out of sequence"
    );

    services::update(&m, &id, updated.version.index, ServiceSpec::default(), true)
        .await
        .expect("rollback");
    let rolled = services::inspect(&m, &id, false).expect("inspect");
    assert!(rolled.spec.task_template.container_spec.env.is_empty());
    assert_eq!(
        rolled.update_status.expect("status").state,
        "rollback_started"
    );

    services::remove(&m, "web").await.expect("remove");
    assert!(matches!(
        services::inspect(&m, "web", false),
        Err(ControlError::NotFound(_))
    ));
}

#[tokio::test(start_paused = true)]
async fn bad_specs_are_refused_and_change_nothing() {
    let m = support::swarm().await;
    let mut bad = web("web");
    bad.task_template.container_spec.image = String::new();
    let e = services::create(&m, bad).await.unwrap_err();
    assert!(
        e.to_string().contains("image reference must be provided"),
        "{e}"
    );

    let mut missing = web("web");
    missing.task_template.networks = Some(vec![serde_json::from_value(
        serde_json::json!({"Target": "nowhere"}),
    )
    .expect("attachment")]);
    let e = services::create(&m, missing).await.unwrap_err();
    assert!(e.to_string().contains("network nowhere not found"), "{e}");

    services::create(&m, web("web")).await.expect("create");
    let e = services::create(&m, web("web")).await.unwrap_err();
    assert!(matches!(e, ControlError::Conflict(_)), "{e:?}");
    let f = Filters::parse(None, services::FILTERS).expect("filters");
    assert_eq!(services::list(&m, &f, false).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_secret_in_use_cannot_be_removed_and_its_data_travels_beside_the_task() {
    let m = support::swarm().await;
    let secret_id = secrets::create(
        &m,
        SecretSpec {
            name: "db_pw".into(),
            data: Some("czNjcmV0".into()),
            ..Default::default()
        },
    )
    .await
    .expect("secret");
    let mut spec = web("db");
    // By name only, as docker-py may send it: the manager fills in the ID.
    spec.task_template.container_spec.secrets = Some(vec![serde_json::from_value(
        serde_json::json!({"File": {"Name": "db_pw"}, "SecretName": "db_pw"}),
    )
    .expect("reference")]);
    services::create(&m, spec).await.expect("service");
    let stored = services::inspect(&m, "db", false).expect("inspect");
    let refs = stored
        .spec
        .task_template
        .container_spec
        .secrets
        .clone()
        .expect("refs");
    assert_eq!(refs[0].secret_id, secret_id);

    let e = secrets::remove(&m, "db_pw").await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "rpc error: code = InvalidArgument desc = secret 'db_pw' is in use by the following service: db"
    );

    let task = shoal_api::Task {
        id: "t1".into(),
        spec: stored.spec.task_template.clone(),
        ..Default::default()
    };
    let a = shoal_manager::control::references::assignment(&m.read(), &task);
    assert_eq!(a.secrets.len(), 1);
    assert_eq!(a.secrets[0].id, secret_id);
    assert_eq!(a.secrets[0].data, b"s3cret");
    let json = serde_json::to_string(&a.task).expect("json");
    assert!(
        !json.contains("czNjcmV0"),
        "the task itself carries no data"
    );

    services::remove(&m, "db").await.expect("remove service");
    secrets::remove(&m, "db_pw").await.expect("now removable");
}

#[tokio::test(start_paused = true)]
async fn a_network_is_attached_by_id_and_kept_while_in_use() {
    let m = support::swarm().await;
    let req: shoal_api::network::NetworkCreate =
        serde_json::from_value(serde_json::json!({"Name": "backend", "Driver": "overlay"}))
            .expect("request");
    let net_id = networks::create(&m, req).await.expect("network");
    let mut spec = web("api");
    spec.task_template.networks = Some(vec![serde_json::from_value(
        serde_json::json!({"Target": "backend", "Aliases": ["api"]}),
    )
    .expect("attachment")]);
    services::create(&m, spec).await.expect("service");
    let stored = services::inspect(&m, "api", false).expect("inspect");
    let nets = stored.spec.task_template.networks.expect("networks");
    assert_eq!(nets[0].target, net_id);
    assert_eq!(nets[0].aliases.as_deref(), Some(&["api".to_string()][..]));

    let e = networks::remove(&m, "backend").await.unwrap_err();
    assert!(e.to_string().contains("is in use by service"), "{e}");
}

#[tokio::test(start_paused = true)]
async fn nodes_refuse_demoting_the_last_manager_and_removing_a_live_node() {
    use shoal_api::{NodeRole, NodeState};
    use shoal_manager::control::nodes;
    let m = support::swarm().await;
    let mut w1 = support::node("w1", NodeRole::Worker);
    w1.status.state = NodeState::Ready;
    m.propose(vec![shoal_store::Op::PutNode(Box::new(w1))])
        .await
        .expect("worker");

    let me = nodes::inspect(&m, "self").expect("self");
    let mut spec = me.spec.clone();
    spec.role = NodeRole::Worker;
    let e = nodes::update(&m, "self", me.version.index, spec)
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("attempting to demote the last manager of the swarm"),
        "{e}"
    );

    let e = nodes::remove(&m, "w1", false).await.unwrap_err();
    assert!(
        e.to_string().contains("is not down and can't be removed"),
        "{e}"
    );
    let e = nodes::remove(&m, "m1", true).await.unwrap_err();
    assert!(e.to_string().contains("must be demoted to worker"), "{e}");
    nodes::remove(&m, "w1", true).await.expect("forced");
    assert!(nodes::inspect(&m, "w1").is_err());
}

#[tokio::test(start_paused = true)]
async fn networks_get_free_subnets_and_services_a_virtual_ip_on_each() {
    use shoal_api::network::NetworkCreate;
    let m = support::swarm().await;
    let net = |body: serde_json::Value| -> NetworkCreate {
        serde_json::from_value(body).expect("request")
    };
    let a = networks::create(
        &m,
        net(serde_json::json!({"Name": "a", "Driver": "overlay"})),
    )
    .await
    .expect("a");
    let a_net = networks::inspect(&m, &a).expect("inspect");
    // The ingress network took the pool's first /24.
    assert_eq!(a_net.ipam.config[0].subnet, "10.0.1.0/24");
    assert_eq!(a_net.ipam.config[0].gateway, "10.0.1.1");

    let overlapping = net(serde_json::json!({"Name": "b", "Driver": "overlay",
        "IPAM": {"Config": [{"Subnet": "10.0.1.0/25"}]}}));
    let e = networks::create(&m, overlapping).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "rpc error: code = InvalidArgument desc = invalid pool request: Pool overlaps with other one on this address space"
    );
    let c = networks::create(
        &m,
        net(serde_json::json!({"Name": "c", "Driver": "overlay",
            "IPAM": {"Config": [{"Subnet": "10.50.0.0/16", "IPRange": "10.50.1.0/24",
                                 "Gateway": "10.50.0.254"}]}})),
    )
    .await
    .expect("c");

    let mut spec = web("api");
    spec.task_template.networks = Some(
        serde_json::from_value(serde_json::json!([{"Target": "a"}, {"Target": "c"}]))
            .expect("attachments"),
    );
    spec.endpoint_spec = Some(
        serde_json::from_value(serde_json::json!({"Ports": [
            {"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080}]}))
        .expect("ports"),
    );
    services::create(&m, spec).await.expect("service");
    let s = services::inspect(&m, "api", false).expect("inspect");
    let vips: Vec<(String, String)> = s
        .endpoint
        .virtual_ips
        .iter()
        .map(|v| (v.network_id.clone(), v.addr.clone()))
        .collect();
    let ingress = networks::inspect(&m, "ingress").expect("ingress").id;
    assert_eq!(
        vips,
        [
            (a.clone(), "10.0.1.2/24".to_string()),
            (c.clone(), "10.50.1.1/16".to_string()),
            (ingress, "10.0.0.2/24".to_string()),
        ]
    );

    // Leaving network c releases that address; the others stay as they were.
    let mut next = s.spec.clone();
    next.task_template.networks =
        Some(serde_json::from_value(serde_json::json!([{"Target": a}])).expect("attachments"));
    services::update(&m, "api", s.version.index, next, false)
        .await
        .expect("update");
    let after = services::inspect(&m, "api", false).expect("inspect");
    assert_eq!(after.endpoint.virtual_ips.len(), 2);
    assert_eq!(after.endpoint.virtual_ips[0], s.endpoint.virtual_ips[0]);
    assert!(after.endpoint.virtual_ips.iter().all(|v| v.network_id != c));

    let mut dnsrr = web("dns");
    dnsrr.endpoint_spec = Some(
        serde_json::from_value(serde_json::json!({"Mode": "dnsrr", "Ports": [
            {"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8081}]}))
        .expect("ports"),
    );
    let e = services::create(&m, dnsrr).await.unwrap_err();
    assert!(
        e.to_string()
            .contains("port published with ingress mode can't be used with dnsrr mode"),
        "{e}"
    );
}

#[tokio::test(start_paused = true)]
async fn published_ports_get_numbers_and_are_not_published_twice() {
    let m = support::swarm().await;
    let with_ports = |name: &str, ports: serde_json::Value| {
        let mut s = web(name);
        s.endpoint_spec =
            Some(serde_json::from_value(serde_json::json!({ "Ports": ports })).expect("ports"));
        s
    };
    services::create(
        &m,
        with_ports(
            "a",
            serde_json::json!([{"Protocol": "tcp", "TargetPort": 80}]),
        ),
    )
    .await
    .expect("a");
    let a = services::inspect(&m, "a", false).expect("a");
    assert_eq!(a.endpoint.ports[0].published_port, Some(30000));
    // A scale keeps the number.
    let mut scaled = a.spec.clone();
    scaled.mode = ServiceMode::replicated(5);
    services::update(&m, "a", a.version.index, scaled, false)
        .await
        .expect("scale");
    let a = services::inspect(&m, "a", false).expect("a");
    assert_eq!(a.endpoint.ports[0].published_port, Some(30000));

    let b_ports =
        serde_json::json!([{"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 30000}]);
    let e = services::create(&m, with_ports("b", b_ports))
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "rpc error: code = InvalidArgument desc = port '30000' is already in use by service 'a' ({}) as an ingress port",
            a.id
        )
    );
    // The same number over UDP, or in host mode, is not the same ingress port.
    let udp = serde_json::json!([{"Protocol": "udp", "TargetPort": 53, "PublishedPort": 30000}]);
    services::create(&m, with_ports("c", udp))
        .await
        .expect("udp");
    let host = serde_json::json!([{"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 30000,
                                    "PublishMode": "host"}]);
    services::create(&m, with_ports("d", host))
        .await
        .expect("host mode");
}
