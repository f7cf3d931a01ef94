//! Request bodies checked against Discord's OpenAPI spec.

use std::collections::HashMap;
use std::sync::Mutex;

use jsonschema::{Draft, Validator};
use serde_json::{json, Value};

/// The vendored spec, compiled into the crate so tests need no file paths.
const OPENAPI: &str = include_str!("../spec/openapi.json");

#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("the vendored openapi.json does not parse: {0}")]
    Parse(#[from] serde_json::Error),
    #[error("the spec has no usable schema {name}: {message}")]
    Schema { name: String, message: String },
}

/// Discord's schemas, with a validator compiled once per schema name.
pub struct Spec {
    components: Value,
    validators: Mutex<HashMap<String, std::sync::Arc<Validator>>>,
}

impl Spec {
    pub fn load() -> Result<Spec, SpecError> {
        let mut doc: Value = serde_json::from_str(OPENAPI)?;
        let components = doc
            .get_mut("components")
            .map(Value::take)
            .unwrap_or(Value::Null);
        Ok(Spec {
            components,
            validators: Mutex::new(HashMap::new()),
        })
    }

    /// Every way `body` breaks the schema `#/components/schemas/<name>`, each as
    /// "<path in the body>: <what is wrong>". Empty when the body is valid.
    pub fn violations(&self, name: &str, body: &Value) -> Result<Vec<String>, SpecError> {
        let validator = self.validator(name)?;
        Ok(validator
            .iter_errors(body)
            .map(|err| format!("{}: {err}", err.instance_path()))
            .collect())
    }

    fn validator(&self, name: &str) -> Result<std::sync::Arc<Validator>, SpecError> {
        let mut cache = self
            .validators
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(validator) = cache.get(name) {
            return Ok(validator.clone());
        }
        if self.components["schemas"].get(name).is_none() {
            return Err(SpecError::Schema {
                name: name.to_string(),
                message: "not in #/components/schemas".to_string(),
            });
        }
        let wrapper = json!({
            "$ref": format!("#/components/schemas/{name}"),
            "components": self.components,
        });
        let validator = jsonschema::options()
            .with_draft(Draft::Draft202012)
            .build(&wrapper)
            .map_err(|err| SpecError::Schema {
                name: name.to_string(),
                message: err.to_string(),
            })?;
        let validator = std::sync::Arc::new(validator);
        cache.insert(name.to_string(), validator.clone());
        Ok(validator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_that_breaks_the_schema_is_reported_with_its_path() {
        let spec = Spec::load().expect("the vendored spec loads");
        let ok =
            json!({"content": "hi", "allowed_mentions": {"parse": [], "users": [], "roles": []}});
        assert_eq!(
            spec.violations("MessageCreateRequest", &ok).unwrap(),
            Vec::<String>::new()
        );
        let bad = json!({"content": "hi", "tts": "yes"});
        let found = spec.violations("MessageCreateRequest", &bad).unwrap();
        assert!(found.iter().any(|v| v.starts_with("/tts")), "{found:?}");
        assert!(spec.violations("NoSuchSchema", &ok).is_err());
    }
}
