//! The extra point snarkjs 0.7 `zkey new` feeds its csHash for domains of 2^14 rows and
//! more, reproduced so that the native dev key's section 10 (and so `snarkjs zkey
//! verify`) agrees with snarkjs.
//!
//! zkey_new.js hashes the H query as (τ^(i+n) − τ^i)·G1 for i < n − 1, read from the
//! ptau's section 2 in chunks of 2^14; every chunk reads `min(n − 1, 2^14)` points, so
//! the last one reads one point too many: i = n − 1, whose τ^(2n−1) lies past the end of
//! section 2 when the ptau's power is the circuit's. The 64 bytes there are section 3's
//! head (type 3, size 2^power·128) and the first 52 bytes of its first point, the G2
//! generator, taken as the Montgomery coordinates of an affine G1 point. snarkjs
//! subtracts τ^(n−1)·G1 from it with the affine chord formula, which does not care
//! that the "point" is off the curve.

use ark_bn254::{Fq, Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{BigInt, BigInteger, Field, PrimeField};

/// Chunk of points zkey_new.js hashes at a time.
const CHUNK: usize = 1 << 14;

/// Whether snarkjs hashes an n-th H point for a domain of `n` rows (a power of two):
/// ⌈(n−1)/2^14⌉ chunks of min(n−1, 2^14) points make n once n exceeds 2^14.
pub fn overruns(n: usize) -> bool {
    n > CHUNK
}

fn mont_le(v: &Fq, out: &mut [u8]) {
    for (i, l) in v.0 .0.iter().enumerate() {
        out[i * 8..i * 8 + 8].copy_from_slice(&l.to_le_bytes());
    }
}

/// The Fq element whose Montgomery form is `limbs` read modulo q.
fn from_mont(limbs: &U256) -> Fq {
    let r_inv = Fq::from(2u64)
        .pow([256u64])
        .inverse()
        .expect("R is invertible");
    Fq::from_bigint(BigInt::new(*limbs)).unwrap_or_else(|| {
        let mut v = BigInt::new(*limbs);
        while v >= Fq::MODULUS {
            v.sub_with_borrow(&Fq::MODULUS);
        }
        Fq::from_bigint(v).expect("reduced")
    }) * r_inv
}

/// A 256-bit integer, little-endian limbs: wasmcurves' field elements, which need not
/// be below q.
type U256 = [u64; 4];

const Q: U256 = Fq::MODULUS.0;

fn add(a: &U256, b: &U256) -> (U256, bool) {
    let mut r = [0u64; 4];
    let mut carry = 0u128;
    for i in 0..4 {
        let s = a[i] as u128 + b[i] as u128 + carry;
        r[i] = s as u64;
        carry = s >> 64;
    }
    (r, carry != 0)
}

fn sub(a: &U256, b: &U256) -> (U256, bool) {
    let mut r = [0u64; 4];
    let mut borrow = 0u64;
    for i in 0..4 {
        let (d, b1) = a[i].overflowing_sub(b[i]);
        let (d, b2) = d.overflowing_sub(borrow);
        r[i] = d;
        borrow = (b1 || b2) as u64;
    }
    (r, borrow != 0)
}

fn gte(a: &U256, b: &U256) -> bool {
    !sub(a, b).1
}

/// wasmcurves `f1m_add`: one subtraction of q on a carry or when ≥ q, mod 2^256.
fn f_add(x: &U256, y: &U256) -> U256 {
    let (r, carry) = add(x, y);
    if carry || gte(&r, &Q) {
        sub(&r, &Q).0
    } else {
        r
    }
}

/// wasmcurves `f1m_sub`: q added back on a borrow, mod 2^256.
fn f_sub(x: &U256, y: &U256) -> U256 {
    let (r, borrow) = sub(x, y);
    if borrow {
        add(&r, &Q).0
    } else {
        r
    }
}

/// wasmcurves `f1m_mul` (and `f1m_square`): the Montgomery reduction t = (x·y + m·q)/2^256,
/// exact whatever the word size, then q subtracted once on a carry or when t ≥ q.
fn f_mul(x: &U256, y: &U256) -> U256 {
    let mut t = [0u64; 9];
    for i in 0..4 {
        let mut carry = 0u128;
        for j in 0..4 {
            let s = t[i + j] as u128 + x[i] as u128 * y[j] as u128 + carry;
            t[i + j] = s as u64;
            carry = s >> 64;
        }
        t[i + 4] = carry as u64;
    }
    let mut inv = 1u64; // q^-1 mod 2^64 by Newton's iteration
    for _ in 0..6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(Q[0].wrapping_mul(inv)));
    }
    let n_inv = inv.wrapping_neg();
    for i in 0..4 {
        let m = t[i].wrapping_mul(n_inv);
        let mut carry = 0u128;
        for j in 0..4 {
            let s = t[i + j] as u128 + m as u128 * Q[j] as u128 + carry;
            t[i + j] = s as u64;
            carry = s >> 64;
        }
        for slot in t.iter_mut().skip(i + 4) {
            let s = *slot as u128 + carry;
            *slot = s as u64;
            carry = s >> 64;
        }
    }
    let r = [t[4], t[5], t[6], t[7]];
    if t[8] != 0 || gte(&r, &Q) {
        sub(&r, &Q).0
    } else {
        r
    }
}

