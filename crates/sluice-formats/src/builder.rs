//! Column builders shared by the decoders, and the batch that turns decoded rows into
//! [`Decoded`].
//!
//! The rule every decoder follows: each row appends exactly one entry to every column
//! builder, a null when the row (or that column) failed. Nested builders keep the same
//! rule for their children, so a half-decoded struct or list is still well formed; it is
//! then masked by a null entry, and [`Batch::finish`] filters the failed rows out.

use std::sync::Arc;

use arrow::array::{
    ArrayBuilder, ArrayRef, BinaryBuilder, BooleanArray, BooleanBuilder, Date32Builder, Decimal128Builder,
    Float64Builder, Int32Builder, Int64Builder, ListArray, MapArray, NullBufferBuilder, StringBuilder,
    StructArray, Time32MillisecondBuilder, TimestampMillisecondBuilder,
};
use arrow::buffer::OffsetBuffer;
use arrow::compute::FilterBuilder;
use arrow::datatypes::{DataType, FieldRef, Fields, TimeUnit};
use arrow::error::ArrowError;

use crate::text::Fail;
use crate::types::map_entries;
use crate::{Decoded, FormatError};

/// A builder for one column (or one nested child) of a SQL type.
pub(crate) enum Builder {
    Boolean(BooleanBuilder),
    Int(Int32Builder),
    BigInt(Int64Builder),
    Double(Float64Builder),
    Decimal(Decimal128Builder, u8, i8),
    String(StringBuilder),
    Bytes(BinaryBuilder),
    Date(Date32Builder),
    Time(Time32MillisecondBuilder),
    Timestamp(TimestampMillisecondBuilder),
    List(Box<ListBuilder>),
    Map(Box<MapBuilder>),
    Struct(StructBuilder),
}

pub(crate) struct ListBuilder {
    field: FieldRef,
    lengths: Vec<usize>,
    nulls: NullBufferBuilder,
    pub items: Builder,
}

pub(crate) struct MapBuilder {
    entries: FieldRef,
    sorted: bool,
    lengths: Vec<usize>,
    nulls: NullBufferBuilder,
    pub keys: StringBuilder,
    pub values: Builder,
}

pub(crate) struct StructBuilder {
    pub fields: Fields,
    nulls: NullBufferBuilder,
    pub children: Vec<Builder>,
}

impl Builder {
    /// A builder for `dt`; the schema checks have already accepted `dt`.
    pub fn new(dt: &DataType, capacity: usize) -> Result<Builder, ArrowError> {
        let unsupported = || ArrowError::NotYetImplemented(format!("no builder for {dt}"));
        Ok(match dt {
            DataType::Boolean => Builder::Boolean(BooleanBuilder::with_capacity(capacity)),
            DataType::Int32 => Builder::Int(Int32Builder::with_capacity(capacity)),
            DataType::Int64 => Builder::BigInt(Int64Builder::with_capacity(capacity)),
            DataType::Float64 => Builder::Double(Float64Builder::with_capacity(capacity)),
            DataType::Decimal128(p, s) => Builder::Decimal(
                Decimal128Builder::with_capacity(capacity).with_precision_and_scale(*p, *s)?,
                *p,
                *s,
            ),
            DataType::Utf8 => Builder::String(StringBuilder::with_capacity(capacity, capacity * 16)),
            DataType::Binary => Builder::Bytes(BinaryBuilder::with_capacity(capacity, capacity * 16)),
            DataType::Date32 => Builder::Date(Date32Builder::with_capacity(capacity)),
            DataType::Time32(TimeUnit::Millisecond) => {
                Builder::Time(Time32MillisecondBuilder::with_capacity(capacity))
            }
            DataType::Timestamp(TimeUnit::Millisecond, tz) => Builder::Timestamp(
                TimestampMillisecondBuilder::with_capacity(capacity).with_timezone_opt(tz.clone()),
            ),
            DataType::List(field) => Builder::List(Box::new(ListBuilder {
                field: field.clone(),
                lengths: Vec::with_capacity(capacity),
                nulls: NullBufferBuilder::new(capacity),
                items: Builder::new(field.data_type(), capacity)?,
            })),
            DataType::Map(entries, sorted) => {
                let (key, value) = map_entries(entries).ok_or_else(unsupported)?;
                if key.data_type() != &DataType::Utf8 {
                    return Err(unsupported());
                }
                Builder::Map(Box::new(MapBuilder {
                    entries: entries.clone(),
                    sorted: *sorted,
                    lengths: Vec::with_capacity(capacity),
                    nulls: NullBufferBuilder::new(capacity),
                    keys: StringBuilder::with_capacity(capacity, capacity * 8),
                    values: Builder::new(value.data_type(), capacity)?,
                }))
            }
            DataType::Struct(fields) => Builder::Struct(StructBuilder {
                fields: fields.clone(),
                nulls: NullBufferBuilder::new(capacity),
                children: fields
                    .iter()
                    .map(|f| Builder::new(f.data_type(), capacity))
                    .collect::<Result<_, _>>()?,
            }),
            _ => return Err(unsupported()),
        })
    }

