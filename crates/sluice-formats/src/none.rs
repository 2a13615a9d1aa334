//! NONE: the side holds no columns; whatever the payload holds is ignored, and nothing
//! is written. Used as the key format of keyless streams.

use arrow::datatypes::Fields;

use crate::types::column_list;
use crate::FormatError;

pub(crate) fn check(fields: &Fields) -> Result<(), FormatError> {
    match fields.is_empty() {
        true => Ok(()),
        false => Err(FormatError::Schema(format!(
            "The 'NONE' format can only be used when no columns are defined. Got: {}",
            column_list(fields)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use arrow::datatypes::{DataType, Field};

    use crate::{Decoder, Encoder, Format};

    use super::*;

    #[test]
    fn decodes_nothing_and_keeps_every_row() {
        let d = Decoder::new(&Format::None, Fields::empty(), false, None).unwrap();
        let decoded = d.decode(&[Some(b"data that should be ignored"), None, Some(b"")]);
        assert!(decoded.columns.is_empty() && decoded.errors.is_empty());
        assert_eq!(decoded.rows, vec![0, 1, 2]);
    }

    #[test]
    fn encodes_no_payload() {
        let e = Encoder::new(&Format::None, Fields::empty(), true, None).unwrap();
        assert_eq!(e.encode(&[], 3), vec![Ok(None), Ok(None), Ok(None)]);
    }

    #[test]
    fn rejects_columns() {
        let fields = Fields::from(vec![Field::new("K", DataType::Utf8, true)]);
        let err = Decoder::new(&Format::None, fields.clone(), true, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "The 'NONE' format can only be used when no columns are defined. Got: [`K` STRING]"
        );
        assert!(Encoder::new(&Format::None, fields, true, None).is_err());
    }
}
