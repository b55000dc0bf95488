//! EdDSA-Poseidon verification over Baby Jubjub, the check of circomlibjs
//! `eddsa.verifyPoseidon` (and of circomlib's `EdDSAPoseidonVerifier`), natively, for
//! the sequencer's order intake (docs/decisions.md, "Order intake at exchange speed").
//!
//! The curve arithmetic is arkworks' `ark-ed-on-bn254` and the hash `light-poseidon`'s
//! circom parameters. circomlib writes Baby Jubjub as `168700·x² + y² = 1 + 168696·x²y²`;
//! arkworks writes the same curve with `a = 1` (`x'² + y² = 1 + (168696/168700)·x'²y²`),
//! and `x' = √168700 · x` maps one onto the other as groups. Points cross that map on the
//! way in; the hash takes circomlib's coordinates, as the circuit does.
//!
//! What circomlibjs checks, in its order: R8 and A on the curve (not in the subgroup:
//! neither does circomlibjs), S below the subgroup order, then
//! `S·Base8 == R8 + (8·hm)·A` with `hm = Poseidon(R8x, R8y, Ax, Ay, msg)` and `8·hm` an
//! integer, not reduced (A may lie outside the subgroup).

use std::cell::RefCell;
use std::str::FromStr;
use std::sync::OnceLock;

use crate::poseidon_opt;

use ark_ec::twisted_edwards::Affine;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ed_on_bn254::{EdwardsAffine, EdwardsConfig, Fq, Fr};
use ark_ff::{BigInt, BigInteger, Field, MontFp, PrimeField};
use blake_hash::{Blake512, Digest};
use light_poseidon::{Poseidon, PoseidonHasher};

/// circomlib's curve coefficients.
const CIRCOM_A: Fq = MontFp!("168700");
const CIRCOM_D: Fq = MontFp!("168696");

/// circomlibjs `babyJub.Base8`, in circomlib coordinates.
const BASE8_X: Fq =
    MontFp!("5299619240641551281634865583518297030282874472190772894086521144482721001553");
const BASE8_Y: Fq =
    MontFp!("16950150798460657717958625567821834550301663161624707787222815936182638968203");

/// circomlibjs `babyJub.subOrder` (the order of Base8's subgroup).
const SUB_ORDER: &str =
    "2736030358979909402780800718157159386076813972158567259200215660948447373041";

/// Most Poseidon inputs light-poseidon's circom parameters go to (width 13).
pub const POSEIDON_MAX_INPUTS: usize = 12;

fn sqrt_a() -> Fq {
    static ROOT: OnceLock<Fq> = OnceLock::new();
    *ROOT.get_or_init(|| {
        CIRCOM_A
            .sqrt()
            .expect("168700 is a square mod the BN254 scalar prime")
    })
}

fn sub_order() -> BigInt<4> {
    static ORDER: OnceLock<BigInt<4>> = OnceLock::new();
    *ORDER.get_or_init(|| BigInt::from_str(SUB_ORDER).expect("subOrder is a decimal"))
}

/// A decimal below the field's prime, or None (non-digits, empty, too large).
pub fn field_element(text: &str) -> Option<Fq> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let big = BigInt::<4>::from_str(text).ok()?;
    if big >= Fq::MODULUS {
        return None;
    }
    Fq::from_bigint(big)
}

/// circomlib's curve equation (`babyJub.inCurve`).
fn on_curve(x: Fq, y: Fq) -> bool {
    let (x2, y2) = (x.square(), y.square());
    CIRCOM_A * x2 + y2 == Fq::ONE + CIRCOM_D * x2 * y2
}

/// A circomlib point in arkworks' coordinates (the caller checked it is on the curve).
fn to_arkworks(x: Fq, y: Fq) -> EdwardsAffine {
    Affine::<EdwardsConfig>::new_unchecked(x * sqrt_a(), y)
}

/** An arkworks point back in circomlib's coordinates. */
fn to_circom(p: EdwardsAffine) -> (Fq, Fq) {
    let (x, y) = p.xy().unwrap_or((Fq::from(0u64), Fq::ONE));
    (x * sqrt_a().inverse().expect("sqrt(168700) is not zero"), y)
}

/// circomlibjs `pruneBuffer(blake512(prv))`: the secret scalar's bytes (first half) and
/// the nonce key (second half).
fn expanded_key(prv: &[u8]) -> [u8; 64] {
    let mut h: [u8; 64] = Blake512::digest(prv).into();
    h[0] &= 0xF8;
    h[31] &= 0x7F;
    h[31] |= 0x40;
    h
}

fn base8_times(k: impl AsRef<[u64]>) -> (Fq, Fq) {
    to_circom(to_arkworks(BASE8_X, BASE8_Y).mul_bigint(k).into_affine())
}

/// circomlibjs `eddsa.prv2pub(prv)`: `Base8 · (s >> 3)`, s the pruned first half.
pub fn public_key(prv: &[u8]) -> (Fq, Fq) {
    let h = expanded_key(prv);
    let mut limbs = [0u64; 4];
    for (i, limb) in limbs.iter_mut().enumerate() {
        *limb = u64::from_le_bytes(h[8 * i..8 * i + 8].try_into().expect("8 bytes"));
    }
    base8_times((BigInt::<4>::new(limbs) >> 3).0)
}

