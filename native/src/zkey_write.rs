//! Writer of snarkjs Groth16 `.zkey` files, byte for byte as snarkjs 0.7 `zkey new`
//! writes them (src/zkey_new.js): sections in the order 1, 2, 4, 3, 9, 8, 5, 6, 7, 10,
//! points affine with Montgomery-form little-endian coordinates, (0, 0) for the point at
//! infinity, and the circuit hash (csHash) of section 10: BLAKE2b-512 over the header
//! points and every query in snarkjs' "uncompressed" form (big-endian plain
//! coordinates, an Fq2 as c1 then c0), each query preceded by its length (u32,
//! big-endian).

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};

// The curve's own configs, not the G1Affine/G2Affine aliases: through the aliases' type
// projections the compiler cannot tell the two impls of ZkeyPoint apart.
use ark_bn254::{g1, g2, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::short_weierstrass::Affine;
use ark_ec::AffineRepr;
use ark_ff::{BigInt, Field, PrimeField};
use blake2::{Blake2b512, Digest};
use rayon::prelude::*;

use crate::error::NativeError;

const N8: usize = 32;

/// A point of G1 or G2 as the zkey stores it and as snarkjs hashes it.
pub trait ZkeyPoint: Sync {
    const BYTES: usize;
    /// Montgomery-form little-endian coordinates (the file's form).
    fn lem(&self, out: &mut [u8]);
    /// Plain big-endian coordinates (the csHash's form).
    fn uncompressed(&self, out: &mut [u8]);
}

fn limbs_le(b: &BigInt<4>, out: &mut [u8]) {
    for (i, l) in b.0.iter().enumerate() {
        out[i * 8..i * 8 + 8].copy_from_slice(&l.to_le_bytes());
    }
}

fn limbs_be(b: &BigInt<4>, out: &mut [u8]) {
    for (i, l) in b.0.iter().enumerate() {
        out[N8 - 8 - i * 8..N8 - i * 8].copy_from_slice(&l.to_be_bytes());
    }
}

fn fq2_lem(v: &Fq2, out: &mut [u8]) {
    limbs_le(&v.c0.0, &mut out[..N8]);
    limbs_le(&v.c1.0, &mut out[N8..2 * N8]);
}

fn fq2_be(v: &Fq2, out: &mut [u8]) {
    limbs_be(&v.c1.into_bigint(), &mut out[..N8]);
    limbs_be(&v.c0.into_bigint(), &mut out[N8..2 * N8]);
}

impl ZkeyPoint for Affine<g1::Config> {
    const BYTES: usize = 2 * N8;
    fn lem(&self, out: &mut [u8]) {
        if let Some((x, y)) = self.xy() {
            limbs_le(&x.0, &mut out[..N8]);
            limbs_le(&y.0, &mut out[N8..]);
        }
    }
    fn uncompressed(&self, out: &mut [u8]) {
        if let Some((x, y)) = self.xy() {
            limbs_be(&x.into_bigint(), &mut out[..N8]);
            limbs_be(&y.into_bigint(), &mut out[N8..]);
        }
    }
}

impl ZkeyPoint for Affine<g2::Config> {
    const BYTES: usize = 4 * N8;
    fn lem(&self, out: &mut [u8]) {
        if let Some((x, y)) = self.xy() {
            fq2_lem(&x, &mut out[..2 * N8]);
            fq2_lem(&y, &mut out[2 * N8..]);
        }
    }
    fn uncompressed(&self, out: &mut [u8]) {
        if let Some((x, y)) = self.xy() {
            fq2_be(&x, &mut out[..2 * N8]);
            fq2_be(&y, &mut out[2 * N8..]);
        }
    }
}

/// Encodes points in parallel; the zeroed buffer already holds the point at infinity.
fn encode<P: ZkeyPoint>(points: &[P], f: fn(&P, &mut [u8])) -> Vec<u8> {
    let mut out = vec![0u8; points.len() * P::BYTES];
    out.par_chunks_exact_mut(P::BYTES)
        .zip(points.par_iter())
        .for_each(|(o, p)| f(p, o));
    out
}

/// The Groth16 header (section 2): sizes, the curve's primes and the fixed points.
pub struct Header {
    pub n_vars: usize,
    pub n_public: usize,
    pub domain_size: usize,
    pub alpha1: G1Affine,
    pub beta1: G1Affine,
    pub beta2: G2Affine,
    /// snarkjs `zkey new` leaves gamma and delta at the generators.
    pub gamma2: G2Affine,
    pub delta1: G1Affine,
    pub delta2: G2Affine,
}

/// A zkey being written: sections framed as they come, the csHash fed alongside.
pub struct ZkeyWriter {
    out: BufWriter<File>,
    path: String,
    hasher: Blake2b512,
    open: Option<u64>,
}

impl ZkeyWriter {
    pub fn create(path: &str) -> Result<Self, NativeError> {
        let file =
            File::create(path).map_err(|e| NativeError::io(format!("zkey {}: {}", path, e)))?;
        let mut w = ZkeyWriter {
            out: BufWriter::with_capacity(1 << 22, file),
            path: path.to_string(),
            hasher: Blake2b512::new(),
            open: None,
        };
        w.write(b"zkey")?;
        w.write(&1u32.to_le_bytes())?;
        w.write(&10u32.to_le_bytes())?;
        Ok(w)
    }

    fn io(&self, e: std::io::Error) -> NativeError {
        NativeError::io(format!("zkey {}: {}", self.path, e))
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), NativeError> {
        self.out.write_all(bytes).map_err(|e| self.io(e))
    }

    fn start(&mut self, id: u32) -> Result<(), NativeError> {
        self.write(&id.to_le_bytes())?;
        self.write(&0u64.to_le_bytes())?;
        let pos = self.out.stream_position().map_err(|e| self.io(e))?;
        self.open = Some(pos);
        Ok(())
    }

    /// Patches the open section's size into its head.
    fn end(&mut self) -> Result<(), NativeError> {
        let start = self.open.take().expect("a section is open");
        let end = self.out.stream_position().map_err(|e| self.io(e))?;
        self.out
            .seek(SeekFrom::Start(start - 8))
            .and_then(|_| self.out.write_all(&(end - start).to_le_bytes()))
            .and_then(|_| self.out.seek(SeekFrom::Start(end)))
            .map_err(|e| self.io(e))?;
        Ok(())
    }

    /// Sections 1 (protocol: Groth16) and 2 (the header); hashes the header's points.
    pub fn header(&mut self, h: &Header) -> Result<(), NativeError> {
        self.start(1)?;
        self.write(&1u32.to_le_bytes())?;
        self.end()?;
        self.start(2)?;
        let mut prime = [0u8; N8];
        for modulus in [Fq::MODULUS, Fr::MODULUS] {
            self.write(&(N8 as u32).to_le_bytes())?;
            limbs_le(&modulus, &mut prime);
            self.write(&prime)?;
        }
        for v in [h.n_vars, h.n_public, h.domain_size] {
            self.write(&(v as u32).to_le_bytes())?;
        }
        self.point(&h.alpha1)?;
        self.point(&h.beta1)?;
        self.point(&h.beta2)?;
        self.point(&h.gamma2)?;
        self.point(&h.delta1)?;
        self.point(&h.delta2)?;
        self.end()?;
        self.hash_points(&[h.alpha1, h.beta1]);
        self.hash_points(&[h.beta2, h.gamma2]);
        self.hash_points(&[h.delta1]);
        self.hash_points(&[h.delta2]);
        Ok(())
    }

    fn point<P: ZkeyPoint>(&mut self, p: &P) -> Result<(), NativeError> {
        self.write(&encode(std::slice::from_ref(p), P::lem))
    }

    fn hash_points<P: ZkeyPoint>(&mut self, points: &[P]) {
        self.hasher.update(encode(points, P::uncompressed));
    }

    /// Section 4: `(matrix, constraint, signal, value)` entries of A and B, each value
    /// stored as the Montgomery form of `value·R` (snarkjs multiplies by R² mod r).
    pub fn coefficients(&mut self, coeffs: &[(u32, u32, u32, Fr)]) -> Result<(), NativeError> {
        let r = Fr::from(2u64).pow([256u64]);
        let r2 = r * r;
        let mut buf = vec![0u8; coeffs.len() * (12 + N8)];
        buf.par_chunks_exact_mut(12 + N8)
            .zip(coeffs.par_iter())
            .for_each(|(o, (m, c, s, v))| {
                o[0..4].copy_from_slice(&m.to_le_bytes());
                o[4..8].copy_from_slice(&c.to_le_bytes());
                o[8..12].copy_from_slice(&s.to_le_bytes());
                limbs_le(&(*v * r2).into_bigint(), &mut o[12..]);
            });
        self.start(4)?;
        self.write(&(coeffs.len() as u32).to_le_bytes())?;
        self.write(&buf)?;
        self.end()
    }

    /// A query section; `hashed` is what the csHash covers for it (the points
    /// themselves, except for H).
    pub fn query<P: ZkeyPoint>(
        &mut self,
        id: u32,
        points: &[P],
        hashed: Option<&[P]>,
    ) -> Result<(), NativeError> {
        self.start(id)?;
        self.write(&encode(points, P::lem))?;
        self.end()?;
        // For H the count is n − 1 even where snarkjs hashes n points (hash_quirk.rs).
        let count = hashed.map_or(points.len(), |_| points.len() - 1);
        self.hasher.update((count as u32).to_be_bytes());
        self.hash_points(hashed.unwrap_or(points));
        Ok(())
    }

    /// Section 10 (the csHash, no contributions); returns the hash.
    pub fn finish(mut self) -> Result<[u8; 64], NativeError> {
        let hash: [u8; 64] = std::mem::take(&mut self.hasher).finalize().into();
        self.start(10)?;
        self.write(&hash)?;
        self.write(&0u32.to_le_bytes())?;
        self.end()?;
        self.out.flush().map_err(|e| self.io(e))?;
        Ok(hash)
    }
}
