//! How Nix names store paths: every path is `STOREDIR/HASH-NAME` where HASH is the
//! 160-bit fold of `sha256("TYPE:sha256:INNER:STOREDIR:NAME")`.
//!
//! ```text
//! source (nix-store --add, recursive sha256)   TYPE = source[:REF…][:self]  INNER = NAR sha256
//! text   (builtins.toFile, .drv files)         TYPE = text[:REF…]           INNER = sha256 of bytes
//! fixed output, recursive sha256               same as source
//! fixed output, anything else                  TYPE = output:out
//!                                              INNER = sha256("fixed:out:[r:]ALGO:HEX:")
//! derivation output ID                         TYPE = output:ID  INNER = hashDerivationModulo
//! ```
//!
//! References are full store paths, sorted, each prefixed by `:`.

use std::collections::BTreeSet;

use super::hash::{Hash, HashAlgo, HashFormat};
use super::path::{PathError, StoreDir, StorePath};

/// Whether content is hashed as a flat file or as the NAR of a tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IngestionMethod {
    Flat,
    Recursive,
}

impl IngestionMethod {
    /// `""` or `"r:"`, the prefix Nix writes before an algorithm name.
    pub const fn prefix(self) -> &'static str {
        match self {
            IngestionMethod::Flat => "",
            IngestionMethod::Recursive => "r:",
        }
    }
}

/// A fixed-output hash: how the content is ingested and its expected hash.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FixedOutputHash {
    pub method: IngestionMethod,
    pub hash: Hash,
}

impl FixedOutputHash {
    /// `r:sha256` / `sha1`, as in a `.drv`'s output hash-algorithm field.
    pub fn method_algo(&self) -> String {
        format!("{}{}", self.method.prefix(), self.hash.algo())
    }
}

/// Computes `STOREDIR/HASH-NAME` from a type string and an inner sha256.
pub fn make_store_path(
    dir: &StoreDir,
    kind: &str,
    inner: &Hash,
    name: &str,
) -> Result<StorePath, PathError> {
    let fingerprint = format!(
        "{kind}:{}:{}:{name}",
        inner.to_typed_string(HashFormat::Base16),
        dir.as_str()
    );
    let outer = Hash::digest(HashAlgo::Sha256, fingerprint.as_bytes());
    let mut folded = [0u8; 20];
    folded.copy_from_slice(&outer.compress(20));
    StorePath::from_hash(&folded, name)
}

/// `TYPE:REF1:REF2…[:self]`.
fn make_type(dir: &StoreDir, kind: &str, refs: &BTreeSet<StorePath>, self_ref: bool) -> String {
    let mut s = kind.to_owned();
    let mut full: Vec<String> = refs.iter().map(|r| dir.display(r)).collect();
    full.sort();
    for r in full {
        s.push(':');
        s.push_str(&r);
    }
    if self_ref {
        s.push_str(":self");
    }
    s
}

/// The path of a tree added with `nix-store --add` (recursive sha256 of its NAR).
pub fn source_path(
    dir: &StoreDir,
    name: &str,
    nar_sha256: &Hash,
    refs: &BTreeSet<StorePath>,
    self_ref: bool,
) -> Result<StorePath, PathError> {
    make_store_path(
        dir,
        &make_type(dir, "source", refs, self_ref),
        nar_sha256,
        name,
    )
}

/// The path of a text file such as `builtins.toFile` or a `.drv` writes.
pub fn text_path(
    dir: &StoreDir,
    name: &str,
    contents: &[u8],
    refs: &BTreeSet<StorePath>,
) -> Result<StorePath, PathError> {
    let inner = Hash::digest(HashAlgo::Sha256, contents);
    make_store_path(dir, &make_type(dir, "text", refs, false), &inner, name)
}

/// The path of fixed-output content (`fetchurl`, `nix-store --add-fixed`, a fixed-output
/// derivation's `out`). References are only allowed for recursive sha256, as in Nix.
pub fn fixed_output_path(
    dir: &StoreDir,
    name: &str,
    fixed: &FixedOutputHash,
    refs: &BTreeSet<StorePath>,
    self_ref: bool,
) -> Result<StorePath, PathError> {
    if fixed.method == IngestionMethod::Recursive && fixed.hash.algo() == HashAlgo::Sha256 {
        source_path(dir, name, &fixed.hash, refs, self_ref)
    } else {
        let inner = format!(
            "fixed:out:{}{}:",
            fixed.method.prefix(),
            fixed.hash.to_typed_string(HashFormat::Base16)
        );
        let inner = Hash::digest(HashAlgo::Sha256, inner.as_bytes());
        make_store_path(dir, "output:out", &inner, name)
    }
}

/// The name of output `output` of a derivation called `drv_name`.
pub fn output_path_name(drv_name: &str, output: &str) -> String {
    if output == "out" {
        drv_name.to_owned()
    } else {
        format!("{drv_name}-{output}")
    }
}

/// The path of an input-addressed derivation output, from its hashDerivationModulo.
pub fn output_path(
    dir: &StoreDir,
    drv_name: &str,
    output: &str,
    modulo: &Hash,
) -> Result<StorePath, PathError> {
    make_store_path(
        dir,
        &format!("output:{output}"),
        modulo,
        &output_path_name(drv_name, output),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example_hello_txt() {
        // `nix-store --add hello.txt` with "hello world\n" (see the oracle tests too).
        let dir = StoreDir::new("/nix/store").unwrap();
        let mut nar = Vec::new();
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("hello.txt");
        std::fs::write(&f, b"hello world\n").unwrap();
        crate::store::nar::dump_path(&f, &mut nar).unwrap();
        let h = Hash::digest(HashAlgo::Sha256, &nar);
        let p = source_path(&dir, "hello.txt", &h, &BTreeSet::new(), false).unwrap();
        assert_eq!(
            dir.display(&p),
            "/nix/store/z45ailnkm27lnvhimqkhy08f6sh5m17d-hello.txt"
        );
    }
}
