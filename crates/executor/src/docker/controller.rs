//! [`Controller`] for one task run as a Docker container.

use bollard::errors::Error as BollardError;
use bollard::models::{ContainerInspectResponse, ContainerStateStatusEnum};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, CreateImageOptions, KillContainerOptionsBuilder,
    RemoveContainerOptionsBuilder, StopContainerOptionsBuilder, WaitContainerOptionsBuilder,
};
use bollard::Docker;
use futures_util::StreamExt;
use std::time::Duration;

use super::engine::{message_of, status_of, Engine};
use super::health::{observe, until_unhealthy, Observed, POLL};
use super::spec::{container_body, pull_reference};
use crate::health::UNHEALTHY;
use crate::{labels, Controller, ExecError, Exit, TaskRun};

/// Pause before asking again when the engine ends a wait without an exit status.
const WAIT_RETRY: Duration = Duration::from_secs(1);

pub(crate) struct DockerController {
    engine: Engine,
    run: TaskRun,
    /// Set by `prepare` (created or adopted container).
    container_id: Option<String>,
    /// Remembered so `wait` stays repeatable after the container is removed.
    exit: Option<Exit>,
    /// Its health check declared it unhealthy (we then stopped it).
    unhealthy: bool,
}

impl DockerController {
    pub(crate) fn new(engine: Engine, run: TaskRun) -> Self {
        Self {
            engine,
            run,
            container_id: None,
            exit: None,
            unhealthy: false,
        }
    }

    async fn docker(&self) -> Result<&Docker, BollardError> {
        self.engine.docker().await
    }

    /// The container to act on: the one `prepare` found, else the task's name (so `shutdown`
    /// and `remove` also work on a controller that never prepared, e.g. after a restart).
    fn target(&self) -> &str {
        self.container_id.as_deref().unwrap_or(&self.run.task_name)
    }

    /// The existing container named after this task, if it is this task's.
    async fn existing(&self, docker: &Docker) -> Result<Option<String>, ExecError> {
        match docker.inspect_container(&self.run.task_name, None).await {
            Ok(info) => self.adoptable(info).map(Some),
            Err(e) if status_of(&e) == Some(404) => Ok(None),
            Err(e) => Err(ExecError::Rejected(message_of(&e))),
        }
    }

    fn adoptable(&self, info: ContainerInspectResponse) -> Result<String, ExecError> {
        let task_label = info
            .config
            .as_ref()
            .and_then(|c| c.labels.as_ref())
            .and_then(|l| l.get(labels::TASK_ID));
        match (info.id, task_label) {
            (Some(id), Some(task)) if *task == self.run.task_id => Ok(id),
            _ => Err(ExecError::Rejected(format!(
                "container name {:?} is already in use by a container that is not task {}",
                self.run.task_name, self.run.task_id
            ))),
        }
    }

    /// Pulls the image if it is not there. A failed pull is only logged: the create that follows
    /// reports the engine's "No such image" if the image really is missing (swarmkit does the
    /// same, so a stale local image still runs when the registry is down).
    async fn ensure_image(&self, docker: &Docker) {
        match docker.inspect_image(&self.run.image).await {
            Ok(_) => return,
            Err(e) if status_of(&e) == Some(404) => {}
            Err(e) => {
                tracing::warn!(image = %self.run.image, error = %e, "inspecting image failed");
                return;
            }
        }
        let (from_image, tag) = pull_reference(&self.run.image);
        let options = CreateImageOptions {
            from_image: Some(from_image),
            tag,
            ..Default::default()
        };
        let mut progress = docker.create_image(Some(options), None, None);
        while let Some(item) = progress.next().await {
            if let Err(e) = item {
                tracing::warn!(image = %self.run.image, error = %e, "pulling image failed");
                return;
            }
        }
        tracing::info!(image = %self.run.image, "image pulled");
    }

