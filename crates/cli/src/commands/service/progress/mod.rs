//! Waiting for a service to converge after `service create`, `update`,
//! `scale` and `rollback`, showing progress the way docker's monitor does
//! (`overall progress: 2 out of 3 tasks`, one line per slot or node, then
//! `verify: Service <id> converged`).
//!
//! [`updater`] and [`monitor`] decide what to say from fetched objects and
//! the time; [`render`] turns that into terminal or plain text; this file
//! is the polling loop (every 200 ms, forever, until converged, an update
//! pauses, or Ctrl-C).

pub mod monitor;
pub mod msg;
pub mod render;
pub mod updater;

#[cfg(test)]
mod tests;

use crate::client::query_escape;
use crate::commands::filters::{self, Filters};
use crate::commands::Ctx;
use monitor::{Monitor, Step};
use msg::Msg;
use render::Renderer;
use shoal_api::{Node, NodeState, Service, Task};
use std::collections::HashSet;
use std::time::{Duration, Instant};

const POLL: Duration = Duration::from_millis(200);

/// Polls `service_ref` until it converges, printing progress unless
/// `quiet`. Ctrl-C stops waiting (the service keeps converging).
pub async fn wait_on_service(
    ctx: &mut Ctx,
    service_ref: &str,
    quiet: bool,
) -> crate::commands::CliResult {
    let start = Instant::now();
    let mut monitor = Monitor::new(service_ref);
    let mut renderer = Renderer::new(ctx.term_width);
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let mut msgs = Vec::new();
        let service: Service = ctx
            .client
            .get_json(&format!("/services/{}", query_escape(service_ref)))
            .await?;
        let step = monitor.on_service(&service, start.elapsed(), &mut msgs);
        emit(ctx, &mut renderer, &msgs, quiet)?;
        match step {
            Err(e) => return Err(anyhow::anyhow!(e).into()),
            Ok(Step::Done) => return Ok(()),
            Ok(Step::Continue) => {}
        }

        let mut f = Filters::new();
        filters::add(&mut f, "service", &service.id);
        filters::add(&mut f, "_up-to-date", "true");
        let tasks: Vec<Task> = ctx
            .client
            .get_json(&format!(
                "/tasks?filters={}",
                query_escape(&filters::to_json(&f))
            ))
            .await?;
        let nodes: Vec<Node> = ctx.client.get_json("/nodes").await?;
        let active: HashSet<String> = nodes
            .into_iter()
            .filter(|n| n.status.state != NodeState::Down)
            .map(|n| n.id)
            .collect();

        msgs.clear();
        let step = monitor.on_tasks(&service, &tasks, &active, start.elapsed(), &mut msgs);
        emit(ctx, &mut renderer, &msgs, quiet)?;
        if step == Step::Done {
            return Ok(());
        }

        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = &mut ctrl_c => {
                if !monitor.converged() {
                    let msgs = [
                        Msg::status("", "Operation continuing in background."),
                        Msg::status("", format!("Use `shoal service ps {service_ref}` to check progress.")),
                    ];
                    emit(ctx, &mut renderer, &msgs, quiet)?;
                }
                return Ok(());
            }
        }
    }
}

fn emit(ctx: &mut Ctx, renderer: &mut Renderer, msgs: &[Msg], quiet: bool) -> std::io::Result<()> {
    if quiet {
        return Ok(());
    }
    let text: String = msgs.iter().map(|m| renderer.render(m)).collect();
    if text.is_empty() {
        Ok(())
    } else {
        ctx.print(&text)
    }
}