    /// Appends one null entry (children included, so nested builders stay aligned).
    pub fn append_null(&mut self) {
        match self {
            Builder::Boolean(b) => b.append_null(),
            Builder::Int(b) => b.append_null(),
            Builder::BigInt(b) => b.append_null(),
            Builder::Double(b) => b.append_null(),
            Builder::Decimal(b, ..) => b.append_null(),
            Builder::String(b) => b.append_null(),
            Builder::Bytes(b) => b.append_null(),
            Builder::Date(b) => b.append_null(),
            Builder::Time(b) => b.append_null(),
            Builder::Timestamp(b) => b.append_null(),
            Builder::List(l) => {
                let end = l.items.len();
                l.close(end, false)
            }
            Builder::Map(m) => {
                let end = m.keys.len();
                m.close(end, false)
            }
            Builder::Struct(s) => {
                s.children.iter_mut().for_each(Builder::append_null);
                s.nulls.append_null();
            }
        }
    }

    pub fn finish(self) -> Result<ArrayRef, ArrowError> {
        Ok(match self {
            Builder::Boolean(mut b) => Arc::new(b.finish()),
            Builder::Int(mut b) => Arc::new(b.finish()),
            Builder::BigInt(mut b) => Arc::new(b.finish()),
            Builder::Double(mut b) => Arc::new(b.finish()),
            Builder::Decimal(mut b, ..) => Arc::new(b.finish()),
            Builder::String(mut b) => Arc::new(b.finish()),
            Builder::Bytes(mut b) => Arc::new(b.finish()),
            Builder::Date(mut b) => Arc::new(b.finish()),
            Builder::Time(mut b) => Arc::new(b.finish()),
            Builder::Timestamp(mut b) => Arc::new(b.finish()),
            Builder::List(l) => {
                let ListBuilder { field, lengths, mut nulls, items } = *l;
                let offsets = offsets(lengths, items.len())?;
                Arc::new(ListArray::try_new(field, offsets, items.finish()?, nulls.finish())?)
            }
            Builder::Map(m) => {
                let MapBuilder { entries, sorted, lengths, mut nulls, mut keys, values } = *m;
                let offsets = offsets(lengths, keys.len())?;
                let DataType::Struct(kv) = entries.data_type() else {
                    return Err(ArrowError::InvalidArgumentError("map entries must be a struct".into()));
                };
                let kv =
                    StructArray::try_new(kv.clone(), vec![Arc::new(keys.finish()), values.finish()?], None)?;
                Arc::new(MapArray::try_new(entries, offsets, kv, nulls.finish(), sorted)?)
            }
            Builder::Struct(s) => {
                let StructBuilder { fields, mut nulls, children } = s;
                let len = nulls.len();
                let arrays = children.into_iter().map(Builder::finish).collect::<Result<_, _>>()?;
                Arc::new(StructArray::try_new_with_length(fields, arrays, nulls.finish(), len)?)
            }
        })
    }

    /// The SQL type this builder holds, for error messages.
    pub fn sql_name(&self) -> String {
        let name = match self {
            Builder::Boolean(_) => "BOOLEAN",
            Builder::Int(_) => "INTEGER",
            Builder::BigInt(_) => "BIGINT",
            Builder::Double(_) => "DOUBLE",
            Builder::Decimal(_, p, s) => return format!("DECIMAL({p}, {s})"),
            Builder::String(_) => "STRING",
            Builder::Bytes(_) => "BYTES",
            Builder::Date(_) => "DATE",
            Builder::Time(_) => "TIME",
            Builder::Timestamp(_) => "TIMESTAMP",
            Builder::List(_) => "ARRAY",
            Builder::Map(_) => "MAP",
            Builder::Struct(_) => "STRUCT",
        };
        name.to_string()
    }

    /// The number of entries appended so far.
    pub fn len(&self) -> usize {
        match self {
            Builder::Boolean(b) => b.len(),
            Builder::Int(b) => b.len(),
            Builder::BigInt(b) => b.len(),
            Builder::Double(b) => b.len(),
            Builder::Decimal(b, ..) => b.len(),
            Builder::String(b) => b.len(),
            Builder::Bytes(b) => b.len(),
            Builder::Date(b) => b.len(),
            Builder::Time(b) => b.len(),
            Builder::Timestamp(b) => b.len(),
            Builder::List(l) => l.nulls.len(),
            Builder::Map(m) => m.nulls.len(),
            Builder::Struct(s) => s.nulls.len(),
        }
    }
}

