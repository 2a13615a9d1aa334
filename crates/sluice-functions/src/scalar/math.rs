//! Numeric functions: ABS, CEIL, FLOOR, SIGN, SQRT, CBRT, EXP, LN, LOG,
//! POWER, the trigonometric functions, DEGREES, RADIANS, PI, RANDOM and
//! GEO_DISTANCE. ROUND and TRUNC are in `round.rs`, GREATEST and LEAST in
//! `compare.rs`.
//!
//! Functions of a DOUBLE take INT and BIGINT too (ksqlDB widens them) and
//! follow Java's `Math`: a negative square root is NaN, not an error.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef};
use datafusion::arrow::datatypes::{DataType, Float64Type, Int32Type, Int64Type};
use datafusion::common::{exec_err, Result};

use super::args::*;
use super::udf::{exact, first_of, Call, Def, Reject, Resolved, P};

/// A function of one DOUBLE.
macro_rules! unary {
    ($name:literal, $description:literal, $f:expr) => {
        Def::new($name, $description, double_sig, |c| double_unary(c, $f))
    };
}

pub(super) fn defs() -> Vec<Def> {
    vec![
        Def::new("Abs", "The absolute value.", same_numeric_sig, abs)
            .sigs(&[
                "ABS(x INT) -> INT",
                "ABS(x BIGINT) -> BIGINT",
                "ABS(x DOUBLE) -> DOUBLE",
                "ABS(x DECIMAL) -> DECIMAL",
            ]),
        Def::new("Ceil", "The smallest integral value not below the argument.", same_numeric_sig, |c| {
            integral(c, f64::ceil, Towards::Ceiling)
        })
        .sigs(&[
            "CEIL(x INT) -> INT",
            "CEIL(x BIGINT) -> BIGINT",
            "CEIL(x DOUBLE) -> DOUBLE",
            "CEIL(x DECIMAL) -> DECIMAL",
        ]),
        Def::new("Floor", "The largest integral value not above the argument.", same_numeric_sig, |c| {
            integral(c, f64::floor, Towards::Floor)
        })
        .sigs(&[
            "FLOOR(x INT) -> INT",
            "FLOOR(x BIGINT) -> BIGINT",
            "FLOOR(x DOUBLE) -> DOUBLE",
            "FLOOR(x DECIMAL) -> DECIMAL",
        ]),
        Def::new("sign", "The sign of a number: -1, 0 or 1.", sign_sig, sign)
            .sigs(&["SIGN(x INT) -> INT", "SIGN(x BIGINT) -> INT", "SIGN(x DOUBLE) -> INT"]),
        unary!("sqrt", "The square root.", f64::sqrt).sigs(&["SQRT(x DOUBLE) -> DOUBLE"]),
        unary!("cbrt", "The cube root.", f64::cbrt).sigs(&["CBRT(x DOUBLE) -> DOUBLE"]),
        unary!("exp", "e raised to the argument.", f64::exp).sigs(&["EXP(x DOUBLE) -> DOUBLE"]),
        unary!("ln", "The natural logarithm.", f64::ln).sigs(&["LN(x DOUBLE) -> DOUBLE"]),
        Def::new(
            "log",
            "The natural logarithm of a value, or with two arguments the logarithm of the second in the base of the first.",
            log_sig,
            log,
        )
        .sigs(&["LOG(x DOUBLE) -> DOUBLE", "LOG(base DOUBLE, x DOUBLE) -> DOUBLE"]),
        Def::new("power", "The first argument raised to the second.", double2_sig, |c| {
            double_binary(c, f64::powf)
        })
        .sigs(&["POWER(base DOUBLE, exponent DOUBLE) -> DOUBLE"]),
        unary!("acos", "The arc cosine, in radians.", f64::acos).sigs(&["ACOS(x DOUBLE) -> DOUBLE"]),
        unary!("asin", "The arc sine, in radians.", f64::asin).sigs(&["ASIN(x DOUBLE) -> DOUBLE"]),
        unary!("atan", "The arc tangent, in radians.", f64::atan).sigs(&["ATAN(x DOUBLE) -> DOUBLE"]),
        Def::new("atan2", "The angle of the point (x, y) given as (y, x), in radians.", double2_sig, |c| {
            double_binary(c, f64::atan2)
        })
        .sigs(&["ATAN2(y DOUBLE, x DOUBLE) -> DOUBLE"]),
        unary!("cos", "The cosine of an angle in radians.", f64::cos).sigs(&["COS(x DOUBLE) -> DOUBLE"]),
        unary!("cosh", "The hyperbolic cosine.", f64::cosh).sigs(&["COSH(x DOUBLE) -> DOUBLE"]),
        unary!("cot", "The cotangent of an angle in radians.", |v: f64| 1.0 / v.tan())
            .sigs(&["COT(x DOUBLE) -> DOUBLE"]),
        unary!("sin", "The sine of an angle in radians.", f64::sin).sigs(&["SIN(x DOUBLE) -> DOUBLE"]),
        unary!("sinh", "The hyperbolic sine.", f64::sinh).sigs(&["SINH(x DOUBLE) -> DOUBLE"]),
        unary!("tan", "The tangent of an angle in radians.", f64::tan).sigs(&["TAN(x DOUBLE) -> DOUBLE"]),
        unary!("tanh", "The hyperbolic tangent.", f64::tanh).sigs(&["TANH(x DOUBLE) -> DOUBLE"]),
        unary!("degrees", "Converts radians to degrees.", f64::to_degrees)
            .sigs(&["DEGREES(x DOUBLE) -> DOUBLE"]),
        unary!("radians", "Converts degrees to radians.", f64::to_radians)
            .sigs(&["RADIANS(x DOUBLE) -> DOUBLE"]),
        Def::new("pi", "The value of pi.", no_arg_double, |c| Ok(double_rows(c.rows, |_| Some(std::f64::consts::PI))))
            .sigs(&["PI() -> DOUBLE"]),
        Def::new("random", "A random DOUBLE in [0, 1).", no_arg_double, |c| {
            Ok(double_rows(c.rows, |_| Some(random_unit())))
        })
        .sigs(&["RANDOM() -> DOUBLE"])
        .volatile(),
        Def::new(
            "geo_distance",
            "The great-circle distance between two (lat, lon) points in degrees, in km or, with 'MI', miles.",
            geo_sig,
            geo_distance,
        )
        .sigs(&[
            "GEO_DISTANCE(lat1 DOUBLE, lon1 DOUBLE, lat2 DOUBLE, lon2 DOUBLE) -> DOUBLE",
            "GEO_DISTANCE(lat1 DOUBLE, lon1 DOUBLE, lat2 DOUBLE, lon2 DOUBLE, unit STRING) -> DOUBLE",
        ]),
    ]
}

