//! Reader of circom's `.r1cs` files (BN254 only), for the dev setup.
//!
//! Section 1 is the header (field size and prime, wires, public outputs, public
//! inputs, private inputs, labels, constraints); section 2 the constraints, each three
//! linear combinations `(terms: u32, (wire: u32, coefficient: 32 bytes)*)` for A, B and
//! C. Coefficients are plain little-endian integers (not Montgomery form).

use ark_bn254::Fr;
use ark_ff::PrimeField;

use crate::binfile::{le_bigint, BinFile, Cursor};
use crate::error::NativeError;

const N8: usize = 32;

/// One term of a linear combination: `coefficient · wire`.
pub type Term = (u32, Fr);

/// The A, B and C combinations of one constraint.
pub struct Constraint {
    pub a: Vec<Term>,
    pub b: Vec<Term>,
    pub c: Vec<Term>,
}

/// A parsed constraint system.
pub struct R1cs {
    pub n_wires: usize,
    /// Public outputs plus public inputs (wire 0, the constant 1, not counted).
    pub n_public: usize,
    pub constraints: Vec<Constraint>,
}

fn bad(message: String) -> NativeError {
    NativeError::setup(format!("r1cs: {}", message))
}

fn combination(cur: &mut Cursor, n_wires: usize) -> Result<Vec<Term>, NativeError> {
    let n = cur.u32()? as usize;
    // Each term takes 36 bytes: refuse a count the section cannot hold before allocating.
    let mut terms = Vec::with_capacity(n.min(1 << 20));
    for _ in 0..n {
        let wire = cur.u32()?;
        if wire as usize >= n_wires {
            return Err(bad(format!(
                "a constraint names wire {} of {}",
                wire, n_wires
            )));
        }
        let value = Fr::from_bigint(le_bigint(cur.take(N8)?))
            .ok_or_else(|| bad("a coefficient is not below the field prime".into()))?;
        terms.push((wire, value));
    }
    Ok(terms)
}

/// Parses an r1cs of BN254; refuses any other field and any malformed section.
pub fn parse(bytes: &[u8]) -> Result<R1cs, NativeError> {
    let file = BinFile::parse(bytes, b"r1cs", "r1cs")?;
    let mut h = Cursor::new(file.section(1)?, "r1cs");
    let n8 = h.u32()? as usize;
    if n8 != N8 || le_bigint(h.take(N8)?) != Fr::MODULUS {
        return Err(bad("the field is not BN254's scalar field".into()));
    }
    let n_wires = h.u32()? as usize;
    let n_outputs = h.u32()? as usize;
    let n_pub_inputs = h.u32()? as usize;
    let _n_prv_inputs = h.u32()?;
    let _n_labels = h.take(8)?;
    let n_constraints = h.u32()? as usize;
    let n_public = n_outputs + n_pub_inputs;
    if n_wires <= n_public {
        return Err(bad(format!(
            "{} wires cannot hold {} public signals",
            n_wires, n_public
        )));
    }
    let mut cur = Cursor::new(file.section(2)?, "r1cs");
    let mut constraints = Vec::with_capacity(n_constraints.min(1 << 24));
    for _ in 0..n_constraints {
        constraints.push(Constraint {
            a: combination(&mut cur, n_wires)?,
            b: combination(&mut cur, n_wires)?,
            c: combination(&mut cur, n_wires)?,
        });
    }
    Ok(R1cs {
        n_wires,
        n_public,
        constraints,
    })
}
