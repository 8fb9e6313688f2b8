//! Shoal objects in messages: JSON of the `shoal-api` serde types in `bytes ..._json` fields,
//! so the object model is defined once. Errors are `tonic::Status`es, ready to return from a
//! service (`InvalidArgument` for what a peer sent, `Internal` for what we failed to encode).

use serde::de::DeserializeOwned;
use serde::Serialize;
use tonic::Status;

/// `value` as JSON bytes; `what` names it in the error (e.g. "task list").
pub fn encode<T: Serialize + ?Sized>(what: &str, value: &T) -> Result<Vec<u8>, Status> {
    serde_json::to_vec(value).map_err(|e| Status::internal(format!("cannot encode {what}: {e}")))
}

/// Decodes JSON bytes from a message field; `what` names it in the error (e.g.
/// "description_json").
pub fn decode<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T, Status> {
    serde_json::from_slice(bytes)
        .map_err(|e| Status::invalid_argument(format!("invalid {what}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let bytes = encode("list", &vec![1, 2]).unwrap();
        assert_eq!(decode::<Vec<i32>>("list", &bytes).unwrap(), vec![1, 2]);
        let err = decode::<Vec<i32>>("tasks_json", b"{").unwrap_err();
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
        assert!(err.message().starts_with("invalid tasks_json: "));
    }
}
