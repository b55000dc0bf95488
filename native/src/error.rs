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

    /// Bad input to the dev setup (an r1cs, a secret, a power), or a failed write.
    pub fn setup(message: String) -> Self {
        NativeError {
            code: "SETUP_ERR_INPUT",
            message,
        }
    }

    /// The same error re-coded as the dev setup's: the readers it shares with the
    /// prover (binfile.rs) give prover codes.
    pub fn into_setup(self) -> Self {
        NativeError {
            code: if self.code == "SETUP_ERR_IO" {
                self.code
            } else {
                "SETUP_ERR_INPUT"
            },
            message: self.message,
        }
    }

    /// A file the dev setup could not write.
    pub fn io(message: String) -> Self {
        NativeError {
            code: "SETUP_ERR_IO",
            message,
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
