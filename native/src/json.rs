//! snarkjs' JSON shapes: projective coordinates with z = 1, as decimal strings.

use ark_bn254::{Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;

use crate::groth16::{Proof, Timings};
use crate::zkey::VerifyingKey;

fn g1(p: &G1Affine) -> String {
    if p.is_zero() {
        return r#"["0","1","0"]"#.into();
    }
    format!(r#"["{}","{}","1"]"#, p.x, p.y)
}

fn fq2(x: &Fq2) -> String {
    format!(r#"["{}","{}"]"#, x.c0, x.c1)
}

fn g2(p: &G2Affine) -> String {
    if p.is_zero() {
        return r#"[["0","0"],["1","0"],["0","0"]]"#.into();
    }
    format!(r#"[{},{},["1","0"]]"#, fq2(&p.x), fq2(&p.y))
}

/// `{ proof, publicSignals, timings }`.
pub fn prove_result(p: &Proof, public: &[Fr], parse_ms: f64, t: &Timings) -> String {
    let signals: Vec<String> = public.iter().map(|s| format!(r#""{}""#, s)).collect();
    format!(
        r#"{{"proof":{{"pi_a":{},"pi_b":{},"pi_c":{},"protocol":"groth16","curve":"bn128"}},"publicSignals":[{}],"timings":{{"wtnsParseMs":{:.3},"qapMs":{:.3},"msmMs":{:.3},"verifyMs":{:.3}}}}}"#,
        g1(&p.a),
        g2(&p.b),
        g1(&p.c),
        signals.join(","),
        parse_ms,
        t.qap_ms,
        t.msm_ms,
        t.verify_ms
    )
}

/// The fields of snarkjs' verification key that identify a circuit's key.
pub fn verification_key(vk: &VerifyingKey) -> String {
    let ic: Vec<String> = vk.ic.iter().map(g1).collect();
    format!(
        r#"{{"protocol":"groth16","curve":"bn128","nPublic":{},"vk_alpha_1":{},"vk_beta_2":{},"vk_gamma_2":{},"vk_delta_2":{},"IC":[{}]}}"#,
        vk.ic.len() - 1,
        g1(&vk.alpha1),
        g2(&vk.beta2),
        g2(&vk.gamma2),
        g2(&vk.delta2),
        ic.join(",")
    )
}

/// The dev setup's report: sizes, the csHash (hex) and where the time went.
pub fn setup_report(r: &crate::setup::SetupReport, read_ms: f64) -> String {
    let hash: String = r.cs_hash.iter().map(|b| format!("{:02x}", b)).collect();
    format!(
        r#"{{"nVars":{},"nPublic":{},"constraints":{},"domainSize":{},"csHash":"{}","timings":{{"r1csMs":{:.3},"scalarsMs":{:.3},"pointsMs":{:.3},"writeMs":{:.3}}}}}"#,
        r.n_vars,
        r.n_public,
        r.n_constraints,
        r.domain_size,
        hash,
        read_ms,
        r.lagrange_ms,
        r.points_ms,
        r.write_ms
    )
}
