//! The flag code builds spec parts as Docker's JSON, the shape its parsers and tests speak;
//! these two move such parts in and out of the model's typed members.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// A typed member as JSON (`null` when it cannot be written, which typed data always can).
pub fn to_json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// JSON built from flags as the typed member; an error names the part.
pub fn from_json<T: DeserializeOwned>(what: &str, v: Value) -> anyhow::Result<T> {
    serde_json::from_value(v).map_err(|e| anyhow::anyhow!("invalid {what}: {e}"))
}
