//! Turning service and node IDs into names for task lists, as docker's
//! `idresolver` does: best effort (an ID that cannot be looked up is shown
//! as is), one request per distinct ID.

use super::Names;
use crate::client::{query_escape, Client};
use shoal_api::{Node, Service, Task};

/// Looks up the names of every service and node the tasks mention;
/// with `no_resolve` the IDs are kept.
pub async fn names(client: &Client, tasks: &[Task], no_resolve: bool) -> Names {
    let mut names = Names::default();
    if no_resolve {
        return names;
    }
    for t in tasks {
        if !names.services.contains_key(&t.service_id) {
            let name = match client
                .get_json::<Service>(&format!("/services/{}", query_escape(&t.service_id)))
                .await
            {
                Ok(s) => s.spec.name,
                Err(_) => t.service_id.clone(),
            };
            names.services.insert(t.service_id.clone(), name);
        }
        if !t.node_id.is_empty() && !names.nodes.contains_key(&t.node_id) {
            let name = match client
                .get_json::<Node>(&format!("/nodes/{}", query_escape(&t.node_id)))
                .await
            {
                Ok(n) => node_display_name(&n),
                Err(_) => t.node_id.clone(),
            };
            names.nodes.insert(t.node_id.clone(), name);
        }
    }
    names
}

/// A node's name if it has one, else its hostname, else its ID.
pub fn node_display_name(n: &Node) -> String {
    if !n.spec.name.is_empty() {
        n.spec.name.clone()
    } else if !n.description.hostname.is_empty() {
        n.description.hostname.clone()
    } else {
        n.id.clone()
    }
}
