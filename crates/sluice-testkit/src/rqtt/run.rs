//! Runs an RQTT case against a real Sluice server over HTTP, as ksqlDB's
//! `RestTestExecutor` does against its own:
//!
//! 1. A fresh server (in memory, a free port, `auto.offset.reset=earliest`
//!    as ksqlDB's test server has). The topics the case names or its
//!    CREATE statements name are created first, with 4 partitions unless
//!    they say otherwise (the harness's default), and their schemas are
//!    registered.
//! 2. The statements before the first SELECT go to `/ksql` in one request,
//!    with the case's properties.
//! 3. The inputs are written to their topics, serialized with the topic's
//!    formats, as an outside producer would (all to partition 0). With
//!    `waitForQueryHeader`, that happens once the query's header arrives.
//! 4. When queries follow, the server's persistent queries process the
//!    inputs first; then each SELECT goes to `/query`.
//! 5. The expected topic records, the admin entities and the query answers
//!    are compared; an `expectedError` must match the failing request.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{json, Value};
use sluice_server::{RunningServer, ServerConfig};
use sluice_sql::ast::{Literal, Statement};

use super::matching::{error_mismatch, fields_mismatch};
use super::RqttCase;
use crate::compare::{compare_topic_with, CompareOptions};
use crate::qtt::{
    encode_input, number_mode, read_topic, register_statement_schemas, register_topic_schemas, QttCase,
};
use crate::report::CaseResult;

/// Schema ids by subject.
type Schemas = HashMap<String, u32>;

/// Partitions of the topics the harness creates when nothing says how many.
const DEFAULT_PARTITIONS: u32 = 4;
/// The longest a query's answer may take: a push query that never reaches
/// its LIMIT would otherwise wait forever.
const QUERY_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs one case on a server of its own and says whether it passed.
pub async fn run_rqtt_case(case: &RqttCase) -> CaseResult {
    let config = ServerConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        properties: [("auto.offset.reset".to_string(), "earliest".to_string())].into(),
        ..ServerConfig::default()
    };
    let server = match sluice_server::start(config).await {
        Ok(server) => server,
        Err(e) => return CaseResult::fail(&case.case.name, format!("the server did not start: {e}")),
    };
    let outcome = run(case, &server).await;
    let _ = server.stop().await;
    match outcome {
        Ok(()) => CaseResult::pass(&case.case.name),
        Err(reason) => CaseResult::fail(&case.case.name, reason),
    }
}

/// What a request answered.
enum Answer {
    Ok(Value),
    Error { status: u16, body: Value },
}

async fn run(case: &RqttCase, server: &RunningServer) -> Result<(), String> {
    let qtt = &case.case;
    let url = format!("http://{}", server.local_addr());
    let client = reqwest::Client::new();
    let properties = Value::Object(qtt.properties.clone());
    let schemas = set_up_topics(qtt, server).await?;

    let first_query =
        qtt.statements.iter().position(|s| s.starts_with("SELECT ")).unwrap_or(qtt.statements.len());
    let (admin, queries) = qtt.statements.split_at(first_query);
    let last_statement = qtt.statements.last().cloned().unwrap_or_default();
    // Whether the expected error has been seen (and matched).
    let mut errored = false;
    let check_error = |status: u16, body: &Value| match &case.expected_error {
        Some(expected) => match error_mismatch(expected, status, body, &last_statement) {
            None => Ok(()),
            Some(why) => Err(format!("expected error mismatch: {why}")),
        },
        None => Err(format!("the server failed a statement ({status}): {body}")),
    };

    let mut responses: Vec<Response> = Vec::new();
    if !admin.is_empty() {
        let request = json!({ "ksql": admin.join("\n"), "streamsProperties": properties });
        match post(&client, &format!("{url}/ksql"), &request).await? {
            Answer::Ok(Value::Array(entities)) => responses.extend(entities.into_iter().map(Response::Admin)),
            Answer::Ok(other) => return Err(format!("/ksql answered {other}, not a list of entities")),
            Answer::Error { status, body } => return check_error(status, &body),
        }
    }

    if !case.wait_for_query_header {
        produce_inputs(qtt, &schemas, server).await?;
    }
    if case.expected_error.is_none() && case.responses.len() > responses.len() {
        server.catch_up().await.map_err(|e| e.to_string())?;
    }
    for (i, query) in queries.iter().enumerate() {
        let request = json!({ "ksql": query, "streamsProperties": properties });
        let produce_after_header = case.wait_for_query_header && i == 0;
        let answer = if produce_after_header {
            query_after_header(&client, &format!("{url}/query"), &request, qtt, &schemas, server).await?
        } else {
            tokio::time::timeout(QUERY_TIMEOUT, post(&client, &format!("{url}/query"), &request))
                .await
                .map_err(|_| format!("no complete answer to {query} within {QUERY_TIMEOUT:?}"))??
        };
        match answer {
            Answer::Ok(Value::Array(rows)) => responses.push(Response::Query(rows)),
            Answer::Ok(other) => return Err(format!("/query answered {other}, not an array")),
            Answer::Error { status, body } => {
                check_error(status, &body)?;
                errored = true;
            }
        }
    }
    match &case.expected_error {
        Some(expected) if !errored => {
            return Err(format!(
                "expected an error ({}), but every request succeeded",
                expected.message.as_deref().unwrap_or("?")
            ))
        }
        Some(_) => return Ok(()),
        None => {}
    }

    check_outputs(qtt, server).await?;
    check_responses(&responses, &case.responses, &qtt.statements)
}