/// List offsets from the lengths of the lists, which add up to `total` children.
fn offsets(lengths: Vec<usize>, total: usize) -> Result<OffsetBuffer<i32>, ArrowError> {
    match i32::try_from(total) {
        Ok(_) => Ok(OffsetBuffer::from_lengths(lengths)),
        Err(_) => Err(ArrowError::ComputeError(format!("{total} nested values overflow i32 offsets"))),
    }
}

impl ListBuilder {
    /// Ends the current list, which holds the items appended since `start`.
    pub fn close(&mut self, start: usize, valid: bool) {
        self.lengths.push(self.items.len() - start);
        self.nulls.append(valid);
    }

    /// Appends one list of `items`, each through `put`. The first item that fails
    /// ends it (the list is then null); its failure is returned with its position.
    pub fn append_each<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        mut put: impl FnMut(&mut Builder, T) -> Result<(), Fail>,
    ) -> Result<(), Fail> {
        let start = self.items.len();
        let mut outcome = Ok(());
        for (i, item) in items.into_iter().enumerate() {
            if let Err(f) = put(&mut self.items, item) {
                outcome = Err(f.at(&format!("[{}]", i + 1)));
                break;
            }
        }
        self.close(start, outcome.is_ok());
        outcome
    }
}

impl MapBuilder {
    /// Ends the current map, which holds the entries appended since `start`.
    pub fn close(&mut self, start: usize, valid: bool) {
        self.lengths.push(self.keys.len() - start);
        self.nulls.append(valid);
    }

    /// Appends one map of `entries`, each value through `put`. The first value
    /// that fails ends it (the map is then null); its failure is returned with its key.
    pub fn append_each<T>(
        &mut self,
        entries: impl IntoIterator<Item = (String, T)>,
        mut put: impl FnMut(&mut Builder, T) -> Result<(), Fail>,
    ) -> Result<(), Fail> {
        let start = self.keys.len();
        let mut outcome = Ok(());
        for (key, value) in entries {
            self.keys.append_value(&key);
            if let Err(f) = put(&mut self.values, value) {
                outcome = Err(f.at(&format!("['{key}']")));
                break;
            }
        }
        self.close(start, outcome.is_ok());
        outcome
    }
}

impl StructBuilder {
    pub fn close(&mut self, valid: bool) {
        self.nulls.append(valid);
    }
}

/// Decoded rows of one batch: the column builders plus which rows failed and why.
pub(crate) struct Batch {
    pub builders: Vec<Builder>,
    /// How many rows were recorded.
    len: usize,
    rows: Vec<usize>,
    errors: Vec<(usize, FormatError)>,
}

impl Batch {
    pub fn new(fields: &Fields, capacity: usize) -> Result<Batch, FormatError> {
        let builders = fields
            .iter()
            .map(|f| Builder::new(f.data_type(), capacity))
            .collect::<Result<_, _>>()
            .map_err(|e| FormatError::Internal(e.to_string()))?;
        Ok(Batch { builders, len: 0, rows: Vec::with_capacity(capacity), errors: Vec::new() })
    }

    /// Records the outcome of input row `index`, whose entries are already appended.
    pub fn row(&mut self, index: usize, outcome: Result<(), FormatError>) {
        self.len += 1;
        debug_assert!(self.builders.iter().all(|b| b.len() == self.len), "row {index} misaligned");
        match outcome {
            Ok(()) => self.rows.push(index),
            Err(e) => self.errors.push((index, e)),
        }
    }

    /// Marks every input row as failed with `error` (for errors that hit the whole batch).
    pub fn fail_all(len: usize, error: FormatError) -> Decoded {
        Decoded {
            columns: Vec::new(),
            rows: Vec::new(),
            errors: (0..len).map(|i| (i, error.clone())).collect(),
        }
    }

    pub fn finish(self) -> Decoded {
        let Batch { builders, len, rows, errors } = self;
        if let Some(b) = builders.iter().find(|b| b.len() != len) {
            let e = format!("a {} column got {} entries for {len} rows", b.sql_name(), b.len());
            return Batch::fail_all(len, FormatError::Internal(e));
        }
        // Which entries to keep is worked out only when some row failed
        // (rarely), rather than remembered for every row.
        let predicate = (!errors.is_empty()).then(|| {
            let mut keep = vec![false; len];
            for &row in &rows {
                if let Some(kept) = keep.get_mut(row) {
                    *kept = true;
                }
            }
            FilterBuilder::new(&BooleanArray::from(keep)).optimize().build()
        });
        let columns = builders.into_iter().map(|b| {
            let array = b.finish()?;
            match &predicate {
                Some(p) => p.filter(&array),
                None => Ok(array),
            }
        });
        match columns.collect::<Result<Vec<_>, ArrowError>>() {
            Ok(columns) => Decoded { columns, rows, errors },
            Err(e) => Batch::fail_all(len, FormatError::Internal(e.to_string())),
        }
    }
}
