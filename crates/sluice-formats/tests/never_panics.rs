//! Whatever the payloads hold, decoding never panics, every input row is either kept or
//! reported, and the kept rows encode again.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Fields, TimeUnit};
use proptest::prelude::*;
use sluice_formats::{Decoder, Encoder, Format};

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
    let slices: Vec<Option<&[u8]>> = payloads.iter().map(|p| p.as_deref()).collect();
    let decoder = Decoder::new(&format, fields.clone(), unwrapped).unwrap();
    let decoded = decoder.decode(&slices);
    assert_eq!(decoded.rows.len() + decoded.errors.len(), payloads.len());
    assert!(decoded.columns.iter().all(|c| c.len() == decoded.rows.len()));
    let encoded =
        Encoder::new(&format, fields, unwrapped).unwrap().encode(&decoded.columns, decoded.rows.len());
    assert!(encoded.iter().all(Result::is_ok), "{encoded:?}");
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

proptest! {
    #[test]
    fn json(payloads in proptest::collection::vec(prop_oneof![payload(), json_document()], 0..20)) {
        check(Format::Json, nested(), false, &payloads);
        check(Format::Json, flat(), false, &payloads);
        let one = Fields::from(vec![nested()[0].as_ref().clone()]);
        check(Format::Json, one, true, &payloads);
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
