//! zksettle's native Groth16 prover as a Node addon (napi-rs).
//!
//! `loadZkey(path)` parses a snarkjs zkey once (off the JavaScript thread) into a
//! `NativeProver`, which holds it for every later `prove(wtns)`. Keys are shared per
//! process: loading the same path again (another worker thread) reuses the parsed key.
//! Proofs come back as the JSON snarkjs writes (`{ proof, publicSignals }`, decimal
//! strings, `"protocol": "groth16", "curve": "bn128"`), plus where the time went.
//! Errors carry a `PRV_ERR_*` code as their message prefix (error.rs).
//!
//! It also verifies order signatures (EdDSA-Poseidon, eddsa.rs) for the sequencer's
//! intake, on the libuv thread pool, and hashes with circomlib's Poseidon.

mod binfile;
mod eddsa;
mod error;
mod groth16;
mod hash_quirk;
mod json;
mod poseidon_opt;
mod r1cs;
mod setup;
mod wtns;
mod zkey;
mod zkey_write;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use napi::bindgen_prelude::{AsyncTask, Buffer};
use napi::{Env, Task};
use napi_derive::napi;

use crate::error::NativeError;
use crate::zkey::ProvingKey;

/// A zkey file's identity: canonical path and length.
type KeyId = (String, u64);

/// Parsed keys of this process, by file identity.
fn keys() -> &'static Mutex<HashMap<KeyId, Arc<ProvingKey>>> {
    static KEYS: OnceLock<Mutex<HashMap<KeyId, Arc<ProvingKey>>>> = OnceLock::new();
    KEYS.get_or_init(|| Mutex::new(HashMap::new()))
}

fn load(path: &str) -> Result<Arc<ProvingKey>, NativeError> {
    let canonical = std::fs::canonicalize(path)
        .map_err(|e| NativeError::format("zkey", format!("{}: {}", path, e)))?;
    let len = std::fs::metadata(&canonical).map(|m| m.len()).unwrap_or(0);
    let id = (canonical.to_string_lossy().into_owned(), len);
    if let Some(k) = keys().lock().unwrap().get(&id) {
        return Ok(k.clone());
    }
    let bytes = std::fs::read(&canonical)
        .map_err(|e| NativeError::format("zkey", format!("{}: {}", path, e)))?;
    let key = Arc::new(zkey::parse(&bytes)?);
    keys().lock().unwrap().insert(id, key.clone());
    Ok(key)
}

/// A loaded proving key.
#[napi]
pub struct NativeProver {
    key: Arc<ProvingKey>,
}

#[napi]
impl NativeProver {
    /// Wires of the circuit (witness length).
    #[napi(getter)]
    pub fn n_vars(&self) -> u32 {
        self.key.n_vars as u32
    }

    /// Public signals of the circuit.
    #[napi(getter)]
    pub fn n_public(&self) -> u32 {
        self.key.n_public as u32
    }

    /// Rows of the evaluation domain (a power of two ≥ constraints + public inputs + 1).
    #[napi(getter)]
    pub fn domain_size(&self) -> u32 {
        self.key.domain_size as u32
    }

    /// The verification key as snarkjs' `zkey export verificationkey` JSON (without
    /// `vk_alphabeta_12`), to compare with the circuit's own.
    #[napi]
    pub fn verification_key_json(&self) -> String {
        json::verification_key(&self.key.vk)
    }

    /// Proves the witness of a `.wtns` image; resolves to the proof JSON.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn prove(&self, wtns: Buffer) -> AsyncTask<ProveTask> {
        AsyncTask::new(ProveTask {
            key: self.key.clone(),
            wtns: wtns.to_vec(),
        })
    }
}

pub struct LoadTask {
    path: String,
}

impl Task for LoadTask {
    type Output = Arc<ProvingKey>;
    type JsValue = NativeProver;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(load(&self.path)?)
    }

    fn resolve(&mut self, _env: Env, key: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(NativeProver { key })
    }
}

