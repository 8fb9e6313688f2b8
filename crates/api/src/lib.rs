//! The shoal object model: nodes, services, tasks and the cluster, shaped exactly like the
//! Docker Engine API's JSON so that the stock `docker` CLI and docker-py read them unchanged.
//!
//! Everything here is plain data plus pure helpers (defaults, validation, ids); no I/O, no
//! async, no clock reads.

pub mod assignment;
pub mod attachment;
pub mod cluster;
pub mod defaults;
pub mod driver;
pub mod health;
pub mod ids;
pub mod ipv4;
pub mod logs;
pub mod meta;
pub mod mount;
pub mod netview;
pub mod network;
pub mod node;
pub mod placement;
pub mod references;
pub mod resources;
pub mod secret;
pub mod service;
pub mod task;
pub mod time;
pub mod validate;

pub use assignment::{Assignment, Assignments, StatusUpdate, TaskFileData};
pub use attachment::NetworkAttachmentConfig;
pub use cluster::*;
pub use health::HealthConfig;
pub use meta::*;
pub use mount::Mount;
pub use netview::{NetView, ViewNetwork, ViewNodeAddress, ViewService, ViewTask};
pub use node::*;
pub use placement::{ImagePlatform, Placement, PlacementPreference};
pub use references::{ConfigReference, FileTarget, Reference, SecretReference};
pub use resources::{Amounts, ResourceAmounts, ResourceRequirements, TaskResources};
pub use secret::{Config, ConfigSpec, Secret, SecretSpec};
pub use service::*;
pub use task::*;
pub use time::Timestamp;