fn double_sig(t: &[DataType]) -> Resolved {
    first_of(t, &[(&[P::Double], DataType::Float64)])
}

fn double2_sig(t: &[DataType]) -> Resolved {
    first_of(t, &[(&[P::Double, P::Double], DataType::Float64)])
}

fn no_arg_double(t: &[DataType]) -> Resolved {
    first_of(t, &[(&[], DataType::Float64)])
}

fn double_unary(c: &Call, f: impl Fn(f64) -> f64) -> Result<ArrayRef> {
    let d = doubles(arg(c.args, 0, "math")?)?;
    Ok(Arc::new(d.unary::<_, Float64Type>(f)))
}

fn double_binary(c: &Call, f: impl Fn(f64, f64) -> f64) -> Result<ArrayRef> {
    let a = doubles(arg(c.args, 0, "math")?)?;
    let b = doubles(arg(c.args, 1, "math")?)?;
    Ok(Arc::new(datafusion::arrow::compute::binary::<_, _, _, Float64Type>(a, b, f)?))
}

/// INT, BIGINT, DOUBLE and DECIMAL give their own type.
fn same_numeric_sig(t: &[DataType]) -> Resolved {
    let [one] = t else { return Err(Reject::NoMatch) };
    let arg = match one {
        DataType::Decimal128(..) => one.clone(),
        DataType::Null => DataType::Int32,
        _ => [P::Int, P::Bigint, P::Double]
            .iter()
            .find_map(|p| super::udf::fit(one, *p))
            .ok_or(Reject::NoMatch)?,
    };
    Ok((vec![arg.clone()], arg))
}

