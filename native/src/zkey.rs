//! Reader of snarkjs Groth16 `.zkey` files (BN254 only).
//!
//! Sections: 1 header (protocol 1 = Groth16), 2 Groth16 header (field sizes and
//! primes, nVars, nPublic, domain size, alpha1, beta1, beta2, gamma2, delta1, delta2),
//! 3 IC, 4 the A and B matrices as (matrix, constraint, signal, value) coefficients,
//! 5 A, 6 B in G1, 7 B in G2, 8 C (private wires), 9 H (one point per domain row).
//! Coordinates are Montgomery-form Fq elements; coefficient values are stored as
//! Montgomery form of `value·R`, so reading them takes one more Montgomery reduction.

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ff::{PrimeField, Zero};
use rayon::prelude::*;

use crate::binfile::{le_bigint, BinFile, Cursor};
use crate::error::NativeError;

const N8: usize = 32;

/// One nonzero entry of the A or B matrix.
pub struct Coeff {
    pub matrix: u32,
    pub constraint: u32,
    pub signal: u32,
    pub value: Fr,
}

/// The verification part of the key, to check every proof before it leaves the prover.
pub struct VerifyingKey {
    pub alpha1: G1Affine,
    pub beta2: G2Affine,
    pub gamma2: G2Affine,
    pub delta2: G2Affine,
    pub ic: Vec<G1Affine>,
}

/// A parsed proving key, kept in memory across proofs.
pub struct ProvingKey {
    pub n_vars: usize,
    pub n_public: usize,
    pub domain_size: usize,
    pub beta1: G1Affine,
    pub delta1: G1Affine,
    pub vk: VerifyingKey,
    pub coeffs: Vec<Coeff>,
    pub a: Vec<G1Affine>,
    pub b1: Vec<G1Affine>,
    pub b2: Vec<G2Affine>,
    pub c: Vec<G1Affine>,
    pub h: Vec<G1Affine>,
}

fn fq(bytes: &[u8]) -> Fq {
    Fq::new_unchecked(le_bigint(bytes))
}

/// A G1 point; snarkjs writes the point at infinity as (0, 0).
fn g1(bytes: &[u8]) -> G1Affine {
    let (x, y) = (fq(&bytes[0..N8]), fq(&bytes[N8..2 * N8]));
    if x.is_zero() && y.is_zero() {
        G1Affine::identity()
    } else {
        G1Affine::new_unchecked(x, y)
    }
}

fn g2(bytes: &[u8]) -> G2Affine {
    let x = Fq2::new(fq(&bytes[0..N8]), fq(&bytes[N8..2 * N8]));
    let y = Fq2::new(fq(&bytes[2 * N8..3 * N8]), fq(&bytes[3 * N8..4 * N8]));
    if x.is_zero() && y.is_zero() {
        G2Affine::identity()
    } else {
        G2Affine::new_unchecked(x, y)
    }
}

fn g1_vec(bytes: &[u8], n: usize) -> Result<Vec<G1Affine>, NativeError> {
    if bytes.len() != n * 2 * N8 {
        return Err(NativeError::format(
            "zkey",
            format!(
                "a G1 section holds {} bytes, {} points expected",
                bytes.len(),
                n
            ),
        ));
    }
    Ok(bytes.par_chunks_exact(2 * N8).map(g1).collect())
}

fn g2_vec(bytes: &[u8], n: usize) -> Result<Vec<G2Affine>, NativeError> {
    if bytes.len() != n * 4 * N8 {
        return Err(NativeError::format(
            "zkey",
            format!(
                "a G2 section holds {} bytes, {} points expected",
                bytes.len(),
                n
            ),
        ));
    }
    Ok(bytes.par_chunks_exact(4 * N8).map(g2).collect())
}

/// Parses a Groth16 zkey of BN254; refuses any other protocol or curve.
pub fn parse(bytes: &[u8]) -> Result<ProvingKey, NativeError> {
    let file = BinFile::parse(bytes, b"zkey", "zkey")?;
    let protocol = Cursor::new(file.section(1)?, "zkey").u32()?;
    if protocol != 1 {
        return Err(NativeError::format(
            "zkey",
            format!("protocol {} is not Groth16 (1)", protocol),
        ));
    }
    let mut h = Cursor::new(file.section(2)?, "zkey");
    let n8q = h.u32()? as usize;
    let q = h.take(n8q)?;
    let n8r = h.u32()? as usize;
    let r = h.take(n8r)?;
    if n8q != N8 || n8r != N8 || le_bigint(q) != Fq::MODULUS || le_bigint(r) != Fr::MODULUS {
        return Err(NativeError::format(
            "zkey",
            "the curve is not bn128 (BN254)".into(),
        ));
    }
    let n_vars = h.u32()? as usize;
    let n_public = h.u32()? as usize;
    let domain_size = h.u32()? as usize;
    if !domain_size.is_power_of_two() {
        return Err(NativeError::format(
            "zkey",
            format!("domain size {} is not a power of two", domain_size),
        ));
    }
    if n_vars <= n_public {
        return Err(NativeError::format(
            "zkey",
            format!("{} wires cannot hold {} public signals", n_vars, n_public),
        ));
    }
    let alpha1 = g1(h.take(2 * N8)?);
    let beta1 = g1(h.take(2 * N8)?);
    let beta2 = g2(h.take(4 * N8)?);
    let gamma2 = g2(h.take(4 * N8)?);
    let delta1 = g1(h.take(2 * N8)?);
    let delta2 = g2(h.take(4 * N8)?);

    let ic = g1_vec(file.section(3)?, n_public + 1)?;
    let mut cs = Cursor::new(file.section(4)?, "zkey");
    let n_coeffs = cs.u32()? as usize;
    let raw = cs.take(n_coeffs * (12 + N8))?;
    let coeffs: Vec<Coeff> = raw
        .par_chunks_exact(12 + N8)
        .map(|c| {
            let stored = Fr::new_unchecked(le_bigint(&c[12..]));
            Coeff {
                matrix: u32::from_le_bytes(c[0..4].try_into().unwrap()),
                constraint: u32::from_le_bytes(c[4..8].try_into().unwrap()),
                signal: u32::from_le_bytes(c[8..12].try_into().unwrap()),
                value: Fr::new_unchecked(stored.into_bigint()),
            }
        })
        .collect();
    if let Some(bad) = coeffs.iter().find(|c| {
        c.matrix > 1 || c.constraint as usize >= domain_size || c.signal as usize >= n_vars
    }) {
        return Err(NativeError::format(
            "zkey",
            format!(
                "coefficient (matrix {}, constraint {}, signal {}) is out of range",
                bad.matrix, bad.constraint, bad.signal
            ),
        ));
    }
    Ok(ProvingKey {
        n_vars,
        n_public,
        domain_size,
        beta1,
        delta1,
        vk: VerifyingKey {
            alpha1,
            beta2,
            gamma2,
            delta2,
            ic,
        },
        coeffs,
        a: g1_vec(file.section(5)?, n_vars)?,
        b1: g1_vec(file.section(6)?, n_vars)?,
        b2: g2_vec(file.section(7)?, n_vars)?,
        c: g1_vec(file.section(8)?, n_vars - n_public - 1)?,
        h: g1_vec(file.section(9)?, domain_size)?,
    })
}
