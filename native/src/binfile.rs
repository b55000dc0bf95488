//! The iden3 binary container that snarkjs' `.zkey` and `.wtns` files use: a 4-byte
//! magic, a version, then sections `(type: u32, size: u64, bytes)`, all little-endian.

use std::collections::HashMap;

use ark_ff::BigInt;

use crate::error::NativeError;

/// A parsed container: the byte range of each section, by type.
pub struct BinFile<'a> {
    bytes: &'a [u8],
    sections: HashMap<u32, (usize, usize)>,
    what: &'static str,
}

impl<'a> BinFile<'a> {
    /// Splits `bytes` into sections; `magic` is "zkey" or "wtns".
    pub fn parse(
        bytes: &'a [u8],
        magic: &[u8; 4],
        what: &'static str,
    ) -> Result<Self, NativeError> {
        if bytes.len() < 12 || &bytes[0..4] != magic {
            return Err(NativeError::format(
                what,
                format!(
                    "not a {} file (magic {:?} expected)",
                    what,
                    std::str::from_utf8(magic).unwrap_or("?")
                ),
            ));
        }
        let n_sections = u32_at(bytes, 8) as usize;
        let mut sections = HashMap::new();
        let mut pos = 12usize;
        for _ in 0..n_sections {
            if pos + 12 > bytes.len() {
                return Err(NativeError::format(what, "truncated section table".into()));
            }
            let kind = u32_at(bytes, pos);
            let size = u64::from_le_bytes(bytes[pos + 4..pos + 12].try_into().unwrap()) as usize;
            let start = pos + 12;
            let end = start
                .checked_add(size)
                .filter(|e| *e <= bytes.len())
                .ok_or_else(|| {
                    NativeError::format(
                        what,
                        format!("section {} runs past the end of the file", kind),
                    )
                })?;
            sections.insert(kind, (start, end));
            pos = end;
        }
        Ok(BinFile {
            bytes,
            sections,
            what,
        })
    }

    /// The bytes of section `kind`; an error naming it when it is missing.
    pub fn section(&self, kind: u32) -> Result<&'a [u8], NativeError> {
        let (s, e) = self.sections.get(&kind).ok_or_else(|| {
            NativeError::format(self.what, format!("section {} is missing", kind))
        })?;
        Ok(&self.bytes[*s..*e])
    }
}

/// A little-endian u32 at `pos` (callers check the bounds).
pub fn u32_at(bytes: &[u8], pos: usize) -> u32 {
    u32::from_le_bytes(bytes[pos..pos + 4].try_into().unwrap())
}

/// A reader over one section that fails with the file's name instead of panicking.
pub struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Cursor<'a> {
    pub fn new(bytes: &'a [u8], what: &'static str) -> Self {
        Cursor {
            bytes,
            pos: 0,
            what,
        }
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], NativeError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.bytes.len())
            .ok_or_else(|| {
                NativeError::format(
                    self.what,
                    "a section is shorter than its header says".into(),
                )
            })?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    pub fn u32(&mut self) -> Result<u32, NativeError> {
        Ok(u32_at(self.take(4)?, 0))
    }
}

/// A 256-bit little-endian integer (callers pass 32 bytes).
pub fn le_bigint(bytes: &[u8]) -> BigInt<4> {
    let mut limbs = [0u64; 4];
    for (i, l) in limbs.iter_mut().enumerate() {
        *l = u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().unwrap());
    }
    BigInt::new(limbs)
}