/// An answer to compare: one entity of `/ksql`, or one query's items.
enum Response {
    Admin(Value),
    Query(Vec<Value>),
}

fn check_responses(actual: &[Response], expected: &[Value], statements: &[String]) -> Result<(), String> {
    if actual.len() < expected.len() {
        return Err(format!("{} responses, expected at least {}", actual.len(), expected.len()));
    }
    for (idx, (actual, expected)) in actual.iter().zip(expected).enumerate() {
        let statement = statements.get(idx).map(String::as_str).unwrap_or_default();
        let path = format!("responses[{idx}]");
        let Some((kind, payload)) = expected.as_object().and_then(|o| o.iter().next()) else {
            return Err(format!("{path}: an expected response must be an object of one entry"));
        };
        match (kind.as_str(), actual) {
            ("admin", Response::Admin(entity)) => {
                let Value::Object(wanted) = payload else {
                    return Err(format!("{path}: admin must be an object"));
                };
                if let Some(why) = fields_mismatch(entity, wanted, statement, &format!("{path}->admin")) {
                    return Err(why);
                }
            }
            ("query", Response::Query(rows)) => {
                let Value::Array(wanted) = payload else {
                    return Err(format!("{path}: query must be a list"));
                };
                if rows.len() != wanted.len() {
                    return Err(format!(
                        "{path}: {} items, expected {}: got {}",
                        rows.len(),
                        wanted.len(),
                        Value::Array(rows.clone())
                    ));
                }
                for (i, (row, wanted)) in rows.iter().zip(wanted).enumerate() {
                    let Value::Object(wanted) = wanted else {
                        return Err(format!("{path}: rows must be objects"));
                    };
                    if let Some(why) = fields_mismatch(row, wanted, statement, &format!("{path}->query[{i}]"))
                    {
                        return Err(why);
                    }
                }
            }
            ("queryProto", _) => {
                return Err(format!("{path}: pull query answers in PROTOBUF are not supported yet by Sluice"))
            }
            (kind, Response::Admin(entity)) => {
                return Err(format!("{path}: expected a {kind} response, got entity {entity}"))
            }
            (kind, Response::Query(_)) => {
                return Err(format!("{path}: expected a {kind} response, got a query answer"))
            }
        }
    }
    Ok(())
}

async fn post(client: &reqwest::Client, url: &str, body: &Value) -> Result<Answer, String> {
    let response = client.post(url).json(body).send().await.map_err(|e| format!("POST {url}: {e}"))?;
    let status = response.status().as_u16();
    let text = response.text().await.map_err(|e| format!("POST {url}: {e}"))?;
    answer(status, &text)
}

fn answer(status: u16, text: &str) -> Result<Answer, String> {
    let body: Value =
        serde_json::from_str(text).map_err(|e| format!("the answer ({status}) is not JSON ({e}): {text}"))?;
    Ok(if status == 200 { Answer::Ok(body) } else { Answer::Error { status, body } })
}

