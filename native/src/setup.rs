//! INSECURE development Groth16 setup: the zkey that snarkjs `zkey new` writes over the
//! dev powers of tau (scripts/lib/ptau-dev.ts), computed from the dev secrets directly.
//!
//! `zkey new` reads the Lagrange points L_c(τ)·G of the circuit's domain from the
//! ptau and sums them per wire, weighted by the r1cs coefficients. With τ, α and β
//! known, the same sums are taken in Fr and each query point is one fixed-base
//! multiplication: A_s = Σ a·L_c(τ)·G1, B_s likewise in G1 and G2, and
//! IC_s / C_s = (β·A_s(τ) + α·B_s(τ) + C_s(τ))·G1, with γ = δ = 1 as `zkey new` leaves
//! them. As snarkjs does, rows nC..nC+nPublic get one extra constraint each, `1·w_s` in
//! A, so that the public inputs are bound to the proof.
//!
//! H is what the ptau's section 12 holds for the 2n domain at the odd rows. When the
//! domain is as large as the ptau allows (2n = 2^(power+1)), `prepare phase2` built that
//! block without τ^(2n−1), so each point lacks τ^(2n−1)·ω^i/(2n); it is left out here too.

use std::time::Instant;

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::scalar_mul::BatchMulPreprocessing;
use ark_ec::{AffineRepr, PrimeGroup};
use ark_ff::{FftField, Field, One, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rayon::prelude::*;

use crate::error::NativeError;
use crate::hash_quirk;
use crate::r1cs::R1cs;
use crate::zkey_write::{Header, ZkeyWriter};

/// The dev ceremony's secrets (public: derived from a published seed).
pub struct DevSecrets {
    pub tau: Fr,
    pub alpha: Fr,
    pub beta: Fr,
}

/// What the setup made and where its time went, in milliseconds.
pub struct SetupReport {
    pub n_vars: usize,
    pub n_public: usize,
    pub n_constraints: usize,
    pub domain_size: usize,
    pub cs_hash: [u8; 64],
    pub lagrange_ms: f64,
    pub points_ms: f64,
    pub write_ms: f64,
}

/// The largest ptau power: the H query needs the 2n domain, and BN254's Fr has 2^28.
pub const MAX_POWER: u32 = 27;

/// Per-wire evaluations at τ of the A, B and C columns, and the coefficient entries
/// of section 4 in snarkjs' order.
struct Columns {
    a: Vec<Fr>,
    b: Vec<Fr>,
    c: Vec<Fr>,
    coeffs: Vec<(u32, u32, u32, Fr)>,
}

/// Every scalar the key's points are multiples of G by.
struct Scalars {
    cols: Columns,
    /// β·A + α·B + C per wire: IC for the public ones, C for the others.
    k: Vec<Fr>,
    h: Vec<Fr>,
    h_hash: Vec<Fr>,
    /// The point snarkjs' csHash takes past the H query (hash_quirk.rs), if any.
    h_extra: Option<G1Affine>,
}

fn columns(r1cs: &R1cs, lagrange: &[Fr]) -> Columns {
    let n = r1cs.n_wires;
    let (mut a, mut b, mut c) = (
        vec![Fr::zero(); n],
        vec![Fr::zero(); n],
        vec![Fr::zero(); n],
    );
    let mut coeffs = Vec::new();
    for (row, k) in r1cs.constraints.iter().enumerate() {
        let l = lagrange[row];
        for &(s, v) in &k.a {
            a[s as usize] += v * l;
            coeffs.push((0, row as u32, s, v));
        }
        for &(s, v) in &k.b {
            b[s as usize] += v * l;
            coeffs.push((1, row as u32, s, v));
        }
        for &(s, v) in &k.c {
            c[s as usize] += v * l;
        }
    }
    let n_c = r1cs.constraints.len();
    for s in 0..=r1cs.n_public {
        a[s] += lagrange[n_c + s];
        coeffs.push((0, (n_c + s) as u32, s as u32, Fr::one()));
    }
    Columns { a, b, c, coeffs }
}

/// The odd rows of the 2n domain's Lagrange basis at τ, as the ptau stores them.
fn h_scalars(tau: Fr, n: usize, truncated: bool) -> Result<Vec<Fr>, NativeError> {
    let domain = Radix2EvaluationDomain::<Fr>::new(2 * n)
        .ok_or_else(|| NativeError::setup(format!("no domain of {} rows", 2 * n)))?;
    let l = domain.evaluate_all_lagrange_coefficients(tau);
    let mut h: Vec<Fr> = l.into_iter().skip(1).step_by(2).collect();
    if truncated {
        let omega = Fr::get_root_of_unity(2 * n as u64).expect("2n ≤ 2^28");
        let last = tau.pow([2 * n as u64 - 1]) * Fr::from(2 * n as u64).inverse().unwrap();
        let omega2 = omega * omega;
        let mut w = omega;
        for x in h.iter_mut() {
            *x -= last * w;
            w *= omega2;
        }
    }
    Ok(h)
}

/// The points the csHash covers in place of H: (τ^n − 1)·τ^i·G1 for i < n − 1, which
/// `zkey new` takes from the ptau's powers of τ.
fn h_hash_scalars(tau: Fr, n: usize) -> Vec<Fr> {
    let z = tau.pow([n as u64]) - Fr::one();
    let mut out = Vec::with_capacity(n - 1);
    let mut t = z;
    for _ in 0..n - 1 {
        out.push(t);
        t *= tau;
    }
    out
}

/// Writes the dev zkey of `r1cs` over the dev ptau of 2^`power` to `path`.
pub fn dev_setup(
    r1cs: &R1cs,
    s: &DevSecrets,
    power: u32,
    path: &str,
) -> Result<SetupReport, NativeError> {
    let n_c = r1cs.constraints.len();
    let rows = n_c + r1cs.n_public;
    let cir_power = usize::BITS - rows.leading_zeros();
    if power == 0 || power > MAX_POWER {
        return Err(NativeError::setup(format!(
            "power must be in 1..={}, got {}",
            MAX_POWER, power
        )));
    }
    if cir_power > power {
        return Err(NativeError::setup(format!(
            "the circuit needs 2^{} rows ({} constraints + {} public), more than the ptau's 2^{}",
            cir_power, n_c, r1cs.n_public, power
        )));
    }
    let n = 1usize << cir_power;
    let t0 = Instant::now();
    let domain = Radix2EvaluationDomain::<Fr>::new(n).expect("n ≤ 2^27");
    let lagrange = domain.evaluate_all_lagrange_coefficients(s.tau);
    let cols = columns(r1cs, &lagrange);
    drop(lagrange);
    let k: Vec<Fr> = cols
        .a
        .par_iter()
        .zip(cols.b.par_iter())
        .zip(cols.c.par_iter())
        .map(|((a, b), c)| s.beta * a + s.alpha * b + c)
        .collect();
    let sc = Scalars {
        h: h_scalars(s.tau, n, cir_power == power)?,
        h_hash: h_hash_scalars(s.tau, n),
        h_extra: hash_quirk::overruns(n)
            .then(|| hash_quirk::extra_point(s.tau, n, power, cir_power)),
        cols,
        k,
    };
    let lagrange_ms = ms(t0);

    let header = Header {
        n_vars: r1cs.n_wires,
        n_public: r1cs.n_public,
        domain_size: n,
        alpha1: (G1Projective::generator() * s.alpha).into(),
        beta1: (G1Projective::generator() * s.beta).into(),
        beta2: (G2Projective::generator() * s.beta).into(),
        gamma2: G2Affine::generator(),
        delta1: G1Affine::generator(),
        delta2: G2Affine::generator(),
    };
    let mut times = Times::default();
    let tmp = format!("{}.tmp-{}", path, std::process::id());
    let written = write(&tmp, &header, &sc, &mut times).and_then(|hash| {
        std::fs::rename(&tmp, path)
            .map_err(|e| NativeError::io(format!("zkey {}: {}", path, e)))?;
        Ok(hash)
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    Ok(SetupReport {
        n_vars: r1cs.n_wires,
        n_public: r1cs.n_public,
        n_constraints: n_c,
        domain_size: n,
        cs_hash: written?,
        lagrange_ms,
        points_ms: times.points_ms,
        write_ms: times.write_ms,
    })
}

#[derive(Default)]
struct Times {
    points_ms: f64,
    write_ms: f64,
}

/// One G1 query: its points (and those its csHash covers instead, for H), written.
fn g1_query(
    w: &mut ZkeyWriter,
    table: &BatchMulPreprocessing<G1Projective>,
    id: u32,
    scalars: &[Fr],
    hashed: Option<(&[Fr], Option<G1Affine>)>,
    times: &mut Times,
) -> Result<(), NativeError> {
    let t = Instant::now();
    let points = table.batch_mul(scalars);
    let hashed = hashed.map(|(h, extra)| {
        let mut pts = table.batch_mul(h);
        pts.extend(extra);
        pts
    });
    times.points_ms += ms(t);
    let t = Instant::now();
    w.query(id, &points, hashed.as_deref())?;
    times.write_ms += ms(t);
    Ok(())
}

/// The file, section by section in snarkjs' order, each query's points dropped once
/// written; returns the csHash.
fn write(
    path: &str,
    header: &Header,
    sc: &Scalars,
    times: &mut Times,
) -> Result<[u8; 64], NativeError> {
    let (cols, k) = (&sc.cols, &sc.k);
    let t = Instant::now();
    let g1 = BatchMulPreprocessing::new(
        G1Projective::generator(),
        3 * header.n_vars + 2 * sc.h.len(),
    );
    let g2 = BatchMulPreprocessing::new(G2Projective::generator(), header.n_vars);
    times.points_ms += ms(t);
    let t = Instant::now();
    let mut w = ZkeyWriter::create(path)?;
    w.header(header)?;
    w.coefficients(&cols.coeffs)?;
    times.write_ms += ms(t);
    let np = header.n_public + 1;
    g1_query(&mut w, &g1, 3, &k[..np], None, times)?;
    g1_query(&mut w, &g1, 9, &sc.h, Some((&sc.h_hash, sc.h_extra)), times)?;
    g1_query(&mut w, &g1, 8, &k[np..], None, times)?;
    g1_query(&mut w, &g1, 5, &cols.a, None, times)?;
    g1_query(&mut w, &g1, 6, &cols.b, None, times)?;
    let t = Instant::now();
    let b2: Vec<G2Affine> = g2.batch_mul(&cols.b);
    times.points_ms += ms(t);
    let t = Instant::now();
    w.query(7, &b2, None)?;
    let hash = w.finish()?;
    times.write_ms += ms(t);
    Ok(hash)
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}
