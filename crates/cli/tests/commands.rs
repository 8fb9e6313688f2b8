//! Client subcommands end to end against a fake daemon on a unix socket:
//! the requests they send, what they print and their exit status.

use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use shoal_cli::app::run_with;
use shoal_cli::client::Client;
use shoal_cli::commands::ctx::Captured;
use shoal_cli::commands::Ctx;
use shoal_cli::ClientCommand;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use tokio::net::UnixListener;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    cmd: ClientCommand,
}

/// One request the fake daemon saw.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    uri: String,
    body: String,
}

type Handler = dyn Fn(&str, &str, &str) -> (u16, String) + Send + Sync;

struct Daemon {
    _dir: tempfile::TempDir,
    host: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Daemon {
    async fn start(
        handler: impl Fn(&str, &str, &str) -> (u16, String) + Send + Sync + 'static,
    ) -> Daemon {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shoal.sock");
        let listener = UnixListener::bind(&path).unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let (seen2, handler2) = (seen.clone(), handler.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (seen, handler) = (seen2.clone(), handler2.clone());
                tokio::spawn(async move {
                    let svc = service_fn(move |req: Request<Incoming>| {
                        let (seen, handler) = (seen.clone(), handler.clone());
                        async move {
                            let method = req.method().to_string();
                            let uri = req.uri().to_string();
                            let body = req
                                .into_body()
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            let body = String::from_utf8_lossy(&body).into_owned();
                            seen.lock().unwrap().push(Seen {
                                method: method.clone(),
                                uri: uri.clone(),
                                body: body.clone(),
                            });
                            let (status, text) = handler(&method, &uri, &body);
                            let mut resp = Response::new(Full::new(Bytes::from(text)));
                            *resp.status_mut() = StatusCode::from_u16(status).unwrap();
                            resp.headers_mut()
                                .insert("content-type", "application/json".parse().unwrap());
                            Ok::<_, Infallible>(resp)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Daemon {
            host: format!("unix://{}", path.display()),
            _dir: dir,
            seen,
        }
    }

    /// Runs `shoal <args>`; returns exit status (or error text) and output.
    async fn run(&self, args: &[&str]) -> (Result<i32, String>, Captured) {
        let cli =
            Cli::try_parse_from(std::iter::once("shoal").chain(args.iter().copied())).unwrap();
        let (mut ctx, cap) = Ctx::capture(Client::new(&self.host).unwrap(), None);
        let code = run_with(&mut ctx, cli.cmd).await.map_err(|e| e.to_string());
        (code, cap)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn not_found(what: &str) -> (u16, String) {
    (
        404,
        json!({"message": format!("{what} not found")}).to_string(),
    )
}

fn service_json() -> Value {
    json!({
        "ID": "svc1aaaaaaaaaaaaaaaaaaaaa",
        "Version": {"Index": 7},
        "Spec": {
            "Name": "web",
            "Labels": {},
            "TaskTemplate": {"ContainerSpec": {"Image": "busybox"}, "ForceUpdate": 0},
            "Mode": {"Replicated": {"Replicas": 2}},
            // A short monitor period keeps the test quick.
            "UpdateConfig": {"Parallelism": 1, "Monitor": 1000000}
        },
        "Endpoint": {},
        "ServiceStatus": {"RunningTasks": 2, "DesiredTasks": 2}
    })
}

fn running_tasks() -> Value {
    json!([
        {"ID": "t1", "ServiceID": "svc1aaaaaaaaaaaaaaaaaaaaa", "Slot": 1, "NodeID": "n1",
         "DesiredState": "running", "Status": {"State": "running", "Timestamp": "2024-01-01T00:00:00Z"}},
        {"ID": "t2", "ServiceID": "svc1aaaaaaaaaaaaaaaaaaaaa", "Slot": 2, "NodeID": "n1",
         "DesiredState": "running", "Status": {"State": "running", "Timestamp": "2024-01-01T00:00:00Z"}}
    ])
}

fn nodes() -> Value {
    json!([{"ID": "n1", "Description": {"Hostname": "node-1"}, "Status": {"State": "ready"}, "Spec": {"Role": "manager", "Availability": "active"}}])
}

/// A daemon with one service `web` whose two tasks run.
fn swarm_handler(method: &str, uri: &str, _body: &str) -> (u16, String) {
    let path = uri.split('?').next().unwrap_or(uri);
    match (method, path) {
        ("POST", "/services/create") => (201, json!({"ID": "svc1aaaaaaaaaaaaaaaaaaaaa", "Warnings": ["image busybox could not be accessed on a registry"]}).to_string()),
        ("GET", "/services/web") | ("GET", "/services/svc1aaaaaaaaaaaaaaaaaaaaa") => (200, service_json().to_string()),
        ("GET", "/services") => (200, json!([service_json()]).to_string()),
        ("POST", "/services/svc1aaaaaaaaaaaaaaaaaaaaa/update") => (200, json!({"Warnings": []}).to_string()),
        ("GET", "/tasks") => (200, running_tasks().to_string()),
        ("GET", "/nodes") => (200, nodes().to_string()),
        ("GET", "/nodes/n1") => (200, nodes()[0].to_string()),
        ("DELETE", "/services/web") => (200, String::new()),
        ("DELETE", p) => not_found(&format!("service {}", p.trim_start_matches("/services/"))),
        ("GET", p) if p.starts_with("/services/") => not_found(&format!("service {}", p.trim_start_matches("/services/"))),
        _ => (404, json!({"message": "page not found"}).to_string()),
    }
}

#[tokio::test]
async fn create_prints_id_and_follows_progress() {
    let d = Daemon::start(swarm_handler).await;
    let (code, cap) = d
        .run(&[
            "service",
            "create",
            "--name",
            "web",
            "--replicas",
            "2",
            "busybox",
            "sleep",
            "1000",
        ])
        .await;
    assert_eq!(code, Ok(0));
    let out = cap.out.text();
    assert!(
        out.starts_with(
            "svc1aaaaaaaaaaaaaaaaaaaaa\noverall progress: 0 out of 2 tasks\n1/2:  \n2/2:  \noverall progress: 2 out of 2 tasks\n"
        ),
        "{out}"
    );
    assert!(
        out.ends_with("verify: Service svc1aaaaaaaaaaaaaaaaaaaaa converged\n"),
        "{out}"
    );
    assert_eq!(
        cap.err.text(),
        "image busybox could not be accessed on a registry\n"
    );

    let seen = d.seen();
    let create = seen.iter().find(|s| s.uri == "/services/create").unwrap();
    let body: Value = serde_json::from_str(&create.body).unwrap();
    assert_eq!(body["Name"], "web");
    assert_eq!(body["Mode"], json!({"Replicated": {"Replicas": 2}}));
    assert_eq!(
        body["TaskTemplate"]["ContainerSpec"]["Args"],
        json!(["sleep", "1000"])
    );
    let tasks = seen.iter().find(|s| s.uri.starts_with("/tasks")).unwrap();
    assert_eq!(
        tasks.uri,
        "/tasks?filters=%7B%22_up-to-date%22%3A%7B%22true%22%3Atrue%7D%2C%22service%22%3A%7B%22svc1aaaaaaaaaaaaaaaaaaaaa%22%3Atrue%7D%7D"
    );
}

#[tokio::test]
async fn create_detached_and_flag_errors() {
    let d = Daemon::start(swarm_handler).await;
    let (code, cap) = d
        .run(&["service", "create", "-d", "--name", "web", "busybox"])
        .await;
    assert_eq!(code, Ok(0));
    assert_eq!(cap.out.text(), "svc1aaaaaaaaaaaaaaaaaaaaa\n");

    let (code, cap) = d
        .run(&["service", "create", "--replicas", "x", "busybox"])
        .await;
    assert_eq!(code, Ok(125));
    assert_eq!(
        cap.err.text(),
        "invalid argument \"x\" for \"--replicas\" flag: strconv.ParseUint: parsing \"x\": invalid syntax\n\n\
         Usage:  shoal service create [OPTIONS] IMAGE [COMMAND] [ARG...]\n\n\
         Run 'shoal service create --help' for more information\n"
    );
    // Nothing was sent for the bad command.
    assert_eq!(
        d.seen()
            .iter()
            .filter(|s| s.uri == "/services/create")
            .count(),
        1
    );
}

#[tokio::test]
async fn ls_and_ps() {
    let d = Daemon::start(swarm_handler).await;
    let (code, cap) = d.run(&["service", "ls"]).await;
    assert_eq!(code, Ok(0));
    assert_eq!(
        cap.out.text(),
        "ID             NAME      MODE         REPLICAS   IMAGE     PORTS\n\
         svc1aaaaaaaa   web       replicated   2/2        busybox   \n"
    );
    assert!(d.seen().iter().any(|s| s.uri == "/services?status=true"));

    let (code, cap) = d.run(&["service", "ps", "-q", "web"]).await;
    assert_eq!(code, Ok(0));
    assert_eq!(cap.out.text(), "t1\nt2\n");

    let (code, cap) = d
        .run(&[
            "service",
            "ps",
            "--format",
            "{{.Name}} {{.Node}} {{.DesiredState}}",
            "web",
        ])
        .await;
    assert_eq!(code, Ok(0));
    assert_eq!(
        cap.out.text(),
        "web.1 node-1 Running\nweb.2 node-1 Running\n"
    );
}

#[tokio::test]
async fn scale_update_rollback_rm() {
    let d = Daemon::start(swarm_handler).await;
    let (code, cap) = d.run(&["service", "scale", "-d", "web=5"]).await;
    assert_eq!(code, Ok(0));
    assert_eq!(cap.out.text(), "web scaled to 5\n");
    let upd = d.seen().into_iter().find(|s| s.method == "POST").unwrap();
    assert_eq!(
        upd.uri,
        "/services/svc1aaaaaaaaaaaaaaaaaaaaa/update?version=7"
    );
    let body: Value = serde_json::from_str(&upd.body).unwrap();
    assert_eq!(body["Mode"], json!({"Replicated": {"Replicas": 5}}));

    let (code, cap) = d
        .run(&[
            "service",
            "update",
            "-d",
            "--image",
            "busybox:2",
            "--force",
            "web",
        ])
        .await;
    assert_eq!((code, cap.out.text()), (Ok(0), "web\n".to_string()));
    let upd = d
        .seen()
        .into_iter()
        .filter(|s| s.method == "POST")
        .nth(1)
        .unwrap();
    let body: Value = serde_json::from_str(&upd.body).unwrap();
    assert_eq!(body["TaskTemplate"]["ContainerSpec"]["Image"], "busybox:2");
    assert_eq!(body["TaskTemplate"]["ForceUpdate"], 1);

    let (code, _) = d.run(&["service", "rollback", "-d", "web"]).await;
    assert_eq!(code, Ok(0));
    let upd = d
        .seen()
        .into_iter()
        .filter(|s| s.method == "POST")
        .nth(2)
        .unwrap();
    assert_eq!(
        upd.uri,
        "/services/svc1aaaaaaaaaaaaaaaaaaaaa/update?version=7&rollback=previous"
    );

    let (code, cap) = d.run(&["service", "rm", "web", "nope"]).await;
    assert_eq!(code, Ok(1));
    assert_eq!(cap.out.text(), "web\n");
    assert_eq!(
        cap.err.text(),
        "Error response from daemon: service nope not found\n"
    );

    let (code, cap) = d.run(&["service", "scale", "web=x", "gone=2"]).await;
    assert_eq!(code, Ok(1));
    assert_eq!(
        cap.err.text(),
        "web: invalid replicas value x: strconv.ParseUint: parsing \"x\": invalid syntax\n\
         gone: Error response from daemon: service gone not found\n"
    );
}

#[tokio::test]
async fn inspect_not_found_and_daemon_errors() {
    let d = Daemon::start(swarm_handler).await;
    let (code, cap) = d
        .run(&[
            "service",
            "inspect",
            "--format",
            "{{.Spec.Name}}",
            "web",
            "nope",
        ])
        .await;
    assert_eq!(code, Ok(1));
    assert_eq!(cap.out.text(), "web\n");
    assert_eq!(cap.err.text(), "Error: no such service: nope\n");
    assert!(d
        .seen()
        .iter()
        .any(|s| s.uri == "/services/web?insertDefaults=true"));

    let (code, cap) = d.run(&["service", "inspect", "web"]).await;
    assert_eq!(code, Ok(0));
    // The daemon's key order is kept (this fake sends sorted keys).
    assert!(
        cap.out.text().starts_with(
            "[\n    {\n        \"Endpoint\": {},\n        \"ID\": \"svc1aaaaaaaaaaaaaaaaaaaaa\",\n"
        ),
        "{}",
        cap.out.text()
    );

    let (code, _) = d.run(&["node", "promote", "missing"]).await;
    assert_eq!(
        code,
        Err("Error response from daemon: page not found".to_string())
    );
}

#[tokio::test]
async fn swarm_init_prints_join_command() {
    let d = Daemon::start(|method, uri, _| match (method, uri) {
        ("POST", "/swarm/init") => (200, "\"node1\"".to_string()),
        ("GET", "/nodes/node1") => (200, json!({"ID": "node1", "ManagerStatus": {"Leader": true, "Reachability": "reachable", "Addr": "10.0.0.1:2377"}}).to_string()),
        ("GET", "/swarm") => (200, json!({"JoinTokens": {"Worker": "SWMTKN-1-w", "Manager": "SWMTKN-1-m"}}).to_string()),
        _ => (404, json!({"message": "page not found"}).to_string()),
    })
    .await;
    let (code, cap) = d
        .run(&["swarm", "init", "--advertise-addr", "10.0.0.1"])
        .await;
    assert_eq!(code, Ok(0));
    assert_eq!(
        cap.out.text(),
        "Swarm initialized: current node (node1) is now a manager.\n\n\
         To add a worker to this swarm, run the following command:\n\n    \
         shoal swarm join --token SWMTKN-1-w 10.0.0.1:2377\n\n\
         To add a manager to this swarm, run 'shoal swarm join-token manager' and follow the instructions.\n"
    );
    let init: Value = serde_json::from_str(&d.seen()[0].body).unwrap();
    assert_eq!(init["ListenAddr"], "0.0.0.0:2377");
    assert_eq!(init["AdvertiseAddr"], "10.0.0.1");
}

#[tokio::test]
async fn unreachable_daemon() {
    let (mut ctx, _cap) =
        Ctx::capture(Client::new("unix:///nonexistent/shoal.sock").unwrap(), None);
    let cli = Cli::try_parse_from(["shoal", "service", "ls"]).unwrap();
    let err = run_with(&mut ctx, cli.cmd).await.unwrap_err().to_string();
    assert_eq!(
        err,
        "Cannot connect to the shoal daemon at unix:///nonexistent/shoal.sock. Is the shoal daemon running?"
    );
}

/// A daemon with networks `ingress` and `backend` (in use by a service).
fn network_handler(method: &str, uri: &str, _body: &str) -> (u16, String) {
    let ingress = json!({"Name": "ingress", "Id": "ing0123456789abcdef", "Created": "2024-01-01T00:00:00Z",
        "Scope": "swarm", "Driver": "overlay", "Ingress": true});
    let backend = json!({"Name": "backend", "Id": "bck0123456789abcdef", "Created": "2024-01-01T00:00:00Z",
        "Scope": "swarm", "Driver": "overlay", "Labels": {"env": "prod"}});
    let path = uri.split('?').next().unwrap_or(uri);
    match (method, path) {
        ("POST", "/networks/create") => (
            201,
            json!({"Id": "new0123456789abcdef", "Warning": ""}).to_string(),
        ),
        ("GET", "/networks") => (200, json!([ingress, backend]).to_string()),
        ("GET", "/networks/backend") => (200, backend.to_string()),
        ("DELETE", "/networks/ingress") => (204, String::new()),
        ("DELETE", "/networks/backend") => (
            409,
            json!({"message": "network backend is in use by service web"}).to_string(),
        ),
        (_, p) if p.starts_with("/networks/") => {
            not_found(&format!("network {}", p.trim_start_matches("/networks/")))
        }
        _ => (404, json!({"message": "page not found"}).to_string()),
    }
}

#[tokio::test]
async fn network_create_ls_inspect_rm() {
    let d = Daemon::start(network_handler).await;
    let (code, cap) = d
        .run(&[
            "network",
            "create",
            "-d",
            "overlay",
            "--attachable",
            "--label",
            "env=prod",
            "--subnet",
            "10.9.0.0/24",
            "backend",
        ])
        .await;
    assert_eq!(
        (code, cap.out.text()),
        (Ok(0), "new0123456789abcdef\n".to_string())
    );
    let create = d
        .seen()
        .into_iter()
        .find(|s| s.uri == "/networks/create")
        .unwrap();
    let body: Value = serde_json::from_str(&create.body).unwrap();
    assert_eq!(
        (&body["Name"], &body["Driver"], &body["Attachable"]),
        (&json!("backend"), &json!("overlay"), &json!(true))
    );
    assert_eq!(body["IPAM"]["Config"], json!([{"Subnet": "10.9.0.0/24"}]));
    assert_eq!(body["Labels"], json!({"env": "prod"}));

    let (code, cap) = d.run(&["network", "create", "a", "b"]).await;
    assert!(code
        .unwrap_err()
        .starts_with("shoal: 'shoal network create' requires 1 argument\n"));
    assert_eq!(cap.out.text(), "");

    let (code, cap) = d.run(&["network", "ls", "-f", "driver=overlay"]).await;
    assert_eq!(code, Ok(0));
    assert_eq!(
        cap.out.text(),
        "NETWORK ID     NAME      DRIVER    SCOPE\n\
         bck012345678   backend   overlay   swarm\n\
         ing012345678   ingress   overlay   swarm\n"
    );
    assert!(d
        .seen()
        .iter()
        .any(|s| s.uri == "/networks?filters=%7B%22driver%22%3A%7B%22overlay%22%3Atrue%7D%7D"));
    let (_, cap) = d.run(&["network", "list", "-q", "--no-trunc"]).await;
    assert_eq!(cap.out.text(), "bck0123456789abcdef\ning0123456789abcdef\n");

    let (code, cap) = d
        .run(&[
            "network",
            "inspect",
            "-f",
            "{{.Id}} {{.Labels.env}}",
            "backend",
            "nope",
        ])
        .await;
    assert_eq!(code, Ok(1));
    assert_eq!(cap.out.text(), "bck0123456789abcdef prod\n");
    assert_eq!(cap.err.text(), "Error: No such network: nope\n");

    let (code, cap) = d
        .run(&["network", "rm", "ingress", "backend", "nope"])
        .await;
    assert_eq!(code, Ok(1));
    assert_eq!(cap.out.text(), "ingress\n");
    assert_eq!(
        cap.err.text(),
        "Error response from daemon: network backend is in use by service web\n\
         Error response from daemon: network nope not found\n"
    );
    let (code, cap) = d
        .run(&["network", "remove", "--force", "nope", "ingress"])
        .await;
    assert_eq!(
        (code, cap.out.text(), cap.err.text()),
        (Ok(0), "ingress\n".to_string(), String::new())
    );
}

/// A daemon with configs `app_conf` (data `colour=blue\n`) and `web10`.
fn config_handler(method: &str, uri: &str, _body: &str) -> (u16, String) {
    let app = json!({"ID": "cfg0123456789abcdefghijk", "Version": {"Index": 11},
        "CreatedAt": "2024-01-01T00:00:00Z", "UpdatedAt": "2024-01-01T00:00:00Z",
        "Spec": {"Name": "app_conf", "Labels": {"env": "prod"}, "Data": "Y29sb3VyPWJsdWUK"}});
    let web = json!({"ID": "web0123456789abcdefghijk", "Version": {"Index": 12},
        "CreatedAt": "2024-01-01T00:00:00Z", "UpdatedAt": "2024-01-01T00:00:00Z",
        "Spec": {"Name": "web10", "Labels": {}, "Data": ""}});
    let path = uri.split('?').next().unwrap_or(uri);
    match (method, path) {
        ("POST", "/configs/create") => (201, json!({"ID": "new0123456789abcdefghijk"}).to_string()),
        ("GET", "/configs") => (200, json!([web, app]).to_string()),
        ("GET", "/configs/app_conf") => (200, app.to_string()),
        ("DELETE", "/configs/app_conf") => (204, String::new()),
        ("DELETE", "/configs/web10") => (
            400,
            json!({"message": "config 'web10' is in use by the following service: web"})
                .to_string(),
        ),
        (_, p) if p.starts_with("/configs/") => {
            not_found(&format!("config {}", p.trim_start_matches("/configs/")))
        }
        _ => (404, json!({"message": "page not found"}).to_string()),
    }
}

#[tokio::test]
async fn config_create_ls_inspect_rm() {
    let d = Daemon::start(config_handler).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.conf");
    std::fs::write(&file, "colour=blue\n").unwrap();
    let file = file.to_str().unwrap();
    let (code, cap) = d
        .run(&[
            "config",
            "create",
            "-l",
            "env=prod",
            "--template-driver",
            "golang",
            "app_conf",
            file,
        ])
        .await;
    assert_eq!(
        (code, cap.out.text()),
        (Ok(0), "new0123456789abcdefghijk\n".to_string())
    );
    let create = d
        .seen()
        .into_iter()
        .find(|s| s.uri == "/configs/create")
        .unwrap();
    let body: Value = serde_json::from_str(&create.body).unwrap();
    assert_eq!(
        body,
        json!({"Name": "app_conf", "Labels": {"env": "prod"}, "Data": "Y29sb3VyPWJsdWUK",
               "Templating": {"Name": "golang"}})
    );

    let (code, _) = d.run(&["config", "create", "app_conf"]).await;
    assert!(code
        .unwrap_err()
        .starts_with("shoal: 'shoal config create' requires 2 arguments\n"));
    let (code, _) = d.run(&["config", "create", "x", "/nonexistent/f"]).await;
    assert_eq!(
        code.unwrap_err(),
        "Error reading content from \"/nonexistent/f\": open /nonexistent/f: no such file or directory"
    );

    let (code, cap) = d.run(&["config", "ls", "-f", "label=env"]).await;
    assert_eq!(code, Ok(0));
    let out = cap.out.text();
    let lines: Vec<Vec<&str>> = out
        .lines()
        .map(|l| {
            l.split("   ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    assert_eq!(lines[0], ["ID", "NAME", "CREATED", "UPDATED"], "{out}");
    assert_eq!(
        lines[1][..2],
        ["cfg0123456789abcdefghijk", "app_conf"],
        "{out}"
    );
    assert_eq!(
        lines[2][..2],
        ["web0123456789abcdefghijk", "web10"],
        "{out}"
    );
    assert!(lines[1][2].ends_with(" ago"), "{out}");
    assert!(d
        .seen()
        .iter()
        .any(|s| s.uri == "/configs?filters=%7B%22label%22%3A%7B%22env%22%3Atrue%7D%7D"));
    let (_, cap) = d.run(&["config", "list", "--format", "{{.Name}}"]).await;
    assert_eq!(cap.out.text(), "app_conf\nweb10\n");

    let (code, cap) = d.run(&["config", "inspect", "--pretty", "app_conf"]).await;
    assert_eq!(code, Ok(0));
    assert_eq!(
        cap.out.text(),
        "ID:\t\t\tcfg0123456789abcdefghijk\nName:\t\t\tapp_conf\nLabels:\n - env=prod\n\
         Created at:            \t2024-01-01 00:00:00 +0000 UTC\n\
         Updated at:            \t2024-01-01 00:00:00 +0000 UTC\nData:\ncolour=blue\n\n"
    );
    let (code, cap) = d.run(&["config", "inspect", "app_conf"]).await;
    assert_eq!(code, Ok(0));
    let arr: Value = serde_json::from_str(&cap.out.text()).unwrap();
    assert_eq!(arr[0]["Spec"]["Data"], "Y29sb3VyPWJsdWUK");
    assert!(cap.out.text().starts_with("[\n    {\n        \""));
    let (code, cap) = d
        .run(&[
            "config",
            "inspect",
            "-f",
            "{{.Spec.Name}}",
            "app_conf",
            "nope",
        ])
        .await;
    assert_eq!(code, Ok(1));
    assert_eq!(cap.out.text(), "app_conf\n");
    assert_eq!(
        cap.err.text(),
        "Error response from daemon: config nope not found\n"
    );
    let (code, cap) = d
        .run(&["config", "inspect", "--pretty", "app_conf", "nope"])
        .await;
    assert_eq!(code, Ok(1));
    assert_eq!(cap.out.text(), "");

    let (code, cap) = d.run(&["config", "rm", "app_conf", "web10", "nope"]).await;
    assert_eq!(code, Ok(1));
    assert_eq!(cap.out.text(), "app_conf\n");
    assert_eq!(
        cap.err.text(),
        "Error response from daemon: config 'web10' is in use by the following service: web\n\
         Error response from daemon: config nope not found\n"
    );
    let (code, cap) = d.run(&["config", "remove", "app_conf"]).await;
    assert_eq!((code, cap.out.text()), (Ok(0), "app_conf\n".to_string()));
}
