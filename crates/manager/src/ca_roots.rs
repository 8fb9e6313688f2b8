//! The swarm's roots as the stored state holds them: the root CA record loaded for signing,
//! which root signs now and which roots nodes should trust (both during a rotation, see
//! [`crate::ca_rotation`]). Read by the CA server, the rotation loop and node sessions.

use crate::control::ControlError;
use shoal_ca::RootCa;
use shoal_store::{CaRecord, CaRotation, State};

/// The signing root of a stored CA record.
pub fn root_of(ca: &shoal_store::CaRecord) -> Result<RootCa, ControlError> {
    RootCa::from_pem(&ca.cert_pem, &ca.key_pem)
        .map_err(|e| ControlError::Internal(format!("loading the root CA: {e}")))
}

/// The roots nodes should trust now, PEM: the new root first during a rotation.
pub fn trust_bundle(st: &State) -> String {
    trust_bundle_of(st.ca.as_ref(), st.ca_rotation.as_ref())
}

/// [`trust_bundle`] from the current root and the rotation in progress.
pub fn trust_bundle_of(ca: Option<&CaRecord>, rotation: Option<&CaRotation>) -> String {
    let current = ca.map(|c| c.cert_pem.clone()).unwrap_or_default();
    match rotation {
        Some(r) => format!("{}{}", ensure_newline(&r.next.cert_pem), current),
        None => current,
    }
}

fn ensure_newline(pem: &str) -> String {
    if pem.ends_with('\n') {
        pem.to_string()
    } else {
        format!("{pem}\n")
    }
}

/// The root that signs certificates now.
pub fn signing_root(st: &State) -> Option<&CaRecord> {
    signing_root_of(st.ca.as_ref(), st.ca_rotation.as_ref())
}

/// [`signing_root`] from the current root and the rotation in progress.
pub fn signing_root_of<'a>(
    ca: Option<&'a CaRecord>,
    rotation: Option<&'a CaRotation>,
) -> Option<&'a CaRecord> {
    match rotation {
        Some(r) if r.issuing => Some(&r.next),
        _ => ca,
    }
}
