//! Format names and the DELIMITED delimiter property.

use crate::FormatError;

/// A key or value format that Sluice can read and write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// One primitive column, written with Kafka's standard serializers.
    Kafka,
    /// JSON objects, or a bare JSON value when unwrapped.
    Json,
    /// JSON in the schema registry's wire format: a magic byte 0 and a
    /// 4-byte schema id before the JSON text. Sluice has no schema
    /// registry: it writes schema id [`JSON_SR_SCHEMA_ID`] and reads any.
    JsonSr,
    /// AVRO datums in the schema registry's wire format.
    Avro,
    /// PROTOBUF messages in the schema registry's wire format.
    Protobuf,
    /// Bare PROTOBUF messages of the schema generated from the columns.
    ProtobufNoSr,
    /// One line of delimiter-separated values.
    Delimited { delimiter: char },
    /// No data at all: the key format of keyless streams.
    None,
}

/// The schema id JSON_SR payloads are written with.
pub const JSON_SR_SCHEMA_ID: u32 = 1;

impl Format {
    /// The format called `name` (case-insensitive), with `delimiter` the value of the
    /// `KEY_DELIMITER`/`VALUE_DELIMITER` property: one character, or `SPACE` / `TAB`.
    /// DELIMITED defaults to `,`; the other formats take no delimiter.
    pub fn from_name(name: &str, delimiter: Option<&str>) -> Result<Format, FormatError> {
        let upper = name.trim().to_ascii_uppercase();
        let format = match upper.as_str() {
            "KAFKA" => Format::Kafka,
            "JSON" => Format::Json,
            "JSON_SR" => Format::JsonSr,
            "AVRO" => Format::Avro,
            "PROTOBUF" => Format::Protobuf,
            "PROTOBUF_NOSR" => Format::ProtobufNoSr,
            "NONE" => Format::None,
            "DELIMITED" => {
                let delimiter = delimiter.map(parse_delimiter).transpose()?.unwrap_or(',');
                return Ok(Format::Delimited { delimiter });
            }
            _ => return Err(FormatError::UnknownFormat(name.to_string())),
        };
        match delimiter {
            Some(_) => Err(FormatError::DelimiterNotSupported { format: format.name() }),
            None => Ok(format),
        }
    }

    /// The ksqlDB name of the format: `KAFKA`, `JSON`, `AVRO`, `DELIMITED` ...
    pub fn name(&self) -> &'static str {
        match self {
            Format::Kafka => "KAFKA",
            Format::Json => "JSON",
            Format::JsonSr => "JSON_SR",
            Format::Avro => "AVRO",
            Format::Protobuf => "PROTOBUF",
            Format::ProtobufNoSr => "PROTOBUF_NOSR",
            Format::Delimited { .. } => "DELIMITED",
            Format::None => "NONE",
        }
    }
}

/// ksqlDB's `Delimiter.parse`: a single non-blank character, or the words `SPACE`/`TAB`.
fn parse_delimiter(value: &str) -> Result<char, FormatError> {
    let invalid = |reason| FormatError::InvalidDelimiter { value: value.to_string(), reason };
    // Java's trim(): everything up to and including ' ' counts as blank.
    if value.chars().all(|c| c <= ' ') {
        return Err(invalid(
            "Delimiter cannot be empty, if you meant to have a tab or space for delimiter, \
             please use the special values 'TAB' or 'SPACE'",
        ));
    }
    let mut chars = value.chars();
    let delimiter = match (chars.next(), chars.next()) {
        (Some(c), None) => c,
        _ if value.eq_ignore_ascii_case("SPACE") => ' ',
        _ if value.eq_ignore_ascii_case("TAB") => '\t',
        _ => return Err(invalid("a delimiter must be a single character, or TAB or SPACE")),
    };
    if delimiter == '"' {
        return Err(invalid("the quote character '\"' cannot be the delimiter"));
    }
    Ok(delimiter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive() {
        assert_eq!(Format::from_name("json", None), Ok(Format::Json));
        assert_eq!(Format::from_name("Kafka", None), Ok(Format::Kafka));
        assert_eq!(Format::from_name("NONE", None), Ok(Format::None));
        assert_eq!(Format::from_name("delimited", None), Ok(Format::Delimited { delimiter: ',' }));
        for f in [Format::Kafka, Format::Json, Format::Delimited { delimiter: '|' }, Format::None] {
            let d = matches!(f, Format::Delimited { .. }).then_some("|");
            assert_eq!(Format::from_name(f.name(), d), Ok(f));
        }
    }

    #[test]
    fn delimiters() {
        let d = |s| Format::from_name("DELIMITED", Some(s));
        assert_eq!(d("SPACE"), Ok(Format::Delimited { delimiter: ' ' }));
        assert_eq!(d("tab"), Ok(Format::Delimited { delimiter: '\t' }));
        assert_eq!(d("|"), Ok(Format::Delimited { delimiter: '|' }));
        assert_eq!(d("§"), Ok(Format::Delimited { delimiter: '§' }));
        for bad in ["", " ", "\t", "||", "\""] {
            assert!(matches!(d(bad), Err(FormatError::InvalidDelimiter { .. })), "{bad:?}");
        }
        let err = d("\t").unwrap_err().to_string();
        assert!(err.contains("please use the special values 'TAB' or 'SPACE'"), "{err}");
    }

    #[test]
    fn delimiter_only_for_delimited() {
        let err = Format::from_name("JSON", Some("|")).unwrap_err();
        assert_eq!(err.to_string(), "JSON does not support the following configs: [delimiter]");
    }

    #[test]
    fn schema_registry_formats() {
        assert_eq!(Format::from_name("avro", None), Ok(Format::Avro));
        assert_eq!(Format::from_name("Protobuf_NoSR", None), Ok(Format::ProtobufNoSr));
        assert_eq!(Format::from_name("PROTOBUF", None), Ok(Format::Protobuf));
    }

    #[test]
    fn unknown_format() {
        assert_eq!(Format::from_name("FOO", None).unwrap_err().to_string(), "Unknown format: FOO");
    }
}
