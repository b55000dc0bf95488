//! Groth16 proving with snarkjs' reduction, and the pairing check of the result.
//!
//! snarkjs' zkey holds H bases for the odd points of the 2n-th roots of unity (the coset
//! w_2n·<w_n>), not the coefficients of the quotient: so h is A·B − C evaluated on that
//! coset (each of A, B, C interpolated on <w_n> and re-evaluated on the coset), with no
//! division by Z, which is the constant −2 there and is folded into the bases. This is
//! what snarkjs' groth16_prove.js, rapidsnark and ark-circom's CircomReduction compute.

use std::time::Instant;

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{FftField, Field, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_std::UniformRand;
use rayon::prelude::*;

use crate::error::NativeError;
use crate::zkey::{ProvingKey, VerifyingKey};

/// A proof in affine coordinates.
pub struct Proof {
    pub a: G1Affine,
    pub b: G2Affine,
    pub c: G1Affine,
}

/// Where the time of one proof went, in milliseconds.
#[derive(Default)]
pub struct Timings {
    pub qap_ms: f64,
    pub msm_ms: f64,
    pub verify_ms: f64,
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// A, B and C = A∘B evaluated on the constraint rows of the domain.
fn evaluate_rows(pk: &ProvingKey, w: &[Fr]) -> (Vec<Fr>, Vec<Fr>, Vec<Fr>) {
    let n = pk.domain_size;
    let (mut a, mut b) = (vec![Fr::zero(); n], vec![Fr::zero(); n]);
    for c in &pk.coeffs {
        let row = if c.matrix == 0 { &mut a } else { &mut b };
        row[c.constraint as usize] += c.value * w[c.signal as usize];
    }
    let c = a
        .par_iter()
        .zip(b.par_iter())
        .map(|(x, y)| *x * y)
        .collect();
    (a, b, c)
}

/// Interpolates on <w_n> and evaluates on the coset w_2n·<w_n>.
fn to_coset(domain: &Radix2EvaluationDomain<Fr>, shift: Fr, v: &mut Vec<Fr>) {
    domain.ifft_in_place(v);
    Radix2EvaluationDomain::<Fr>::distribute_powers(v, shift);
    domain.fft_in_place(v);
}

/// h on the coset: A·B − C, point by point.
fn quotient(pk: &ProvingKey, w: &[Fr]) -> Vec<Fr> {
    let domain =
        Radix2EvaluationDomain::<Fr>::new(pk.domain_size).expect("domain size checked at load");
    let shift =
        Fr::get_root_of_unity(2 * pk.domain_size as u64).expect("BN254 has 2^28 roots of unity");
    let (mut a, mut b, mut c) = evaluate_rows(pk, w);
    rayon::join(
        || to_coset(&domain, shift, &mut a),
        || {
            rayon::join(
                || to_coset(&domain, shift, &mut b),
                || to_coset(&domain, shift, &mut c),
            )
        },
    );
    a.par_iter_mut()
        .zip(b.par_iter())
        .zip(c.par_iter())
        .for_each(|((x, y), z)| *x = *x * y - z);
    a
}

/// A Groth16 proof of `w` (the full witness, wire 0 = 1), checked against the key's own
/// verification key before it is returned: a witness that does not satisfy the
/// constraints still yields group elements, and only the pairing check tells.
pub fn prove(pk: &ProvingKey, w: &[Fr]) -> Result<(Proof, Timings), NativeError> {
    if w.len() != pk.n_vars {
        return Err(NativeError::mismatch(format!(
            "the witness has {} wires but the proving key expects {}: the zkey is not this circuit's",
            w.len(),
            pk.n_vars
        )));
    }
    if w[0] != Fr::ONE {
        return Err(NativeError::witness(
            "wire 0 of the witness is not 1".into(),
        ));
    }
    let mut t = Timings::default();
    let t0 = Instant::now();
    let h = quotient(pk, w);
    t.qap_ms = ms(t0);

    let t1 = Instant::now();
    let mut rng = rand::rngs::OsRng;
    let (r, s) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
    let private = &w[pk.n_public + 1..];
    let ((msm_a, msm_b1), (msm_b2, (msm_c, msm_h))) = rayon::join(
        || {
            rayon::join(
                || G1Projective::msm_unchecked(&pk.a, w),
                || G1Projective::msm_unchecked(&pk.b1, w),
            )
        },
        || {
            rayon::join(
                || G2Projective::msm_unchecked(&pk.b2, w),
                || {
                    rayon::join(
                        || G1Projective::msm_unchecked(&pk.c, private),
                        || G1Projective::msm_unchecked(&pk.h, &h),
                    )
                },
            )
        },
    );
    let a = pk.vk.alpha1.into_group() + msm_a + pk.delta1 * r;
    let b1 = pk.beta1.into_group() + msm_b1 + pk.delta1 * s;
    let b = pk.vk.beta2.into_group() + msm_b2 + pk.vk.delta2 * s;
    let c = msm_c + msm_h + a * s + b1 * r - pk.delta1 * (r * s);
    let proof = Proof {
        a: a.into_affine(),
        b: b.into_affine(),
        c: c.into_affine(),
    };
    t.msm_ms = ms(t1);

    let t2 = Instant::now();
    let ok = verify(&pk.vk, &w[1..=pk.n_public], &proof);
    t.verify_ms = ms(t2);
    if !ok {
        return Err(NativeError::witness("the witness does not satisfy the circuit's constraints (its proof fails the pairing check)".into()));
    }
    Ok((proof, t))
}

/// e(A, B) = e(alpha, beta) · e(IC(public), gamma) · e(C, delta).
pub fn verify(vk: &VerifyingKey, public: &[Fr], p: &Proof) -> bool {
    if public.len() + 1 != vk.ic.len() {
        return false;
    }
    let ic = vk.ic[0].into_group() + G1Projective::msm_unchecked(&vk.ic[1..], public);
    let lhs = [
        (-p.a.into_group()).into_affine(),
        vk.alpha1,
        ic.into_affine(),
        p.c,
    ];
    let rhs = [p.b, vk.beta2, vk.gamma2, vk.delta2];
    Bn254::multi_pairing(lhs, rhs).is_zero()
}