/// circomlibjs `eddsa.signPoseidon(prv, msg)`: `r = blake512(h[32..] ‖ msg) mod l`,
/// `R8 = Base8 · r`, `S = (r + Poseidon(R8x, R8y, Ax, Ay, msg) · s) mod l`, l the
/// subgroup order (the order of arkworks' scalar field Fr). Returns R8x, R8y and S.
pub fn sign(prv: &[u8], msg: Fq) -> (Fq, Fq, Fr) {
    let h = expanded_key(prv);
    let (ax, ay) = public_key(prv);
    let mut nonce_input = h[32..].to_vec();
    nonce_input.extend_from_slice(&msg.into_bigint().to_bytes_le());
    let r = Fr::from_le_bytes_mod_order(&Blake512::digest(&nonce_input));
    let (r8x, r8y) = base8_times(r.into_bigint().0);
    let hm = poseidon(&[r8x, r8y, ax, ay, msg]).expect("five inputs");
    let hm = Fr::from_le_bytes_mod_order(&hm.into_bigint().to_bytes_le());
    let s = Fr::from_le_bytes_mod_order(&h[..32]);
    (r8x, r8y, r + hm * s)
}

thread_local! {
    /// light-poseidon's hashers by input count, built once per thread (their round
    /// constants are parsed on construction).
    static HASHERS: RefCell<Vec<Option<Poseidon<Fq>>>> = RefCell::new((0..=POSEIDON_MAX_INPUTS).map(|_| None).collect());
}

/// circomlib `Poseidon(n)` of 1..=12 field elements: circomlibjs's optimised rounds
/// once its constants are loaded (poseidon_opt.rs), light-poseidon's plain ones before.
pub fn poseidon(inputs: &[Fq]) -> Option<Fq> {
    let n = inputs.len();
    if n == 0 || n > POSEIDON_MAX_INPUTS {
        return None;
    }
    if let Some(h) = poseidon_opt::hash(inputs) {
        return Some(h);
    }
    HASHERS.with(|cell| {
        let mut hashers = cell.borrow_mut();
        if hashers[n].is_none() {
            hashers[n] = Some(Poseidon::<Fq>::new_circom(n).ok()?);
        }
        hashers[n].as_mut()?.hash(inputs).ok()
    })
}

/// An EdDSA-Poseidon signature and its key, as decimals (what JavaScript sends).
pub struct SignedMessage {
    pub msg: String,
    pub r8x: String,
    pub r8y: String,
    pub s: String,
    pub ax: String,
    pub ay: String,
}

/// `eddsa.verifyPoseidon(msg, {R8: [r8x, r8y], S: s}, [ax, ay])` of circomlibjs: false for
/// any value that is not a decimal below the prime (S: below the subgroup order), an
/// off-curve R8 or A, or a wrong signature.
pub fn verify(m: &SignedMessage) -> bool {
    let parsed = (
        field_element(&m.msg),
        field_element(&m.r8x),
        field_element(&m.r8y),
        field_element(&m.ax),
        field_element(&m.ay),
    );
    let (Some(msg), Some(r8x), Some(r8y), Some(ax), Some(ay)) = parsed else {
        return false;
    };
    if !on_curve(r8x, r8y) || !on_curve(ax, ay) {
        return false;
    }
    let s = match (!m.s.is_empty() && m.s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| BigInt::<4>::from_str(&m.s).ok())
        .flatten()
    {
        Some(s) if s < sub_order() => s,
        _ => return false,
    };
    let Some(hm) = poseidon(&[r8x, r8y, ax, ay, msg]) else {
        return false;
    };
    // 8·hm as an integer: hm < 2^254, so it fits five limbs
    let h = hm.into_bigint().0;
    let eight_hm = [
        h[0] << 3,
        (h[1] << 3) | (h[0] >> 61),
        (h[2] << 3) | (h[1] >> 61),
        (h[3] << 3) | (h[2] >> 61),
        h[3] >> 61,
    ];
    let left = to_arkworks(BASE8_X, BASE8_Y).mul_bigint(s.0);
    let right = to_arkworks(r8x, r8y) + to_arkworks(ax, ay).mul_bigint(eight_hm);
    left == right
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base8_is_on_both_curves() {
        assert!(on_curve(BASE8_X, BASE8_Y));
        assert!(to_arkworks(BASE8_X, BASE8_Y).is_on_curve());
    }

    #[test]
    fn poseidon_matches_circomlib_known_answer() {
        // circomlibjs poseidon([1, 2])
        let h = poseidon(&[Fq::from(1u64), Fq::from(2u64)]).unwrap();
        assert_eq!(
            h,
            MontFp!("7853200120776062878684798364095072458815029376092732009249414926327459813530")
        );
    }

    #[test]
    fn a_signature_verifies_and_a_tampered_one_does_not() {
        let prv = [7u8; 32];
        let msg = Fq::from(123456789u64);
        let (r8x, r8y, s) = sign(&prv, msg);
        let (ax, ay) = public_key(&prv);
        let signed = |m: Fq, s: String| SignedMessage {
            msg: m.to_string(),
            r8x: r8x.to_string(),
            r8y: r8y.to_string(),
            s,
            ax: ax.to_string(),
            ay: ay.to_string(),
        };
        assert!(verify(&signed(msg, s.to_string())));
        assert!(!verify(&signed(msg + Fq::ONE, s.to_string())));
        assert!(!verify(&signed(msg, (s + Fr::ONE).to_string())));
    }

    #[test]
    fn refuses_values_that_are_not_field_elements() {
        assert!(field_element("").is_none());
        assert!(field_element("-1").is_none());
        assert!(field_element("0x10").is_none());
        let p = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
        assert!(field_element(p).is_none());
    }
}