/// Reads and parses a zkey on the libuv thread pool.
#[napi(ts_return_type = "Promise<NativeProver>")]
pub fn load_zkey(path: String) -> AsyncTask<LoadTask> {
    AsyncTask::new(LoadTask { path })
}

pub struct ProveTask {
    key: Arc<ProvingKey>,
    wtns: Vec<u8>,
}

impl Task for ProveTask {
    type Output = String;
    type JsValue = String;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let t0 = Instant::now();
        let w = wtns::parse(&self.wtns)?;
        let parse_ms = t0.elapsed().as_secs_f64() * 1000.0;
        let (proof, t) = groth16::prove(&self.key, &w)?;
        Ok(json::prove_result(
            &proof,
            &w[1..=self.key.n_public],
            parse_ms,
            &t,
        ))
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(output)
    }
}

/// Threads the prover's parallel loops use (rayon's pool: one per core by default,
/// RAYON_NUM_THREADS to change).
#[napi]
pub fn threads() -> u32 {
    rayon::current_num_threads() as u32
}

pub struct DevSetupTask {
    r1cs: String,
    zkey: String,
    secrets: [String; 3],
    power: u32,
}

fn secret(name: &str, text: &str) -> Result<ark_bn254::Fr, NativeError> {
    use ark_ff::PrimeField;
    let parsed = (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse::<ark_ff::BigInt<4>>().ok())
        .flatten()
        .and_then(ark_bn254::Fr::from_bigint);
    parsed.ok_or_else(|| {
        NativeError::setup(format!(
            "{} must be a decimal integer below the BN254 scalar field prime, got {:?}",
            name, text
        ))
    })
}

impl DevSetupTask {
    fn run(&self) -> Result<String, NativeError> {
        let [tau, alpha, beta] = &self.secrets;
        let secrets = setup::DevSecrets {
            tau: secret("tau", tau)?,
            alpha: secret("alpha", alpha)?,
            beta: secret("beta", beta)?,
        };
        let t0 = Instant::now();
        let bytes = std::fs::read(&self.r1cs)
            .map_err(|e| NativeError::setup(format!("r1cs {}: {}", self.r1cs, e)))?;
        let r1cs = r1cs::parse(&bytes)?;
        drop(bytes);
        let read_ms = t0.elapsed().as_secs_f64() * 1000.0;
        let r = setup::dev_setup(&r1cs, &secrets, self.power, &self.zkey)?;
        Ok(json::setup_report(&r, read_ms))
    }
}

impl Task for DevSetupTask {
    type Output = String;
    type JsValue = String;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(self.run().map_err(NativeError::into_setup)?)
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(output)
    }
}

/// INSECURE development setup (setup.rs): writes to `zkey` the key snarkjs `zkey new`
/// writes for `r1cs` over the dev ptau of 2^`power` whose secrets are `tau`, `alpha`
/// and `beta` (decimal). Resolves to a JSON report (sizes, csHash, timings).
#[napi(ts_return_type = "Promise<string>")]
pub fn dev_setup(
    r1cs: String,
    zkey: String,
    tau: String,
    alpha: String,
    beta: String,
    power: u32,
) -> AsyncTask<DevSetupTask> {
    AsyncTask::new(DevSetupTask {
        r1cs,
        zkey,
        secrets: [tau, alpha, beta],
        power,
    })
}

pub struct VerifyTask {
    fields: Vec<String>,
}

impl Task for VerifyTask {
    type Output = Vec<bool>;
    type JsValue = Vec<bool>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let batch = signed_messages(std::mem::take(&mut self.fields))?;
        Ok(batch.iter().map(eddsa::verify).collect())
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(output)
    }
}

/// EdDSA-Poseidon verifications (circomlibjs `eddsa.verifyPoseidon`, eddsa.rs) on the
/// libuv thread pool: `fields` holds six decimals a signature, `msg, R8x, R8y, S, Ax,
/// Ay`, for any number of signatures. Resolves to one verdict a signature; a value that
/// is not a decimal below the prime is a false verdict, not an error; a count of
/// values that is not a multiple of six rejects the promise.
#[napi(ts_return_type = "Promise<boolean[]>")]
pub fn verify_eddsa_poseidon(fields: Vec<String>) -> AsyncTask<VerifyTask> {
    AsyncTask::new(VerifyTask { fields })
}

