//! Reading the fields of a request: each reader names the field's path in its
//! error (`text.body`, `template.components[0].type`).

use super::{Check, FieldError};
use serde_json::{Map, Value};

pub(super) fn invalid(field: &str, problem: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        problem: problem.into(),
        missing: false,
    }
}

pub(super) fn missing(field: &str) -> FieldError {
    FieldError {
        field: field.to_owned(),
        problem: "is required".to_owned(),
        missing: true,
    }
}

pub(super) fn string<'a>(v: &'a Value, field: &str) -> Check<&'a str> {
    match v.get(leaf(field)) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(invalid(field, "must be a string")),
        None => Err(missing(field)),
    }
}

pub(super) fn optional_string<'a>(v: &'a Value, field: &str) -> Check<Option<&'a str>> {
    match v.get(leaf(field)) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(field, "must be a string")),
    }
}

pub(super) fn leaf(field: &str) -> &str {
    field.rsplit('.').next().unwrap_or(field)
}

pub(super) fn length(s: &str, field: &str, min: usize, max: usize) -> Check<()> {
    let n = s.chars().count();
    if n < min {
        Err(invalid(
            field,
            if min == 1 {
                "must not be empty".to_owned()
            } else {
                format!("must have at least {min} characters")
            },
        ))
    } else if n > max {
        Err(invalid(
            field,
            format!("must be at most {max} characters (got {n})"),
        ))
    } else {
        Ok(())
    }
}

pub(super) fn array<'a>(
    v: &'a Value,
    field: &str,
    min: usize,
    max: usize,
) -> Check<&'a Vec<Value>> {
    match v.get(leaf(field)) {
        Some(Value::Array(a)) if a.len() < min => {
            Err(invalid(field, format!("must have at least {min} item(s)")))
        }
        Some(Value::Array(a)) if a.len() > max => Err(invalid(
            field,
            format!("must have at most {max} items (got {})", a.len()),
        )),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(invalid(field, "must be an array")),
        None => Err(missing(field)),
    }
}

pub(super) fn object<'a>(v: &'a Value, field: &str) -> Check<&'a Value> {
    match v.get(leaf(field)) {
        Some(o @ Value::Object(_)) => Ok(o),
        Some(_) => Err(invalid(field, "must be an object")),
        None => Err(missing(field)),
    }
}

pub(super) fn is_web_url(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

/// No string anywhere in the request, keys included, may hold NUL: it is cut off
/// or refused further along, so what was checked would not be what is sent.
pub(super) fn no_nul(obj: &Map<String, Value>, path: &str) -> Check<()> {
    for (key, value) in obj {
        let here = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        if key.contains('\0') {
            return Err(invalid(&here, "must not contain NUL characters"));
        }
        in_value(value, &here)?;
    }
    Ok(())
}

fn in_value(value: &Value, path: &str) -> Check<()> {
    match value {
        Value::String(s) if s.contains('\0') => {
            Err(invalid(path, "must not contain NUL characters"))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| in_value(v, &format!("{path}[{i}]"))),
        Value::Object(obj) => no_nul(obj, path),
        _ => Ok(()),
    }
}