fn abs(c: &Call) -> Result<ArrayRef> {
    let a = arg(c.args, 0, "ABS")?;
    // Java's Math.abs keeps the most negative integer as it is.
    Ok(match a.data_type() {
        DataType::Int32 => Arc::new(ints(a)?.unary::<_, Int32Type>(i32::wrapping_abs)),
        DataType::Int64 => Arc::new(bigints(a)?.unary::<_, Int64Type>(i64::wrapping_abs)),
        DataType::Float64 => Arc::new(doubles(a)?.unary::<_, Float64Type>(f64::abs)),
        DataType::Decimal128(p, s) => {
            let d = decimals(a)?;
            decimal_rows(c.rows, *p, *s, |i| at(d, i).map(i128::abs))?
        }
        other => return exec_err!("ABS of {other}"),
    })
}

#[derive(Clone, Copy)]
enum Towards {
    Ceiling,
    Floor,
}

/// CEIL and FLOOR: integers are already integral; a DECIMAL keeps its
/// type with the fraction digits zeroed.
fn integral(c: &Call, f: fn(f64) -> f64, towards: Towards) -> Result<ArrayRef> {
    let a = arg(c.args, 0, "CEIL")?;
    Ok(match a.data_type() {
        DataType::Int32 | DataType::Int64 => a.clone(),
        DataType::Float64 => Arc::new(doubles(a)?.unary::<_, Float64Type>(f)),
        DataType::Decimal128(p, s) => {
            let d = decimals(a)?;
            let unit = 10i128.checked_pow(*s as u32).unwrap_or(1).max(1);
            decimal_rows(c.rows, *p, *s, |i| {
                let v = at(d, i)?;
                let floor = v.div_euclid(unit) * unit;
                Some(match towards {
                    Towards::Floor => floor,
                    Towards::Ceiling if floor == v => v,
                    Towards::Ceiling => floor + unit,
                })
            })?
        }
        other => return exec_err!("CEIL of {other}"),
    })
}

fn sign_sig(t: &[DataType]) -> Resolved {
    first_of(
        t,
        &[(&[P::Int], DataType::Int32), (&[P::Bigint], DataType::Int32), (&[P::Double], DataType::Int32)],
    )
}

fn sign(c: &Call) -> Result<ArrayRef> {
    let a = arg(c.args, 0, "SIGN")?;
    Ok(match a.data_type() {
        DataType::Int32 => Arc::new(ints(a)?.unary::<_, Int32Type>(i32::signum)),
        DataType::Int64 => {
            let v = bigints(a)?;
            int_rows(c.rows, |i| at(v, i).map(|x| x.signum() as i32))
        }
        _ => {
            let v = doubles(a)?;
            // Math.signum keeps NaN, and (int) NaN is 0.
            int_rows(c.rows, |i| {
                at(v, i).map(|x| {
                    if x > 0.0 {
                        1
                    } else if x < 0.0 {
                        -1
                    } else {
                        0
                    }
                })
            })
        }
    })
}

fn log_sig(t: &[DataType]) -> Resolved {
    first_of(t, &[(&[P::Double], DataType::Float64), (&[P::Double, P::Double], DataType::Float64)])
}

/// ksqlDB's LOG(base, value): NaN for a base that is not positive or is 1.
pub(crate) fn log_base(base: f64, value: f64) -> f64 {
    if base <= 0.0 || base == 1.0 {
        return f64::NAN;
    }
    value.ln() / base.ln()
}