    async fn create(&self, docker: &Docker) -> Result<String, ExecError> {
        let _networks = self.engine.networks.lock().await;
        for net in &self.run.networks {
            super::networks::ensure(docker, net).await?;
        }
        let options = CreateContainerOptionsBuilder::default()
            .name(&self.run.task_name)
            .build();
        match docker
            .create_container(Some(options), container_body(&self.run))
            .await
        {
            Ok(created) => {
                super::networks::connect_rest(docker, &created.id, &self.run.networks).await?;
                self.put_files(docker, &created.id).await?;
                Ok(created.id)
            }
            // Someone (an earlier, interrupted prepare) created it meanwhile: adopt it.
            Err(e) if status_of(&e) == Some(409) => self
                .existing(docker)
                .await?
                .ok_or_else(|| ExecError::Rejected(message_of(&e))),
            Err(e) => Err(ExecError::Rejected(message_of(&e))),
        }
    }

    /// Places the task's secrets and configs in the created container, before it starts
    /// (the engine extracts the archive into its filesystem).
    async fn put_files(&self, docker: &Docker, id: &str) -> Result<(), ExecError> {
        if self.run.files.is_empty() {
            return Ok(());
        }
        let archive = super::files::tar(&self.run.files).map_err(ExecError::Rejected)?;
        let options = bollard::query_parameters::UploadToContainerOptionsBuilder::default()
            .path("/")
            .build();
        docker
            .upload_to_container(id, Some(options), bollard::body_full(archive.into()))
            .await
            .map_err(|e| {
                ExecError::Rejected(format!("placing secrets and configs: {}", message_of(&e)))
            })
    }

    /// Asks for the exit once; `Ok(None)` means the wait must be retried.
    async fn wait_once(&self, docker: &Docker) -> Result<Option<Exit>, ExecError> {
        // "not-running" (not "next-exit") so an adopted container that exited while we were
        // down reports its exit at once.
        let options = WaitContainerOptionsBuilder::default()
            .condition("not-running")
            .build();
        let mut stream = docker.wait_container(self.target(), Some(options));
        match stream.next().await {
            Some(Ok(response)) => Ok(Some(Exit {
                code: response.status_code,
            })),
            // bollard turns non-zero exits into errors.
            Some(Err(BollardError::DockerContainerWaitError { code, .. })) => {
                Ok(Some(Exit { code }))
            }
            Some(Err(BollardError::RequestTimeoutError)) | None => Ok(None),
            Some(Err(e)) => Err(ExecError::Failed(message_of(&e))),
        }
    }

    /// The container failed its health check: remember it and stop the container (the
    /// restart policy replaces the task).
    async fn stop_unhealthy(&mut self) {
        tracing::info!(task = %self.run.task_id, "container unhealthy; stopping it");
        self.unhealthy = true;
        if let Err(e) = self.shutdown().await {
            tracing::warn!(task = %self.run.task_id, error = %e, "stopping unhealthy container");
        }
    }

    /// How the task ended: its exit, unless it was stopped for being unhealthy.
    fn verdict(&self, exit: Exit) -> Result<Exit, ExecError> {
        if self.unhealthy {
            return Err(ExecError::Failed(UNHEALTHY.to_string()));
        }
        Ok(exit)
    }
}

#[async_trait::async_trait]
impl Controller for DockerController {
    async fn prepare(&mut self) -> Result<(), ExecError> {
        if self.container_id.is_some() {
            return Ok(());
        }
        let docker = self
            .docker()
            .await
            .map_err(|e| ExecError::Rejected(message_of(&e)))?;
        let id = match self.existing(docker).await? {
            Some(id) => {
                tracing::info!(task = %self.run.task_id, container = %id, "adopting container");
                id
            }
            None => {
                self.ensure_image(docker).await;
                self.create(docker).await?
            }
        };
        self.container_id = Some(id);
        Ok(())
    }

    async fn start(&mut self) -> Result<(), ExecError> {
        let docker = self
            .docker()
            .await
            .map_err(|e| ExecError::Failed(message_of(&e)))?;
        let info = docker
            .inspect_container(self.target(), None)
            .await
            .map_err(|e| ExecError::Failed(message_of(&e)))?;
        // Start only a container that was never started: a running one is adopted, an exited
        // one has already run and `wait` will report how it ended (swarmkit does the same).
        let never_started =
            info.state.as_ref().and_then(|s| s.status) == Some(ContainerStateStatusEnum::CREATED);
        if !never_started {
            return Ok(());
        }
        match docker.start_container(self.target(), None).await {
            Ok(()) => Ok(()),
            Err(e) if status_of(&e) == Some(304) => Ok(()),
            Err(e) => Err(ExecError::Failed(format!(
                "starting container failed: {}",
                message_of(&e)
            ))),
        }
    }

