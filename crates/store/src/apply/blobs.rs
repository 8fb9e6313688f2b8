//! Secrets and configs, the two labelled blobs of Swarm (one type, two collections):
//! creation under a free name, label-only updates guarded by version, removal.
//! (Tested in `secret_tests.rs`.)

use super::{not_found, At};
use crate::error::StoreError;
use shoal_api::{Labels, Secret};
use std::collections::BTreeMap;

/// One collection of blobs and the word its errors use (`secret`, `config`).
pub(super) struct Blobs<'a> {
    pub objects: &'a mut BTreeMap<String, Secret>,
    pub word: &'static str,
}

impl Blobs<'_> {
    pub(super) fn create(self, at: At, b: &Secret) -> Result<(), StoreError> {
        if self.objects.contains_key(&b.id) {
            return Err(StoreError::IdConflict {
                kind: self.word.into(),
                id: b.id.clone(),
            });
        }
        if self.objects.values().any(|o| o.spec.name == b.spec.name) {
            return Err(StoreError::AlreadyExists(format!(
                "{} {} already exists",
                self.word, b.spec.name
            )));
        }
        let mut b = b.clone();
        b.version.index = at.index;
        b.created_at = at.now;
        b.updated_at = at.now;
        self.objects.insert(b.id.clone(), b);
        Ok(())
    }

    /// Replaces the labels if `expected_version` matches (swarmkit allows nothing else to
    /// change).
    pub(super) fn update(
        self,
        at: At,
        id: &str,
        labels: &Labels,
        expected_version: u64,
    ) -> Result<(), StoreError> {
        let word = self.word;
        let b = self
            .objects
            .get_mut(id)
            .ok_or_else(|| not_found(word, id))?;
        if b.version.index != expected_version {
            return Err(StoreError::OutOfSequence);
        }
        b.spec.labels = labels.clone();
        b.version.index = at.index;
        b.updated_at = at.now;
        Ok(())
    }

    pub(super) fn delete(self, id: &str) -> Result<(), StoreError> {
        self.objects
            .remove(id)
            .ok_or_else(|| not_found(self.word, id))?;
        Ok(())
    }
}
