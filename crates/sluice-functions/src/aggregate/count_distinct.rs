//! COUNT_DISTINCT (`CountDistinct`): the approximate number of distinct
//! non-null values, as BIGINT, for any argument type.
//!
//! ksqlDB uses stream-lib's `HyperLogLog` with 2^14 registers fed by its
//! `MurmurHash.hash(Object)`; both are reproduced here so estimates match
//! ksqlDB's exactly, not just statistically. Java values hash as follows:
//! INT and BIGINT through `hashLong`, DOUBLE through its raw bits, STRING
//! through its UTF-8 bytes, and everything else through the bytes of its
//! Java `toString()` (see [`java_string`]). Stream-only: `retract` refuses.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;

use super::types::{cannot_retract, one_arg};
use super::values::{as_i64, as_str, list_elements, map_entries, struct_fields};
use super::{Accumulator, AggregateFunction};
use crate::docs::Category;

const LOG2M: u32 = 14;
const M: usize = 1 << LOG2M;

pub struct CountDistinct;

impl AggregateFunction for CountDistinct {
    fn name(&self) -> &'static str {
        "COUNT_DISTINCT"
    }

    fn description(&self) -> &'static str {
        "This function returns the number of items found in a group. The implementation is probabilistic with a typical accuracy (standard error) of less than 1%."
    }

    fn signatures(&self) -> &'static [&'static str] {
        &["COUNT_DISTINCT(col T) -> BIGINT"]
    }

    fn category(&self) -> Category {
        Category::Counting
    }

    fn return_type(&self, args: &[DataType], constants: &[ScalarValue]) -> Result<DataType, String> {
        one_arg("COUNT_DISTINCT", args, constants).map(|_| DataType::Int64)
    }

    fn accumulator(
        &self,
        args: &[DataType],
        constants: &[ScalarValue],
    ) -> Result<Box<dyn Accumulator>, String> {
        self.return_type(args, constants)?;
        Ok(Box::new(Hll { registers: vec![0; M] }))
    }
}

/// stream-lib's HyperLogLog: one register per hash prefix, holding the
/// largest leading-zero rank seen.
struct Hll {
    registers: Vec<u8>,
}

impl Hll {
    fn offer_hashed(&mut self, hash: i32) {
        let h = hash as u32;
        let j = (h >> (32 - LOG2M)) as usize;
        let rank = ((h << LOG2M) | ((1u32 << (LOG2M - 1)) + 1)).leading_zeros() + 1;
        if let Some(register) = self.registers.get_mut(j) {
            // rank is at most 32 - LOG2M + 1, so it fits a byte.
            *register = (*register).max(rank as u8);
        }
    }

    fn cardinality(&self) -> i64 {
        let m = M as f64;
        let (mut sum, mut zeros) = (0.0f64, 0.0f64);
        for &v in &self.registers {
            sum += 1.0 / f64::from(1u32 << v);
            if v == 0 {
                zeros += 1.0;
            }
        }
        let alpha_mm = (0.7213 / (1.0 + 1.079 / m)) * m * m;
        let estimate = alpha_mm * (1.0 / sum);
        // Small range: linear counting. `as` saturates like Math.round.
        let result = if estimate <= 2.5 * m { m * (m / zeros).ln() } else { estimate };
        result.round() as i64
    }
}

impl Accumulator for Hll {
    fn add(&mut self, args: &[ScalarValue]) -> Result<(), String> {
        if let Some(value) = args.first().filter(|v| !v.is_null()) {
            self.offer_hashed(java_hash(value));
        }
        Ok(())
    }

    fn retract(&mut self, _args: &[ScalarValue]) -> Result<(), String> {
        cannot_retract("COUNT_DISTINCT")
    }

    fn value(&self) -> ScalarValue {
        ScalarValue::Int64(Some(self.cardinality()))
    }
}

/// stream-lib's `MurmurHash.hash(Object)` for the Java value ksqlDB holds.
fn java_hash(value: &ScalarValue) -> i32 {
    if let Some(v) = as_i64(value) {
        return hash_long(v);
    }
    match value {
        ScalarValue::Float64(Some(v)) => hash_long(v.to_bits() as i64),
        _ => match as_str(value) {
            Some(s) => hash_bytes(s.as_bytes()),
            None => hash_bytes(java_string(value).as_bytes()),
        },
    }
}

const MURMUR_M: i32 = 0x5bd1e995;

/// MurmurHash2 over bytes with seed -1; Java bytes are signed, which the
/// tail mixing shows.
fn hash_bytes(data: &[u8]) -> i32 {
    let len = data.len();
    let mut h: i32 = -1 ^ (len as i32);
    for chunk in data.chunks_exact(4) {
        let mut k = i32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(MURMUR_M);
        k ^= ((k as u32) >> 24) as i32;
        k = k.wrapping_mul(MURMUR_M);
        h = h.wrapping_mul(MURMUR_M);
        h ^= k;
    }
    let tail = &data[len - len % 4..];
    if !tail.is_empty() {
        let signed = |b: u8| i32::from(b as i8);
        if tail.len() >= 3 {
            h ^= signed(tail[tail.len() - 3]) << 16;
        }
        if tail.len() >= 2 {
            h ^= signed(tail[tail.len() - 2]) << 8;
        }
        h ^= signed(tail[tail.len() - 1]);
        h = h.wrapping_mul(MURMUR_M);
    }
    h ^= ((h as u32) >> 13) as i32;
    h = h.wrapping_mul(MURMUR_M);
    h ^= ((h as u32) >> 15) as i32;
    h
}