    async fn wait(&mut self) -> Result<Exit, ExecError> {
        if let Some(exit) = &self.exit {
            return self.verdict(exit.clone());
        }
        let docker = self.engine.docker().await;
        let docker = docker
            .map_err(|e| ExecError::Failed(message_of(&e)))?
            .clone();
        loop {
            let waited = if self.unhealthy {
                self.wait_once(&docker).await?
            } else {
                tokio::select! {
                    waited = self.wait_once(&docker) => waited?,
                    _ = until_unhealthy(&docker, self.target()) => {
                        self.stop_unhealthy().await;
                        continue;
                    }
                }
            };
            if let Some(exit) = waited {
                self.exit = Some(exit.clone());
                return self.verdict(exit);
            }
            // The engine dropped the wait without an answer (e.g. it is restarting): retry,
            // without hammering it.
            tokio::time::sleep(WAIT_RETRY).await;
        }
    }

    async fn healthy(&mut self) -> Result<(), ExecError> {
        let docker = self.engine.docker().await;
        let docker = docker
            .map_err(|e| ExecError::Failed(message_of(&e)))?
            .clone();
        loop {
            if self.unhealthy {
                return Err(ExecError::Failed(UNHEALTHY.to_string()));
            }
            match observe(&docker, self.target()).await? {
                Observed::Settled | Observed::Healthy => return Ok(()),
                Observed::Unhealthy => self.stop_unhealthy().await,
                Observed::Starting => tokio::time::sleep(POLL).await,
            }
        }
    }

    async fn shutdown(&mut self) -> Result<(), ExecError> {
        let docker = self
            .docker()
            .await
            .map_err(|e| ExecError::Failed(message_of(&e)))?;
        // The engine sends the stop signal, waits `t` seconds, then kills.
        let grace = self.run.stop_grace;
        let secs = grace.as_secs() + u64::from(grace.subsec_nanos() > 0);
        let options = StopContainerOptionsBuilder::default()
            .t(i32::try_from(secs).unwrap_or(i32::MAX))
            .build();
        match docker.stop_container(self.target(), Some(options)).await {
            Ok(()) => Ok(()),
            // 304: not running; 404: no container.
            Err(e) if matches!(status_of(&e), Some(304 | 404)) => Ok(()),
            // A grace longer than the client's request timeout: kill it ourselves.
            Err(BollardError::RequestTimeoutError) => {
                let kill = KillContainerOptionsBuilder::default()
                    .signal("SIGKILL")
                    .build();
                match docker.kill_container(self.target(), Some(kill)).await {
                    Ok(()) => Ok(()),
                    Err(e) if matches!(status_of(&e), Some(404 | 409)) => Ok(()),
                    Err(e) => Err(ExecError::Failed(message_of(&e))),
                }
            }
            Err(e) => Err(ExecError::Failed(message_of(&e))),
        }
    }

    async fn remove(&mut self) -> Result<(), ExecError> {
        let docker = self
            .docker()
            .await
            .map_err(|e| ExecError::Failed(message_of(&e)))?;
        // force: kill it if still running; v: drop its anonymous volumes (swarmkit does both).
        let options = RemoveContainerOptionsBuilder::default()
            .force(true)
            .v(true)
            .build();
        match docker.remove_container(self.target(), Some(options)).await {
            Ok(()) => {}
            // 404: already gone; 409: a removal is already in progress.
            Err(e) if matches!(status_of(&e), Some(404 | 409)) => {}
            Err(e) => return Err(ExecError::Failed(message_of(&e))),
        }
        {
            let _networks = self.engine.networks.lock().await;
            super::networks::release_unused(docker, &self.run.networks).await;
        }
        self.container_id = None;
        Ok(())
    }
}
