//! Whatever the payloads hold, decoding never panics, every input row is either kept or
//! reported, and the kept rows encode again.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Fields, TimeUnit};
use proptest::prelude::*;
use sluice_formats::{Decoder, Encoder, Format, MemorySchemaRegistry, SchemaSubject};

fn nested() -> Fields {
    let item = |dt| Arc::new(Field::new("item", dt, true));
    let kv = Fields::from(vec![
        Field::new("key", DataType::Utf8, false),
        Field::new("value", DataType::Int32, true),
    ]);
    let map = DataType::Map(Arc::new(Field::new("entries", DataType::Struct(kv), false)), false);
    let inner = Fields::from(vec![
        Field::new("A", DataType::List(item(DataType::Decimal128(5, 2))), true),
        Field::new("M", map, true),
    ]);
    Fields::from(vec![
        Field::new("S", DataType::Struct(inner), true),
        Field::new("L", DataType::List(item(DataType::Utf8)), true),
    ])
}

fn flat() -> Fields {
    Fields::from(vec![
        Field::new("B", DataType::Boolean, true),
        Field::new("I", DataType::Int32, true),
        Field::new("D", DataType::Float64, true),
        Field::new("DEC", DataType::Decimal128(6, 3), true),
        Field::new("S", DataType::Utf8, true),
        Field::new("BY", DataType::Binary, true),
        Field::new("T", DataType::Time32(TimeUnit::Millisecond), true),
        Field::new("TS", DataType::Timestamp(TimeUnit::Millisecond, None), true),
    ])
}

fn check(format: Format, fields: Fields, unwrapped: bool, payloads: &[Option<Vec<u8>>]) {
    check_with(format, fields, unwrapped, payloads, None);
}

fn check_with(
    format: Format,
    fields: Fields,
    unwrapped: bool,
    payloads: &[Option<Vec<u8>>],
    subject: Option<&SchemaSubject>,
) -> Vec<Option<Vec<u8>>> {
    let slices: Vec<Option<&[u8]>> = payloads.iter().map(|p| p.as_deref()).collect();
    let decoder = Decoder::new(&format, fields.clone(), unwrapped, subject).unwrap();
    let decoded = decoder.decode(&slices);
    assert_eq!(decoded.rows.len() + decoded.errors.len(), payloads.len());
    assert!(decoded.columns.iter().all(|c| c.len() == decoded.rows.len()));
    let encoded = Encoder::new(&format, fields, unwrapped, subject)
        .unwrap()
        .encode(&decoded.columns, decoded.rows.len());
    assert!(encoded.iter().all(Result::is_ok), "{encoded:?}");
    encoded.into_iter().map(Result::unwrap).collect()
}

/// A subject in a fresh registry; the first schema registered gets id 1.
/// (AVRO and PROTOBUF use it alike.)
fn avro_subject() -> SchemaSubject {
    SchemaSubject {
        registry: MemorySchemaRegistry::shared(),
        subject: "t-value".into(),
        schema_id: None,
        full_name: None,
        key: false,
        protobuf_nulls: Default::default(),
    }
}

/// Random bytes after the wire format's header, so that AVRO's decoding paths run.
fn avro_payload() -> impl Strategy<Value = Option<Vec<u8>>> {
    proptest::collection::vec(any::<u8>(), 0..40).prop_map(|datum| {
        let mut payload = vec![0, 0, 0, 0, 1];
        payload.extend(datum);
        Some(payload)
    })
}

fn payload() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        1 => Just(None),
        3 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(Some),
        6 => r#"[\[\]{}":,0-9.eE+\-a-zA-Z\\ ntrufl]{0,60}"#.prop_map(|s| Some(s.into_bytes())),
    ]
}

/// JSON documents built from the column names, so that nested decoding paths are hit.
fn json_document() -> impl Strategy<Value = Option<Vec<u8>>> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        (-1e6f64..1e6).prop_map(serde_json::Value::from),
        "[0-9a-z.=-]{0,8}".prop_map(serde_json::Value::from),
    ];
    let value = leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::from),
            proptest::collection::vec(("(S|s|A|M|L|k|B|I|DEC|T|TS)", inner), 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    });
    value.prop_map(|v| Some(v.to_string().into_bytes()))
}