/// Sends a query, and once its header has arrived writes the inputs and
/// lets the server process them; then reads the answer to its end.
async fn query_after_header(
    client: &reqwest::Client,
    url: &str,
    request: &Value,
    case: &QttCase,
    schemas: &Schemas,
    server: &RunningServer,
) -> Result<Answer, String> {
    let read = async {
        let mut response =
            client.post(url).json(request).send().await.map_err(|e| format!("POST {url}: {e}"))?;
        let status = response.status().as_u16();
        let mut text = String::new();
        let mut produced = false;
        while let Some(chunk) = response.chunk().await.map_err(|e| format!("POST {url}: {e}"))? {
            text.push_str(&String::from_utf8_lossy(&chunk));
            if !produced && status == 200 && text.contains("\"header\"") {
                produced = true;
                produce_inputs(case, schemas, server).await?;
                server.catch_up().await.map_err(|e| e.to_string())?;
            }
        }
        answer(status, &text)
    };
    tokio::time::timeout(QUERY_TIMEOUT, read)
        .await
        .map_err(|_| format!("no complete answer to {request} within {QUERY_TIMEOUT:?}"))?
}

/// Registers the case's schemas and creates its topics, as the harness
/// does before any statement is sent.
/// Returns the ids of the schemas the case gives its topics, by subject.
async fn set_up_topics(case: &QttCase, server: &RunningServer) -> Result<Schemas, String> {
    let case = case.clone();
    server
        .with_engine(move |engine| {
            let statements = parse_statements(&case);
            register_statement_schemas(&case, &statements, engine.registry());
            let schemas = register_topic_schemas(&case, engine.registry())?;
            let log = engine.log();
            let create = |name: &str, partitions: Option<u32>| -> Result<(), String> {
                if log.topic(name).is_none() {
                    log.create_topic(name, partitions.unwrap_or(DEFAULT_PARTITIONS).max(1))
                        .map_err(|e| e.to_string())?;
                }
                Ok(())
            };
            for topic in &case.topics {
                create(&topic.name, topic.partitions)?;
            }
            for statement in &statements {
                let Statement::CreateSource(source) = statement else { continue };
                let Some(Literal::String(topic)) = source.properties.get("KAFKA_TOPIC") else { continue };
                let partitions = match source.properties.get("PARTITIONS") {
                    Some(Literal::Integer(n)) => n.parse().ok(),
                    _ => None,
                };
                create(topic, partitions)?;
            }
            for input in &case.inputs {
                create(&input.topic, None)?;
            }
            Ok(schemas)
        })
        .await
        .map_err(|e| e.to_string())?
}

/// The statements that parse (a statement that does not is the server's
/// to refuse).
fn parse_statements(case: &QttCase) -> Vec<Statement> {
    let mut variables = HashMap::new();
    case.statements
        .iter()
        .flat_map(|text| sluice_sql::parse_script(text, &mut variables))
        .filter_map(|parsed| parsed.ok().map(|p| p.statement))
        .collect()
}

/// Writes the case's inputs to their topics, in file order.
async fn produce_inputs(case: &QttCase, schemas: &Schemas, server: &RunningServer) -> Result<(), String> {
    let case = case.clone();
    let schemas = schemas.clone();
    server
        .with_engine(move |engine| {
            for input in &case.inputs {
                let record = encode_input(input, engine, &schemas)?;
                let log = engine.log();
                if log.topic(&input.topic).is_none() {
                    log.create_topic(&input.topic, DEFAULT_PARTITIONS).map_err(|e| e.to_string())?;
                }
                log.append(&input.topic, 0, record).map_err(|e| e.to_string())?;
            }
            Ok(())
        })
        .await
        .map_err(|e| e.to_string())?
}

/// The expected records of each topic against what the topic holds.
async fn check_outputs(case: &QttCase, server: &RunningServer) -> Result<(), String> {
    let case = case.clone();
    server
        .with_engine(move |engine| {
            let options = CompareOptions { ran_with_insert_statements: case.ran_with_insert_statements() };
            for (topic, expected) in case.outputs_by_topic() {
                let actual = read_topic(topic, engine, number_mode(&case))?;
                compare_topic_with(topic, &expected, &actual, options)?;
            }
            Ok(())
        })
        .await
        .map_err(|e| e.to_string())?
}
