//! The docker executor: tasks run as containers on a local Docker Engine (through bollard).

mod controller;
mod engine;
mod files;
mod health;
mod logs;
mod networks;
mod spec;

use std::collections::HashMap;

use bollard::query_parameters::ListContainersOptionsBuilder;

use crate::{labels, Controller, ExecError, Executor, LogOptions, LogStream, NodeFacts, TaskRun};
use controller::DockerController;
use engine::{message_of, Engine};

/// Runs tasks as containers on one Docker Engine.
#[derive(Clone)]
pub struct DockerExecutor {
    engine: Engine,
}

impl DockerExecutor {
    /// This node's shoal containers (`all`: stopped ones too).
    async fn containers_of(
        &self,
        node_id: &str,
        all: bool,
    ) -> Result<Vec<bollard::models::ContainerSummary>, ExecError> {
        let failed = |e: bollard::errors::Error| ExecError::Failed(message_of(&e));
        let docker = self.engine.docker().await.map_err(failed)?;
        let filters = HashMap::from([(
            "label".to_string(),
            vec![
                format!("{}={node_id}", labels::NODE_ID),
                format!("{}=true", labels::MANAGED),
            ],
        )]);
        let options = ListContainersOptionsBuilder::default()
            .all(all)
            .filters(&filters)
            .build();
        docker.list_containers(Some(options)).await.map_err(failed)
    }

    /// Prepares a client for `docker_host` (`unix:///var/run/docker.sock`, a bare socket path,
    /// or `tcp://host:port`). Nothing is sent yet: the API version is negotiated on first use,
    /// so this succeeds while the engine is still starting.
    pub fn connect(docker_host: &str) -> Result<Self, ExecError> {
        Ok(Self {
            engine: Engine::new(docker_host)?,
        })
    }

    /// Whether the engine answers.
    pub async fn ping(&self) -> bool {
        match self.engine.docker().await {
            Ok(docker) => docker.ping().await.is_ok(),
            Err(e) => {
                tracing::debug!(error = %e, "docker engine does not answer");
                false
            }
        }
    }
}

#[async_trait::async_trait]
impl Executor for DockerExecutor {
    fn kind(&self) -> &'static str {
        "docker"
    }

    async fn describe(&self) -> Result<NodeFacts, ExecError> {
        let failed = |e: bollard::errors::Error| ExecError::Failed(message_of(&e));
        let info = self.engine.docker().await.map_err(failed)?.info().await;
        let info = info.map_err(failed)?;
        let engine_labels = info
            .labels
            .unwrap_or_default()
            .into_iter()
            .map(|label| match label.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (label, String::new()),
            })
            .collect::<HashMap<_, _>>();
        Ok(NodeFacts {
            hostname: info.name.unwrap_or_default(),
            os: info.os_type.unwrap_or_default(),
            arch: info.architecture.unwrap_or_default(),
            nano_cpus: info.ncpu.unwrap_or_default().saturating_mul(1_000_000_000),
            memory_bytes: info.mem_total.unwrap_or_default(),
            engine_version: info.server_version.unwrap_or_default(),
            engine_labels,
        })
    }

    fn controller(&self, run: TaskRun) -> Box<dyn Controller> {
        Box::new(DockerController::new(self.engine.clone(), run))
    }

    async fn running_tasks(&self, node_id: &str) -> Result<Vec<String>, ExecError> {
        let containers = self.containers_of(node_id, false).await?;
        Ok(containers
            .into_iter()
            .filter_map(|c| c.labels?.remove(labels::TASK_ID))
            .collect())
    }

    async fn remove_all(&self, node_id: &str) -> Result<(), ExecError> {
        let docker = self
            .engine
            .docker()
            .await
            .map_err(|e| ExecError::Failed(message_of(&e)))?;
        for id in self
            .containers_of(node_id, true)
            .await?
            .into_iter()
            .filter_map(|c| c.id)
        {
            let options = bollard::query_parameters::RemoveContainerOptionsBuilder::default()
                .force(true)
                .v(true)
                .build();
            // Gone already, or being removed: fine.
            let _ = docker.remove_container(&id, Some(options)).await;
        }
        Ok(())
    }

    /// The engine's logs of the task's container (named after the task, as the controller
    /// creates it): stdout and stderr with the engine's timestamps; a follow ends when the
    /// container stops. No container (never created, or removed): an empty stream.
    async fn logs(&self, run: &TaskRun, opts: LogOptions) -> Result<LogStream, ExecError> {
        let docker = self
            .engine
            .docker()
            .await
            .map_err(|e| ExecError::Failed(message_of(&e)))?;
        logs::logs(docker, &run.task_name, opts).await
    }
}
