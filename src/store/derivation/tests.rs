use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::store::path::StoreDir;

struct NoLoader;
impl DrvLoader for NoLoader {
    fn load(&self, path: &StorePath) -> Result<Derivation, DerivationError> {
        Err(DerivationError::Invalid {
            name: path.to_string(),
            reason: "not memoised".into(),
        })
    }
}

fn hello_request() -> DerivationRequest {
    let env: BTreeMap<String, String> = [
        ("name", "hello"),
        ("system", "x86_64-linux"),
        ("builder", "/bin/sh"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    DerivationRequest {
        name: "hello".into(),
        system: "x86_64-linux".into(),
        builder: "/bin/sh".into(),
        args: vec!["-c".into(), "echo hello > $out".into()],
        env,
        outputs: vec!["out".into()],
        fixed: None,
        input_drvs: BTreeMap::new(),
        input_srcs: BTreeSet::new(),
    }
}

#[test]
fn worked_example_hello_drv() {
    let dir = StoreDir::new("/nix/store").unwrap();
    let inst = instantiate(&dir, hello_request(), &mut DrvHashes::new(), &NoLoader).unwrap();
    assert_eq!(
        dir.display(&inst.drv_path),
        "/nix/store/r3f9l9f32qpzwmdgizjpbwn3ff2n6ny7-hello.drv"
    );
    assert_eq!(
        dir.display(&inst.outputs["out"]),
        "/nix/store/fvchbymk0m4jvldpb9m5hy0bjy2lf30k-hello"
    );
}

#[test]
fn aterm_round_trips_with_awkward_strings() {
    let dir = StoreDir::new("/s").unwrap();
    let mut req = hello_request();
    req.env
        .insert("weird".into(), "q\"b\\s\nn\rr\tt é $x".into());
    req.args.push("a\"b".into());
    let inst = instantiate(&dir, req, &mut DrvHashes::new(), &NoLoader).unwrap();
    assert!(inst.aterm.contains(r#""q\"b\\s\nn\rr\tt é $x""#));
    let back = Derivation::from_aterm(&dir, "hello", &inst.aterm).unwrap();
    assert_eq!(back, inst.drv);
    assert_eq!(back.to_aterm(&dir, false, None), inst.aterm);
}

#[test]
fn rejects_malformed_aterm_and_bad_requests() {
    let dir = StoreDir::new("/s").unwrap();
    assert!(Derivation::from_aterm(&dir, "x", "Derive([").is_err());
    assert!(Derivation::from_aterm(&dir, "x", "Derive([],[],[],\"a\",\"b\",[],[]) ").is_err());
    let mut req = hello_request();
    req.outputs = vec!["out".into(), "drv".into()];
    assert!(instantiate(&dir, req, &mut DrvHashes::new(), &NoLoader).is_err());
    let mut req = hello_request();
    req.name = "x.drv".into();
    assert!(instantiate(&dir, req, &mut DrvHashes::new(), &NoLoader).is_err());
}

#[test]
fn fixed_output_attrs_read_like_nix() {
    use crate::store::{HashAlgo, IngestionMethod};
    let sri = "sha256-uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=";
    let f = fixed_output_from_attrs("x", sri, None, Some("recursive")).unwrap();
    assert_eq!(f.method, IngestionMethod::Recursive);
    assert_eq!(f.method_algo(), "r:sha256");
    let g = fixed_output_from_attrs("x", sri, Some(""), None).unwrap();
    assert_eq!(
        (g.method, g.hash.algo()),
        (IngestionMethod::Flat, HashAlgo::Sha256)
    );
    let hex = "22596363b3de40b06f981fb85d82312e8c0ed511";
    assert!(fixed_output_from_attrs("x", hex, None, None).is_err());
    assert_eq!(
        fixed_output_from_attrs("x", hex, Some("sha1"), Some("flat"))
            .unwrap()
            .method_algo(),
        "sha1"
    );
    assert!(fixed_output_from_attrs("x", sri, Some("sha512"), None).is_err());
    assert!(fixed_output_from_attrs("x", sri, None, Some("text")).is_err());
}
