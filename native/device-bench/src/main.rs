//! The native prover's thread scaling on a machine with many cores and nothing installed
//! (no Node, no network): the prover's own modules compiled into one binary. It makes the
//! INSECURE dev key of an r1cs (setup.rs, timed), then proves one witness in a rayon pool
//! of each thread count: one warm-up proof, then `reps` timed ones; `groth16::prove`
//! checks every proof before returning it. One JSON line per thread count on stdout.
//!
//! Inputs, made on the build machine: `npx ts-node bench/prod.ts --batch-size N
//! --keep-witness F.wtns` (its bench/prod.json gives the power; the r1cs is in
//! build/bench/prod/nN/) and the dev secrets, `devSecrets()` of scripts/lib/ptau-dev.ts.
//!
//! Usage: zksettle-device-bench R1CS WTNS POWER TAU ALPHA BETA THREADS(1,2,4,…) REPS ZKEY_OUT
#![allow(dead_code)]

#[path = "../../src/binfile.rs"]
mod binfile;
#[path = "../../src/error.rs"]
mod error;
#[path = "../../src/groth16.rs"]
mod groth16;
#[path = "../../src/hash_quirk.rs"]
mod hash_quirk;
#[path = "../../src/r1cs.rs"]
mod r1cs;
#[path = "../../src/setup.rs"]
mod setup;
#[path = "../../src/wtns.rs"]
mod wtns;
#[path = "../../src/zkey.rs"]
mod zkey;
#[path = "../../src/zkey_write.rs"]
mod zkey_write;

use std::time::Instant;

use ark_ff::PrimeField;

fn fr(name: &str, text: &str) -> Result<ark_bn254::Fr, String> {
    text.parse::<ark_ff::BigInt<4>>()
        .ok()
        .and_then(ark_bn254::Fr::from_bigint)
        .ok_or_else(|| format!("{name}: not a decimal below the scalar field prime"))
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[(xs.len() - 1) / 2]
}

fn main() -> Result<(), String> {
    let a: Vec<String> = std::env::args().skip(1).collect();
    if a.len() != 9 {
        return Err("usage: R1CS WTNS POWER TAU ALPHA BETA THREADS REPS ZKEY_OUT".into());
    }
    let power: u32 = a[2].parse().map_err(|_| "POWER: an integer")?;
    let secrets = setup::DevSecrets {
        tau: fr("TAU", &a[3])?,
        alpha: fr("ALPHA", &a[4])?,
        beta: fr("BETA", &a[5])?,
    };
    let threads: Vec<usize> = a[6]
        .split(',')
        .map(|t| t.parse().map_err(|_| format!("THREADS: {t}")))
        .collect::<Result<_, _>>()?;
    let reps: usize = a[7].parse().map_err(|_| "REPS: an integer")?;

    let t0 = Instant::now();
    let r1cs_bytes = std::fs::read(&a[0]).map_err(|e| format!("{}: {e}", a[0]))?;
    let r1cs = r1cs::parse(&r1cs_bytes).map_err(|e| e.to_string())?;
    drop(r1cs_bytes);
    let report = setup::dev_setup(&r1cs, &secrets, power, &a[8]).map_err(|e| e.to_string())?;
    println!(
        "{{\"setup\":{{\"constraints\":{},\"domainSize\":{},\"ms\":{:.0}}},\"cpus\":{}}}",
        report.n_constraints,
        report.domain_size,
        t0.elapsed().as_secs_f64() * 1000.0,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    drop(r1cs);

    let key = zkey::parse(&std::fs::read(&a[8]).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let w = wtns::parse(&std::fs::read(&a[1]).map_err(|e| format!("{}: {e}", a[1]))?)
        .map_err(|e| e.to_string())?;
    for t in threads {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .map_err(|e| e.to_string())?;
        let mut total = Vec::new();
        let mut qap = Vec::new();
        let mut msm = Vec::new();
        for r in 0..=reps {
            let start = Instant::now();
            let (_, timings) = pool
                .install(|| groth16::prove(&key, &w))
                .map_err(|e| e.to_string())?;
            if r > 0 {
                total.push(start.elapsed().as_secs_f64() * 1000.0);
                qap.push(timings.qap_ms);
                msm.push(timings.msm_ms);
            }
        }
        println!(
            "{{\"threads\":{t},\"proveMs\":{:.1},\"qapMs\":{:.1},\"msmMs\":{:.1}}}",
            median(total),
            median(qap),
            median(msm)
        );
    }
    Ok(())
}
