//! circomlib's Poseidon in the optimised form circomlibjs computes it
//! (`poseidon_opt.js`, after Filecoin's neptune): the partial rounds multiply by sparse
//! matrices (`S`), so a partial round costs 2t − 1 multiplications instead of t². The
//! same permutation as light-poseidon's plain rounds, about twice as fast; the hash is
//! the same (test/prover/signatures/native.test.ts compares it with circomlibjs).
//!
//! The constants are circomlibjs's own (`poseidon_constants_opt.json`: C, S, M, P for
//! t = 2..17), handed over once by prover/signatures/native.ts, so that there is one
//! copy of them in the repository's dependencies and none here.

use std::sync::OnceLock;

use ark_ed_on_bn254::Fq;
use ark_ff::{BigInt, Field, PrimeField};

const N_ROUNDS_F: usize = 8;
/// circomlibjs `N_ROUNDS_P`, by t − 2.
const N_ROUNDS_P: [usize; 16] = [
    56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68,
];

/// One width's constants.
pub struct Constants {
    t: usize,
    c: Vec<Fq>,
    s: Vec<Fq>,
    m: Vec<Vec<Fq>>,
    p: Vec<Vec<Fq>>,
}

static LOADED: OnceLock<Vec<Constants>> = OnceLock::new();

/// A hex (`0x…`) or decimal constant below the prime.
fn element(text: &str) -> Option<Fq> {
    let big = match text.strip_prefix("0x") {
        Some(hex) => {
            if hex.is_empty() || hex.len() > 64 {
                return None;
            }
            let mut limbs = [0u64; 4];
            for (i, digit) in hex.bytes().rev().enumerate() {
                let v = (digit as char).to_digit(16)? as u64;
                limbs[i / 16] |= v << (4 * (i % 16));
            }
            BigInt::<4>::new(limbs)
        }
        None => return crate::eddsa::field_element(text),
    };
    if big >= Fq::MODULUS {
        return None;
    }
    Fq::from_bigint(big)
}

fn elements(texts: &[String]) -> Option<Vec<Fq>> {
    texts.iter().map(|t| element(t)).collect()
}

fn matrix(rows: &[Vec<String>], t: usize) -> Option<Vec<Vec<Fq>>> {
    if rows.len() != t || rows.iter().any(|r| r.len() != t) {
        return None;
    }
    rows.iter().map(|r| elements(r)).collect()
}

/// Loads circomlibjs's constants (its JSON's C, S, M, P; index t − 2); the first load
/// stays. Errors name what is malformed.
pub fn load(
    c: Vec<Vec<String>>,
    s: Vec<Vec<String>>,
    m: Vec<Vec<Vec<String>>>,
    p: Vec<Vec<Vec<String>>>,
) -> Result<(), String> {
    let widths = N_ROUNDS_P.len();
    if c.len() != widths || s.len() != widths || m.len() != widths || p.len() != widths {
        return Err(format!(
            "Poseidon constants: C, S, M and P need {} widths each",
            widths
        ));
    }
    let mut all = Vec::with_capacity(widths);
    for w in 0..widths {
        let t = w + 2;
        let np = N_ROUNDS_P[w];
        let bad = |what: &str| format!("Poseidon constants: {} of t = {} is malformed", what, t);
        if c[w].len() != t * N_ROUNDS_F + np {
            return Err(bad("C"));
        }
        if s[w].len() != (2 * t - 1) * np {
            return Err(bad("S"));
        }
        all.push(Constants {
            t,
            c: elements(&c[w]).ok_or_else(|| bad("C"))?,
            s: elements(&s[w]).ok_or_else(|| bad("S"))?,
            m: matrix(&m[w], t).ok_or_else(|| bad("M"))?,
            p: matrix(&p[w], t).ok_or_else(|| bad("P"))?,
        });
    }
    let _ = LOADED.set(all);
    Ok(())
}

fn pow5(x: Fq) -> Fq {
    x.square().square() * x
}

/// `state ← state · m` (m indexed [j][i], as circomlibjs multiplies).
fn mix(state: &mut [Fq], m: &[Vec<Fq>]) {
    let old: Vec<Fq> = state.to_vec();
    for (i, out) in state.iter_mut().enumerate() {
        let mut acc = Fq::from(0u64);
        for (j, x) in old.iter().enumerate() {
            acc += m[j][i] * x;
        }
        *out = acc;
    }
}

/// circomlibjs `poseidon(inputs)` (initial state 0, one output); None until loaded or
/// for more inputs than the constants cover.
pub fn hash(inputs: &[Fq]) -> Option<Fq> {
    let k = LOADED.get()?.get(inputs.len().checked_sub(1)?)?;
    let t = k.t;
    let np = N_ROUNDS_P[t - 2];
    let half = N_ROUNDS_F / 2;
    let mut st: Vec<Fq> = std::iter::once(Fq::from(0u64))
        .chain(inputs.iter().copied())
        .collect();
    for (x, c) in st.iter_mut().zip(&k.c) {
        *x += c;
    }
    for r in 0..half - 1 {
        for (i, x) in st.iter_mut().enumerate() {
            *x = pow5(*x) + k.c[(r + 1) * t + i];
        }
        mix(&mut st, &k.m);
    }
    for (i, x) in st.iter_mut().enumerate() {
        *x = pow5(*x) + k.c[half * t + i];
    }
    mix(&mut st, &k.p);
    for r in 0..np {
        st[0] = pow5(st[0]) + k.c[(half + 1) * t + r];
        let row = &k.s[(2 * t - 1) * r..(2 * t - 1) * (r + 1)];
        let mut s0 = Fq::from(0u64);
        for (x, w) in st.iter().zip(&row[..t]) {
            s0 += *w * x;
        }
        let first = st[0];
        for (x, w) in st[1..].iter_mut().zip(&row[t..]) {
            *x += first * w;
        }
        st[0] = s0;
    }
    for r in 0..half - 1 {
        for (i, x) in st.iter_mut().enumerate() {
            *x = pow5(*x) + k.c[(half + 1) * t + np + r * t + i];
        }
        mix(&mut st, &k.m);
    }
    for x in st.iter_mut() {
        *x = pow5(*x);
    }
    mix(&mut st, &k.m);
    Some(st[0])
}
