//! Secrets in the store: unique names, label-only updates guarded by version, removal, and
//! snapshots from before secrets existed.

use crate::{apply_batch, Batch, Op, State, StoreError};
use shoal_api::{Secret, Timestamp};

fn secret(id: &str, name: &str) -> Secret {
    let mut s = Secret {
        id: id.into(),
        ..Default::default()
    };
    s.spec.name = name.into();
    s.spec.data = Some("aGk=".into());
    s
}

fn one(state: &mut State, index: u64, op: Op) -> Result<u64, StoreError> {
    apply_batch(state, index, &Batch::new(Timestamp(index as i64), vec![op])).remove(0)
}

#[test]
fn create_update_delete() {
    let mut st = State::default();
    assert_eq!(
        one(&mut st, 2, Op::CreateSecret(Box::new(secret("a", "pw")))),
        Ok(2)
    );
    assert_eq!(st.secrets["a"].version.index, 2);
    assert_eq!(st.secrets["a"].created_at, Timestamp(2));
    let dup = one(&mut st, 3, Op::CreateSecret(Box::new(secret("b", "pw"))));
    assert_eq!(dup.unwrap_err().to_string(), "secret pw already exists");
    assert!(!st.secrets.contains_key("b"));

    let labels: shoal_api::Labels = [("k".to_string(), "v".to_string())].into();
    let update = |v| Op::UpdateSecret {
        id: "a".into(),
        labels: labels.clone(),
        expected_version: v,
    };
    assert_eq!(one(&mut st, 4, update(1)), Err(StoreError::OutOfSequence));
    assert_eq!(one(&mut st, 5, update(2)), Ok(5));
    let s = &st.secrets["a"];
    assert_eq!(
        (s.version.index, s.updated_at, s.created_at),
        (5, Timestamp(5), Timestamp(2))
    );
    assert_eq!(s.spec.labels, labels);
    assert_eq!(s.spec.data.as_deref(), Some("aGk="));

    assert!(crate::resolve(&st, crate::Kind::Secret, "pw") == crate::Resolved::Found("a".into()));
    assert_eq!(one(&mut st, 6, Op::DeleteSecret { id: "a".into() }), Ok(6));
    assert!(matches!(
        one(&mut st, 7, Op::DeleteSecret { id: "a".into() }),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn old_snapshots_load_without_secrets() {
    let mut v = serde_json::to_value(State::default()).unwrap();
    v.as_object_mut().unwrap().remove("secrets");
    let st: State = serde_json::from_value(v).unwrap();
    assert!(st.secrets.is_empty());
}

#[test]
fn restore_keeps_secrets_and_reversions_them() {
    let mut st = State::default();
    one(&mut st, 2, Op::CreateSecret(Box::new(secret("a", "pw")))).unwrap();
    let copy = st.clone();
    let mut fresh = State::default();
    one(&mut fresh, 9, Op::Restore(Box::new(copy))).unwrap();
    assert_eq!(fresh.secrets["a"].version.index, 9);
    assert_eq!(fresh.secrets["a"].spec.data.as_deref(), Some("aGk="));
}