/// `verifyEddsaPoseidon` on the calling thread (about a quarter of a millisecond a
/// signature): for the few signatures a batch header carries.
#[napi]
pub fn verify_eddsa_poseidon_now(fields: Vec<String>) -> napi::Result<Vec<bool>> {
    Ok(signed_messages(fields)?.iter().map(eddsa::verify).collect())
}

fn signed_messages(fields: Vec<String>) -> napi::Result<Vec<eddsa::SignedMessage>> {
    if !fields.len().is_multiple_of(6) {
        return Err(napi::Error::from_reason(format!(
            "PRV_ERR_SIGNATURE_INPUT: six decimals a signature (msg, R8x, R8y, S, Ax, Ay), got {}",
            fields.len()
        )));
    }
    let mut it = fields.into_iter();
    let mut batch = Vec::with_capacity(it.len() / 6);
    while let (Some(msg), Some(r8x), Some(r8y), Some(s), Some(ax), Some(ay)) = (
        it.next(),
        it.next(),
        it.next(),
        it.next(),
        it.next(),
        it.next(),
    ) {
        batch.push(eddsa::SignedMessage {
            msg,
            r8x,
            r8y,
            s,
            ax,
            ay,
        });
    }
    Ok(batch)
}

/// circomlib `Poseidon(n)` of 1..=12 decimals below the prime, on the calling thread;
/// the hash as a decimal.
#[napi]
pub fn poseidon_hash(inputs: Vec<String>) -> napi::Result<String> {
    let parsed: Option<Vec<_>> = inputs.iter().map(|t| eddsa::field_element(t)).collect();
    let Some(elements) = parsed else {
        return Err(napi::Error::from_reason(
            "PRV_ERR_SIGNATURE_INPUT: Poseidon inputs must be decimals below the BN254 scalar prime",
        ));
    };
    eddsa::poseidon(&elements)
        .map(|h| h.to_string())
        .ok_or_else(|| {
            napi::Error::from_reason(format!(
                "PRV_ERR_SIGNATURE_INPUT: Poseidon takes 1..={} inputs, got {}",
                eddsa::POSEIDON_MAX_INPUTS,
                elements.len()
            ))
        })
}

/// circomlibjs `eddsa.signPoseidon(prv, msg)` (eddsa.rs): `[R8x, R8y, S]` as decimals, for
/// a message that is a decimal below the prime.
#[napi]
pub fn sign_eddsa_poseidon(prv: Buffer, msg: String) -> napi::Result<Vec<String>> {
    let Some(m) = eddsa::field_element(&msg) else {
        return Err(napi::Error::from_reason(
            "PRV_ERR_SIGNATURE_INPUT: the message must be a decimal below the BN254 scalar prime",
        ));
    };
    let (r8x, r8y, s) = eddsa::sign(&prv, m);
    Ok(vec![r8x.to_string(), r8y.to_string(), s.to_string()])
}

/// circomlibjs `eddsa.prv2pub(prv)`: `[Ax, Ay]` as decimals.
#[napi]
pub fn eddsa_public_key(prv: Buffer) -> Vec<String> {
    let (ax, ay) = eddsa::public_key(&prv);
    vec![ax.to_string(), ay.to_string()]
}

/// Loads circomlibjs's optimised Poseidon constants (`poseidon_constants_opt.json`: C, S,
/// M, P by t − 2; poseidon_opt.rs): from then on `poseidonHash` and the signature code
/// hash with them. The first load stays.
#[napi]
pub fn poseidon_load_constants(
    c: Vec<Vec<String>>,
    s: Vec<Vec<String>>,
    m: Vec<Vec<Vec<String>>>,
    p: Vec<Vec<Vec<String>>>,
) -> napi::Result<()> {
    poseidon_opt::load(c, s, m, p)
        .map_err(|e| napi::Error::from_reason(format!("PRV_ERR_SIGNATURE_INPUT: {}", e)))
}
