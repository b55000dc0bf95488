//! Errors of the native prover. Each carries one of the PRV_ERR_* codes of the
//! TypeScript side (prover/zk/backend-errors.ts), which reads it back from the message
//! prefix `CODE: ` because an addon error crosses into JavaScript as a plain Error.

use std::fmt;

#[derive(Debug)]
pub struct NativeError {
    pub code: &'static str,
    pub message: String,
}

impl NativeError {
    /// A file that is not a well-formed zkey/wtns of BN254.
    pub fn format(what: &str, message: String) -> Self {
        NativeError {
            code: if what == "wtns" {
                "PRV_ERR_WITNESS"
            } else {
                "PRV_ERR_ZKEY"
            },
            message: format!("{}: {}", what, message),
        }
    }

    /// A zkey that belongs to another circuit than the one it is loaded for.
    pub fn mismatch(message: String) -> Self {
        NativeError {
            code: "PRV_ERR_CIRCUIT_MISMATCH",
            message,
        }
    }

    /// A witness that does not fit or does not satisfy the circuit.
    pub fn witness(message: String) -> Self {
        NativeError {
            code: "PRV_ERR_WITNESS",
            message,
        }
    }
}

impl fmt::Display for NativeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl From<NativeError> for napi::Error {
    fn from(e: NativeError) -> Self {
        napi::Error::from_reason(e.to_string())
    }
}
