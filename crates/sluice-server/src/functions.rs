//! SHOW FUNCTIONS and DESCRIBE FUNCTION, answered from the function registry
//! (`sluice_functions::function_docs`) in ksqlDB's entity shapes.

use serde_json::{json, Value};
use sluice_functions::{describe_function, function_docs, FunctionDoc, FunctionKind};

use crate::entities::EntityError;

fn kind_name(kind: FunctionKind) -> &'static str {
    match kind {
        FunctionKind::Scalar => "SCALAR",
        FunctionKind::Aggregate => "AGGREGATE",
        FunctionKind::Table => "TABLE",
    }
}

/// `SHOW FUNCTIONS`: every function's name, kind and category.
pub fn show_functions(text: &str) -> Value {
    let functions: Vec<Value> = function_docs()
        .iter()
        .map(|f| {
            json!({
                "name": f.name,
                "type": kind_name(f.kind),
                "category": f.category.title().to_ascii_uppercase(),
            })
        })
        .collect();
    json!({ "@type": "function_names", "statementText": text, "functions": functions, "warnings": [] })
}

/// `DESCRIBE FUNCTION name`: its description and one entry per signature.
pub fn describe(name: &str, text: &str) -> Result<Value, EntityError> {
    let doc: FunctionDoc = describe_function(name)
        .ok_or_else(|| EntityError::Invalid(format!("Can't find any functions with the name '{name}'")))?;
    let variants: Vec<Value> = doc.signatures.iter().map(|s| variant(s, doc.description)).collect();
    Ok(json!({
        "@type": "describe_function",
        "statementText": text,
        "name": doc.name,
        "description": doc.description,
        "author": "Sluice",
        "version": env!("CARGO_PKG_VERSION"),
        "path": "internal",
        "type": kind_name(doc.kind),
        "functions": variants,
        "warnings": [],
    }))
}

/// One signature, `NAME(a INT, b STRING, ...) -> INT`, in ksqlDB's shape.
fn variant(signature: &str, description: &str) -> Value {
    let (call, returns) = signature.split_once(") -> ").unwrap_or((signature, ""));
    let parameters = call.split_once('(').map(|(_, p)| p).unwrap_or("");
    let parameters: Vec<&str> = split_top_level(parameters).into_iter().filter(|p| !p.is_empty()).collect();
    let mut arguments: Vec<Value> = Vec::new();
    for parameter in &parameters {
        if *parameter == "..." {
            // The previous parameter repeats.
            if let Some(Value::Object(last)) = arguments.last_mut() {
                last.insert("isVariadic".into(), Value::Bool(true));
            }
            continue;
        }
        let (name, ty) = parameter.split_once(' ').unwrap_or(("", parameter));
        arguments.push(json!({ "name": name, "type": ty, "description": "", "isVariadic": false }));
    }
    let types: Vec<Value> = arguments.iter().map(|a| a["type"].clone()).collect();
    json!({
        "arguments": arguments,
        "argumentTypes": types,
        "returnType": returns,
        "description": description,
    })
}

/// The comma-separated parts of `text` that are not inside `<..>` or `(..)`.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '<' | '(' => depth += 1,
            '>' | ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(text[start..].trim());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_become_ksqldb_variants() {
        let v = variant("SUBSTRING(str STRING, pos INT) -> STRING", "d");
        assert_eq!(v["argumentTypes"], json!(["STRING", "INT"]));
        assert_eq!(v["returnType"], json!("STRING"));
        let v = variant("CONCAT(str STRING, ...) -> STRING", "d");
        assert_eq!(v["arguments"][0]["isVariadic"], json!(true));
        let v = variant("MAP_KEYS(map MAP<K, V>) -> ARRAY<K>", "d");
        assert_eq!(v["argumentTypes"], json!(["MAP<K, V>"]));
    }

    #[test]
    fn listing_and_describing() {
        let shown = show_functions("SHOW FUNCTIONS;");
        assert!(shown["functions"].as_array().is_some_and(|f| f.iter().any(|f| f["name"] == "UCASE")));
        let described = describe("ucase", "DESCRIBE FUNCTION ucase;").unwrap();
        assert_eq!(described["name"], json!("UCASE"));
        assert!(describe("nope", "").is_err());
    }
}