/// Random bytes after the wire format's header and message index.
fn protobuf_payload() -> impl Strategy<Value = Option<Vec<u8>>> {
    proptest::collection::vec(any::<u8>(), 0..40).prop_map(|message| {
        let mut payload = vec![0, 0, 0, 0, 1, 0];
        payload.extend(message);
        Some(payload)
    })
}

proptest! {
    #[test]
    fn json(payloads in proptest::collection::vec(prop_oneof![payload(), json_document()], 0..20)) {
        check(Format::Json, nested(), false, &payloads);
        check(Format::Json, flat(), false, &payloads);
        let one = Fields::from(vec![nested()[0].as_ref().clone()]);
        check(Format::Json, one, true, &payloads);
    }

    #[test]
    fn avro(payloads in proptest::collection::vec(prop_oneof![payload(), avro_payload()], 0..20)) {
        for fields in [nested(), flat()] {
            let subject = avro_subject();
            // The encoder registers the columns' schema (id 1) before anything decodes.
            Encoder::new(&Format::Avro, fields.clone(), false, Some(&subject)).unwrap();
            check_with(Format::Avro, fields, false, &payloads, Some(&subject));
        }
    }

    #[test]
    fn protobuf(payloads in proptest::collection::vec(prop_oneof![payload(), protobuf_payload()], 0..20)) {
        for fields in [nested(), flat()] {
            let subject = avro_subject();
            // The encoder registers the columns' schema (id 1) before anything decodes.
            Encoder::new(&Format::Protobuf, fields.clone(), false, Some(&subject)).unwrap();
            check_with(Format::Protobuf, fields.clone(), false, &payloads, Some(&subject));
            check_with(Format::ProtobufNoSr, fields, false, &payloads, None);
        }
    }

    /// What JSON documents hold survives a trip through AVRO unchanged.
    #[test]
    fn avro_round_trip(documents in proptest::collection::vec(json_document(), 0..20)) {
        for fields in [nested(), flat()] {
            // JSON as Sluice writes it, then the same rows through AVRO and back.
            let json = check_with(Format::Json, fields.clone(), false, &documents, None);
            let slices: Vec<Option<&[u8]>> = json.iter().map(|p| p.as_deref()).collect();
            let columns = Decoder::new(&Format::Json, fields.clone(), false, None).unwrap().decode(&slices).columns;
            let subject = avro_subject();
            let avro: Vec<Option<Vec<u8>>> = Encoder::new(&Format::Avro, fields.clone(), false, Some(&subject))
                .unwrap()
                .encode(&columns, json.len())
                .into_iter()
                .map(Result::unwrap)
                .collect();
            let slices: Vec<Option<&[u8]>> = avro.iter().map(|p| p.as_deref()).collect();
            let decoded = Decoder::new(&Format::Avro, fields.clone(), false, Some(&subject)).unwrap().decode(&slices);
            prop_assert!(decoded.errors.is_empty(), "{:?}", decoded.errors);
            let again = Encoder::new(&Format::Json, fields, false, None)
                .unwrap()
                .encode(&decoded.columns, decoded.rows.len())
                .into_iter()
                .map(Result::unwrap)
                .collect::<Vec<_>>();
            prop_assert_eq!(again, json);
        }
    }

    #[test]
    fn delimited(payloads in proptest::collection::vec(payload(), 0..20)) {
        check(Format::Delimited { delimiter: ',' }, flat(), false, &payloads);
        check(Format::Delimited { delimiter: 'e' }, flat(), false, &payloads);
    }

    #[test]
    fn kafka(payloads in proptest::collection::vec(payload(), 0..20)) {
        for dt in [DataType::Int32, DataType::Int64, DataType::Float64, DataType::Utf8, DataType::Binary] {
            check(Format::Kafka, Fields::from(vec![Field::new("V", dt, true)]), true, &payloads);
        }
    }
}