/// MurmurHash2 of a long, as stream-lib's `hashLong`.
fn hash_long(data: i64) -> i32 {
    let mix = |k: i32| {
        let k = k.wrapping_mul(MURMUR_M);
        (k ^ ((k as u32) >> 24) as i32).wrapping_mul(MURMUR_M)
    };
    let mut h = mix(data as i32);
    h = h.wrapping_mul(MURMUR_M) ^ mix((data >> 32) as i32);
    h ^= ((h as u32) >> 13) as i32;
    h = h.wrapping_mul(MURMUR_M);
    h ^= ((h as u32) >> 15) as i32;
    h
}

/// Java's `toString()` of the object ksqlDB holds for a value. DATE, TIME
/// and TIMESTAMP print in UTC (the JVM's zone decides in ksqlDB). BYTES
/// are a `ByteBuffer`, whose `toString()` shows only its length, so ksqlDB
/// counts byte strings of one length as one value; that is kept.
pub(crate) fn java_string(value: &ScalarValue) -> String {
    if value.is_null() {
        return "null".into();
    }
    if let Some(v) = as_i64(value) {
        return v.to_string();
    }
    if let Some(s) = as_str(value) {
        return s.to_string();
    }
    match value {
        ScalarValue::Boolean(Some(b)) => b.to_string(),
        ScalarValue::Float64(Some(v)) => crate::scalar::javafmt::double(*v),
        ScalarValue::Float32(Some(v)) => crate::scalar::javafmt::double(f64::from(*v)),
        ScalarValue::Decimal128(Some(v), _, s) => big_decimal(*v, *s),
        ScalarValue::Date32(Some(d)) => date(i64::from(*d)),
        ScalarValue::Time32Millisecond(Some(ms)) => time(i64::from(*ms)),
        ScalarValue::TimestampMillisecond(Some(ms), _) => {
            let nanos = ms.rem_euclid(1000) * 1_000_000;
            let frac = if nanos == 0 {
                "0".to_string()
            } else {
                format!("{nanos:09}").trim_end_matches('0').to_string()
            };
            format!("{} {}.{frac}", date(ms.div_euclid(86_400_000)), time(*ms))
        }
        ScalarValue::Binary(Some(b))
        | ScalarValue::LargeBinary(Some(b))
        | ScalarValue::BinaryView(Some(b)) => {
            format!("java.nio.HeapByteBuffer[pos=0 lim={n} cap={n}]", n = b.len())
        }
        ScalarValue::List(_) | ScalarValue::LargeList(_) => {
            let items: Vec<String> = list_elements(value).iter().map(java_string).collect();
            format!("[{}]", items.join(", "))
        }
        ScalarValue::Map(_) => {
            let items: Vec<String> = map_entries(value)
                .iter()
                .map(|(k, v)| format!("{}={}", java_string(k), java_string(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        ScalarValue::Struct(arr) => {
            // Kafka Connect's Struct.toString skips null fields.
            let names = arr.fields().iter().map(|f| f.name().clone());
            let items: Vec<String> = names
                .zip(struct_fields(value))
                .filter(|(_, v)| !v.is_null())
                .map(|(n, v)| format!("{n}={}", java_string(&v)))
                .collect();
            format!("Struct{{{}}}", items.join(","))
        }
        other => other.to_string(),
    }
}

/// `BigDecimal.toString`: plain unless the scale is negative or the value
/// is below 10^-6, then scientific with the exponent of the first digit.
fn big_decimal(unscaled: i128, scale: i8) -> String {
    let sign = if unscaled < 0 { "-" } else { "" };
    let digits = unscaled.unsigned_abs().to_string();
    let scale = i64::from(scale);
    let adjusted = digits.len() as i64 - 1 - scale;
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    if scale > 0 && adjusted >= -6 {
        let scale = scale as usize;
        let plain = if digits.len() > scale {
            format!("{}.{}", &digits[..digits.len() - scale], &digits[digits.len() - scale..])
        } else {
            format!("0.{}{digits}", "0".repeat(scale - digits.len()))
        };
        return format!("{sign}{plain}");
    }
    let (first, rest) = digits.split_at(1);
    let point = if rest.is_empty() { String::new() } else { format!(".{rest}") };
    let exp_sign = if adjusted >= 0 { "+" } else { "" };
    format!("{sign}{first}{point}E{exp_sign}{adjusted}")
}

/// `java.sql.Date.toString` of days since the epoch (proleptic Gregorian).
fn date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// `java.sql.Time.toString` of milliseconds: `hh:mm:ss` of the day.
fn time(millis: i64) -> String {
    let secs = millis.div_euclid(1000).rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

#[cfg(test)]
#[path = "count_distinct_tests.rs"]
mod tests;
