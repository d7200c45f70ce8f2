//! Reading a file's JSON strictly: `serde_json` keeps the last of two equal keys, so a file
//! could give a checksum twice (wrong, then right) or an `id` twice and be read as whichever
//! came last. Here a key given twice in one object refuses the file.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Why the text did not read as strict JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StrictError {
    /// Ends in the middle.
    Truncated,
    NotJson { line: usize, column: usize },
    /// One object names `key` twice; the position is just after the second one.
    DuplicateKey { key: String, line: usize, column: usize },
}

const DUPLICATE: &str = "duplicate key ";

/// Parses `text` as JSON, refusing any object that names a key twice. Nesting is bounded by
/// `serde_json`'s recursion limit, as for any `Value`.
pub fn parse(text: &str) -> Result<Value, StrictError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = StrictValue.deserialize(&mut de).and_then(|v| de.end().map(|_| v)).map_err(|e| {
        let message = e.to_string();
        if let Some(rest) = message.strip_prefix(DUPLICATE) {
            let key = rest.split(" at line").next().unwrap_or_default().trim_matches('`').to_owned();
            StrictError::DuplicateKey { key, line: e.line(), column: e.column() }
        } else if e.classify() == serde_json::error::Category::Eof {
            StrictError::Truncated
        } else {
            StrictError::NotJson { line: e.line(), column: e.column() }
        }
    })?;
    Ok(value)
}

struct StrictValue;

impl<'de> DeserializeSeed<'de> for StrictValue {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        StrictValue.deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element_seed(StrictValue)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                let shown: String = key.chars().take(60).collect();
                return Err(de::Error::custom(format!("{DUPLICATE}`{shown}`")));
            }
            let value = map.next_value_seed(StrictValue)?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_serde_json_reads() {
        let text = r#"{"a": [1, -2, 3.5, true, null, "x"], "b": {"c": {}}, "d": 18446744073709551615}"#;
        assert_eq!(parse(text).unwrap(), serde_json::from_str::<Value>(text).unwrap());
    }

    #[test]
    fn a_key_given_twice_is_refused_at_any_depth() {
        assert!(matches!(parse(r#"{"a": 1, "a": 2}"#), Err(StrictError::DuplicateKey { ref key, line: 1, .. }) if key == "a"));
        let deep = "{\"p\": {\"records\": [{\"id\": \"x\",\n \"id\": \"y\"}]}}";
        assert!(matches!(parse(deep), Err(StrictError::DuplicateKey { ref key, line: 2, .. }) if key == "id"));
        // The same key in two objects is fine.
        assert!(parse(r#"[{"a": 1}, {"a": 2}]"#).is_ok());
    }

    #[test]
    fn damage_is_told_apart_from_a_file_cut_short() {
        assert_eq!(parse(r#"{"a": [1, 2"#), Err(StrictError::Truncated));
        assert!(matches!(parse(r#"{"a": nope}"#), Err(StrictError::NotJson { line: 1, .. })));
        assert!(matches!(parse(r#"{"a": 1} trailing"#), Err(StrictError::NotJson { .. })));
        let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(matches!(parse(&deep), Err(StrictError::NotJson { .. })), "nesting is bounded, not a stack overflow");
    }
}