fn log(c: &Call) -> Result<ArrayRef> {
    if c.args.len() == 1 {
        return double_unary(c, f64::ln);
    }
    double_binary(c, log_base)
}

/// A uniformly distributed double from the thread's random generator.
fn random_unit() -> f64 {
    // 53 random bits, as Java's Math.random uses. A v4 UUID fixes its
    // version and variant bits, so take the 48 bits before the version
    // and 5 from the end.
    let (hi, lo) = uuid::Uuid::new_v4().as_u64_pair();
    let bits = ((hi >> 16) << 5) | (lo & 0x1f);
    bits as f64 / (1u64 << 53) as f64
}

fn geo_sig(t: &[DataType]) -> Resolved {
    let d = P::Double;
    exact(t, &[d, d, d, d])
        .or_else(|| exact(t, &[d, d, d, d, P::Str]))
        .map(|a| (a, DataType::Float64))
        .ok_or(Reject::NoMatch)
}

/// The haversine distance; None for coordinates out of range or an unknown
/// unit, where ksqlDB's function throws.
pub(crate) fn geo_distance_value(
    lat1: f64,
    lon1: f64,
    lat2: f64,
    lon2: f64,
    unit: Option<&str>,
) -> Option<f64> {
    if [lat1, lat2].iter().any(|l| !(-90.0..=90.0).contains(l))
        || [lon1, lon2].iter().any(|l| !(-180.0..=180.0).contains(l))
    {
        return None;
    }
    let radius = match unit.map(|u| u.trim().to_lowercase()).as_deref() {
        None | Some("") => 6371.0,
        Some("mi" | "mile" | "miles") => 3959.0,
        Some("km" | "kilometer" | "kilometers" | "kilometre" | "kilometres") => 6371.0,
        Some(_) => return None,
    };
    let haversin = |v: f64| (v / 2.0).sin().powi(2);
    let a = haversin((lat2 - lat1).to_radians())
        + haversin((lon2 - lon1).to_radians()) * lat1.to_radians().cos() * lat2.to_radians().cos();
    Some(2.0 * a.sqrt().asin() * radius)
}

fn geo_distance(c: &Call) -> Result<ArrayRef> {
    let coords = (0..4).map(|k| doubles(arg(c.args, k, "GEO_DISTANCE")?)).collect::<Result<Vec<_>>>()?;
    let unit = c.args.get(4).map(strs).transpose()?;
    Ok(double_rows(c.rows, |i| {
        let v = coords.iter().map(|a| at(*a, i)).collect::<Option<Vec<f64>>>()?;
        let [lat1, lon1, lat2, lon2] = v[..] else { return None };
        geo_distance_value(lat1, lon1, lat2, lon2, unit.and_then(|u| at(u, i)))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_with_a_base_follows_ksqldb() {
        assert!((log_base(2.0, 8.0) - 3.0).abs() < 1e-12);
        assert!(log_base(1.0, 8.0).is_nan());
        assert!(log_base(-2.0, 8.0).is_nan());
        assert_eq!(log_base(2.0, 0.0), f64::NEG_INFINITY);
    }

    #[test]
    fn geo_distance_in_km_and_miles() {
        let km = geo_distance_value(37.4439, -122.1663, 51.5257, -0.1140, None).unwrap_or_default();
        assert!((km - 8634.574).abs() < 0.01, "{km}");
        let mi = geo_distance_value(37.4439, -122.1663, 51.5257, -0.1140, Some(" MI ")).unwrap_or_default();
        assert!((mi - 5365.606).abs() < 0.01, "{mi}");
        assert_eq!(geo_distance_value(91.0, 0.0, 0.0, 0.0, None), None);
        assert_eq!(geo_distance_value(0.0, 0.0, 0.0, 0.0, Some("parsecs")), None);
    }

    #[test]
    fn random_is_in_the_unit_interval() {
        for _ in 0..100 {
            let r = random_unit();
            assert!((0.0..1.0).contains(&r));
        }
    }
}
