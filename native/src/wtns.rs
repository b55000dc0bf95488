//! Reader of `.wtns` witness files (what circom's witness calculator writes with
//! `calculateWTNSBin`): section 1 field size, prime and wire count; section 2 the wire
//! values in standard (not Montgomery) little-endian form.

use ark_bn254::Fr;
use ark_ff::PrimeField;
use rayon::prelude::*;

use crate::binfile::{le_bigint, BinFile, Cursor};
use crate::error::NativeError;

/// The wire values; wire 0 is the constant 1.
pub fn parse(bytes: &[u8]) -> Result<Vec<Fr>, NativeError> {
    let file = BinFile::parse(bytes, b"wtns", "wtns")?;
    let mut h = Cursor::new(file.section(1)?, "wtns");
    let n8 = h.u32()? as usize;
    let q = h.take(n8)?;
    if n8 != 32 || le_bigint(q) != Fr::MODULUS {
        return Err(NativeError::format(
            "wtns",
            "the witness is not over the BN254 scalar field".into(),
        ));
    }
    let n = h.u32()? as usize;
    let data = file.section(2)?;
    if data.len() != n * n8 {
        return Err(NativeError::format(
            "wtns",
            format!(
                "section 2 holds {} bytes, {} wires of {} bytes expected",
                data.len(),
                n,
                n8
            ),
        ));
    }
    data.par_chunks_exact(n8)
        .enumerate()
        .map(|(i, c)| {
            Fr::from_bigint(le_bigint(c))
                .ok_or_else(|| NativeError::witness(format!("wire {} is not a field element", i)))
        })
        .collect()
}
