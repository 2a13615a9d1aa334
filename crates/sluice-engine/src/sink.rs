//! The sink of CREATE .. AS SELECT: its name, topic, formats and schema.

use sluice_catalog::{DataSource, FormatDefaults, FormatSpec, SqlType, TimestampColumn, WithClause};
use sluice_planner::QueryPlan;
use sluice_sql::ast::{CreateAsSelect, SourceKind, Statement};

use crate::error::{EngineError, Result};

/// Builds the sink a CREATE .. AS SELECT declares: properties that are not
/// given are inherited from the query's source, as ksqlDB does.
pub fn sink_source(
    create: &CreateAsSelect,
    plan: &QueryPlan,
    defaults: &FormatDefaults,
) -> Result<DataSource> {
    let with = WithClause::new(&create.properties)?;
    let source = &plan.source;
    // Aggregation turns anything into a table.
    let produced = match plan.join.last() {
        _ if plan.aggregation.is_some() => SourceKind::Table,
        Some(join) if join.shape.is_table() => SourceKind::Table,
        Some(_) => SourceKind::Stream,
        None => source.kind,
    };
    if produced != create.kind {
        let (got, use_instead) = match produced {
            SourceKind::Stream => ("STREAM", "CREATE STREAM AS SELECT"),
            SourceKind::Table => ("TABLE", "CREATE TABLE AS SELECT"),
        };
        return Err(EngineError::Invalid(format!(
            "Invalid result type. Your SELECT query produces a {got}. Please use {use_instead} statement instead."
        )));
    }
    let format = with.string("FORMAT");
    // A sink inherits its source's formats, but not the source's schemas.
    let spec = |side: &str, inherited: &FormatSpec, delimiter: &str| -> FormatSpec {
        let name = format.clone().or_else(|| with.string(side));
        match name {
            Some(name) => FormatSpec {
                name: name.to_ascii_uppercase(),
                delimiter: with.string(delimiter),
                ..FormatSpec::default()
            },
            None => FormatSpec {
                name: inherited.name.clone(),
                delimiter: with.string(delimiter).or_else(|| inherited.delimiter.clone()),
                ..FormatSpec::default()
            },
        }
    };
    let has_key = plan.output.key_columns().next().is_some();
    let mut key_format = spec("KEY_FORMAT", &source.key_format, "KEY_DELIMITER");
    if !has_key {
        let explicit = with.string("KEY_FORMAT").filter(|f| !f.eq_ignore_ascii_case("NONE"));
        if explicit.is_some() && produced == SourceKind::Stream {
            return Err(EngineError::Invalid("Key format specified for stream without key columns.".into()));
        }
        key_format = FormatSpec { name: "NONE".into(), ..FormatSpec::default() };
    } else if key_format.name == "NONE" {
        if format.is_some() || with.contains("KEY_FORMAT") {
            let keys: Vec<String> =
                plan.output.key_columns().map(|c| format!("`{}` {} KEY", c.name, c.sql_type)).collect();
            return Err(EngineError::Invalid(format!(
                "The 'NONE' format can only be used when no columns are defined. Got: [{}]",
                keys.join(", ")
            )));
        }
        // A keyless source's NONE is not inherited by a sink that has a key: it gets the
        // default key format.
        key_format = FormatSpec { name: defaults.key.to_ascii_uppercase(), ..FormatSpec::default() };
    }
    let key_format = key_format.with_schema_properties(&with, true)?;
    let value_format =
        spec("VALUE_FORMAT", &source.value_format, "VALUE_DELIMITER").with_schema_properties(&with, false)?;
    let wrap_single_value = with.boolean("WRAP_SINGLE_VALUE")?;
    if wrap_single_value.is_some() && plan.output.value_columns().count() != 1 {
        return Err(EngineError::Invalid(
            "'WRAP_SINGLE_VALUE' is only valid for single-field value schemas".into(),
        ));
    }
    let wrap_single_value =
        defaults.wrapping(wrap_single_value, plan.output.value_columns().count(), &value_format);
    let name = create.name.0.clone();
    let count = |property: &str| -> Result<Option<u32>> {
        Ok(with.integer(property)?.map(|n| u32::try_from(n).unwrap_or(u32::MAX)))
    };
    Ok(DataSource {
        topic: with.string("KAFKA_TOPIC").unwrap_or_else(|| name.clone()),
        name,
        kind: create.kind,
        schema: plan.output.clone(),
        key_format,
        value_format,
        wrap_single_value,
        timestamp: sink_timestamp(&with, plan)?,
        window: plan.windowed_output(),
        is_source: false,
        from_query: true,
        partitions: count("PARTITIONS")?,
        replicas: count("REPLICAS")?,
        retention_ms: with.integer("RETENTION_MS")?,
        sql: Statement::CreateAsSelect(create.clone()).to_string(),
    })
}

/// `WITH (TIMESTAMP='col')` on a sink: its records take their timestamp
/// from that output column.
fn sink_timestamp(with: &WithClause, plan: &QueryPlan) -> Result<Option<TimestampColumn>> {
    let Some(column) = with.string("TIMESTAMP") else { return Ok(None) };
    let column = column.to_ascii_uppercase();
    let format = with.string("TIMESTAMP_FORMAT");
    let Some(found) = plan.output.find(&column) else {
        return Err(EngineError::Invalid(format!(
            "The TIMESTAMP column set in the WITH clause does not exist in the schema: '{column}'"
        )));
    };
    match (&found.sql_type, &format) {
        (SqlType::Bigint | SqlType::Timestamp, None) => Ok(Some(TimestampColumn { column, format })),
        (SqlType::String, Some(pattern)) => {
            // Check the pattern now rather than on the first record.
            sluice_functions::java_time::JavaPattern::new(pattern).map_err(EngineError::Invalid)?;
            Ok(Some(TimestampColumn { column, format }))
        }
        _ => Err(EngineError::Invalid(format!(
            "Timestamp column, `{column}`, should be LONG(INT64), TIMESTAMP, or a String with a timestamp_format specified."
        ))),
    }
}