/// wasmcurves `g1m_addAffine` of two distinct finite points, in Jacobian coordinates.
fn add_affine(p1: (U256, U256), p2: (U256, U256)) -> (U256, U256, U256) {
    let ((x1, y1), (x2, y2)) = (p1, p2);
    let h = f_sub(&x2, &x1);
    let y2_minus_y1 = f_sub(&y2, &y1);
    let hh = f_mul(&h, &h);
    let i = f_add(&hh, &hh);
    let i = f_add(&i, &i);
    let j = f_mul(&h, &i);
    let r = f_add(&y2_minus_y1, &y2_minus_y1);
    let v = f_mul(&x1, &i);
    let r2 = f_mul(&r, &r);
    let v2 = f_add(&v, &v);
    let x3 = f_sub(&f_sub(&r2, &j), &v2);
    let y1_j2 = f_mul(&y1, &j);
    let y1_j2 = f_add(&y1_j2, &y1_j2);
    let y3 = f_sub(&f_mul(&f_sub(&v, &x3), &r), &y1_j2);
    let z3 = f_add(&h, &h);
    (x3, y3, z3)
}

fn limbs(bytes: &[u8]) -> U256 {
    let mut l = [0u64; 4];
    for (i, v) in l.iter_mut().enumerate() {
        *v = u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().unwrap());
    }
    l
}

/// The extra point: `past_end − τ^(n−1)·G1`, where `past_end` is τ^(2n−1)·G1 when the
/// ptau is larger than the circuit needs, and the bytes after section 2 otherwise.
/// Those bytes are not reduced field elements, so wasmcurves' arithmetic, whose
/// additions wrap at 2^256, is followed step by step up to the Jacobian result; the
/// conversion to affine only multiplies and inverts, which agree modulo q.
pub fn extra_point(tau: Fr, n: usize, power: u32, cir_power: u32) -> G1Affine {
    let g1 = ark_bn254::G1Projective::generator();
    let low = g1 * tau.pow([n as u64 - 1]);
    if cir_power < power {
        return (g1 * tau.pow([2 * n as u64 - 1]) - low).into_affine();
    }
    let mut bytes = [0u8; 64];
    bytes[0..4].copy_from_slice(&3u32.to_le_bytes());
    bytes[4..12].copy_from_slice(&((1u64 << power) * 128).to_le_bytes());
    let g2 = G2Affine::generator();
    let mut g2_bytes = [0u8; 64];
    mont_le(&g2.x.c0, &mut g2_bytes[..32]);
    mont_le(&g2.x.c1, &mut g2_bytes[32..]);
    bytes[12..].copy_from_slice(&g2_bytes[..52]);
    let low = low.into_affine();
    let neg_low = (low.x.0 .0, f_sub(&[0; 4], &low.y.0 .0));
    let (x3, y3, z3) = add_affine((limbs(&bytes[..32]), limbs(&bytes[32..])), neg_low);
    let (x, y, z) = (from_mont(&x3), from_mont(&y3), from_mont(&z3));
    let z_inv = z.inverse().expect("z ≠ 0");
    let z_inv2 = z_inv.square();
    G1Affine::new_unchecked(x * z_inv2, y * z_inv2 * z_inv)
}
