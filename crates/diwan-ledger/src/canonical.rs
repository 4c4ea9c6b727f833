//! RFC 8785 canonical JSON for the values entries use: objects, arrays, strings, integers
//! within ±(2^53 − 1), booleans and `null`. Floats are refused (entries never hold one).
//!
//! Keys are sorted here, explicitly, so the output does not depend on how `serde_json` orders
//! its maps (which changes with its `preserve_order` feature, enabled or not by any crate in
//! the build).

use serde_json::Value;

use crate::LedgerError;

/// The largest integer every RFC 8785 implementation reads exactly (an IEEE double's 2^53 − 1).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// The canonical bytes of `value`.
pub fn to_vec(value: &Value) -> Result<Vec<u8>, LedgerError> {
    let mut out = Vec::with_capacity(256);
    write(value, &mut out)?;
    Ok(out)
}

fn write(value: &Value, out: &mut Vec<u8>) -> Result<(), LedgerError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(number) => {
            if let Some(n) = number.as_u64() {
                if n > MAX_SAFE_INTEGER {
                    return Err(LedgerError::IntegerOutOfRange(n.to_string()));
                }
                out.extend_from_slice(n.to_string().as_bytes());
            } else if let Some(n) = number.as_i64() {
                if n.unsigned_abs() > MAX_SAFE_INTEGER {
                    return Err(LedgerError::IntegerOutOfRange(n.to_string()));
                }
                out.extend_from_slice(n.to_string().as_bytes());
            } else {
                return Err(LedgerError::MalformedEntry(format!(
                    "{number} is not an integer"
                )));
            }
        }
        Value::String(text) => write_string(text, out)?,
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            // RFC 8785 §3.2.3: by UTF-16 code units.
            entries.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push(b'{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(key, out)?;
                out.push(b':');
                write(item, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// `serde_json` escapes exactly as RFC 8785 asks: `\"`, `\\`, `\b \f \n \r \t`, other control
/// characters as lower-case `\u00xx`, everything else as UTF-8.
fn write_string(text: &str, out: &mut Vec<u8>) -> Result<(), LedgerError> {
    serde_json::to_writer(out, text).map_err(|e| LedgerError::MalformedEntry(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rfc8785_shapes() {
        let value = json!({"b": [1, "x\u{1}\n\"\\/é"], "a": null, "A": true, "\u{e9}": -5});
        let text = String::from_utf8(to_vec(&value).unwrap()).unwrap();
        assert_eq!(
            text,
            r#"{"A":true,"a":null,"b":[1,"x\u0001\n\"\\/é"],"é":-5}"#
        );
    }

    #[test]
    fn refuses_floats_and_large_integers() {
        assert!(to_vec(&json!(1.5)).is_err());
        assert!(to_vec(&json!(MAX_SAFE_INTEGER)).is_ok());
        assert!(to_vec(&json!(MAX_SAFE_INTEGER + 1)).is_err());
        assert!(to_vec(&json!(-(MAX_SAFE_INTEGER as i64) - 1)).is_err());
    }
}
