//! ELF editing on copies of host programs, with patchelf and readelf as oracles.

use std::path::{Path, PathBuf};
use std::process::Command;

use denv::build::elf;

use super::{oracle, run};

/// A copy of a host program in a temp dir.
fn host_copy(dir: &Path, program: &str) -> PathBuf {
    let dest = dir.join(Path::new(program).file_name().unwrap());
    std::fs::copy(program, &dest).unwrap();
    dest
}

/// An interpreter path longer than the original, that works: a chain of directories
/// holding a symlink to the host's loader.
fn long_loader(dir: &Path) -> PathBuf {
    let deep = dir.join("a-rather-long-directory-name-to-force-growth/and-another-level");
    std::fs::create_dir_all(&deep).unwrap();
    let link = deep.join("ld-linux-x86-64.so.2");
    std::os::unix::fs::symlink("/lib64/ld-linux-x86-64.so.2", &link).unwrap();
    link
}

#[test]
fn elf_longer_interpreter_and_rpath_match_patchelf_and_the_program_still_runs() {
    let dir = tempfile::tempdir().unwrap();
    let loader = long_loader(dir.path());
    for program in ["/usr/bin/ls", "/usr/bin/patchelf"] {
        let copy = host_copy(dir.path(), program);
        let rpath = format!(
            "{}/lib-one:{}/lib-two:/lib/x86_64-linux-gnu",
            dir.path().display(),
            dir.path().display()
        );
        let outcome = elf::edit_file(
            &copy,
            elf::Edit {
                interpreter: Some(loader.to_str().unwrap()),
                rpath: Some(&rpath),
            },
        )
        .unwrap();
        assert!(outcome.grew && outcome.interpreter_set && outcome.rpath_set);
        let copy_s = copy.to_str().unwrap();
        assert_eq!(
            oracle("patchelf", &["--print-interpreter", copy_s]).trim(),
            loader.to_str().unwrap()
        );
        assert_eq!(oracle("patchelf", &["--print-rpath", copy_s]).trim(), rpath);
        let dynamic = oracle("readelf", &["-dW", copy_s]);
        assert!(
            dynamic.contains(&format!("(RPATH)              Library rpath: [{rpath}]")),
            "{dynamic}"
        );
        assert!(!dynamic.contains("RUNPATH"), "{dynamic}");
        let segments = oracle("readelf", &["-lW", copy_s]);
        assert!(
            segments.contains(&format!(
                "[Requesting program interpreter: {}]",
                loader.display()
            )),
            "{segments}"
        );
        let (ok, stdout, stderr) = run(Command::new(&copy).arg("--version"));
        assert!(ok, "{program} after the edit: {stderr}");
        assert!(!stdout.is_empty());
        // Our own reader agrees, and a second edit (now in place) still works.
        let bytes = std::fs::read(&copy).unwrap();
        assert_eq!(
            elf::search_paths(&bytes).unwrap(),
            (Some(rpath.clone()), None)
        );
        let outcome = elf::edit_file(
            &copy,
            elf::Edit {
                interpreter: None,
                rpath: Some("/lib/x86_64-linux-gnu"),
            },
        )
        .unwrap();
        assert!(!outcome.grew);
        assert!(run(Command::new(&copy).arg("--version")).0);
    }
}

/// `(type, offset, virtual address, memory size, flags)` of each program header, as
/// readelf shows them.
fn segments(path: &Path) -> Vec<(String, u64, u64, u64, String)> {
    let listing = oracle("readelf", &["-lW", path.to_str().unwrap()]);
    let hex = |s: &str| u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap();
    listing
        .lines()
        .map(str::split_whitespace)
        .map(Iterator::collect::<Vec<_>>)
        .filter(|f| f.len() >= 8 && f[1].starts_with("0x") && f[2].starts_with("0x"))
        .map(|f| {
            let flags = f[6..f.len() - 1].concat();
            (f[0].to_owned(), hex(f[1]), hex(f[2]), hex(f[5]), flags)
        })
        .collect()
}

#[test]
fn elf_grown_dynamic_array_stays_writable_so_go_programs_take_an_rpath() {
    // The loader writes DT_DEBUG into a program's dynamic array: an edit that moves the
    // array into a read-only segment (as other tools did with Go programs) crashes the
    // program before main. ls has DT_DEBUG; after a growing edit its dynamic array must
    // be inside a writable PT_LOAD and the program must still run.
    let dir = tempfile::tempdir().unwrap();
    let copy = host_copy(dir.path(), "/usr/bin/ls");
    assert!(oracle("readelf", &["-dW", copy.to_str().unwrap()]).contains("(DEBUG)"));
    let rpath = format!(
        "{}/a-long-library-directory:/lib/x86_64-linux-gnu",
        dir.path().display()
    );
    let outcome = elf::edit_file(
        &copy,
        elf::Edit {
            interpreter: None,
            rpath: Some(&rpath),
        },
    )
    .unwrap();
    assert!(outcome.grew && outcome.rpath_set);
    let segments = segments(&copy);
    let (_, _, dyn_addr, dyn_size, _) = segments
        .iter()
        .find(|s| s.0 == "DYNAMIC")
        .expect("a PT_DYNAMIC")
        .clone();
    let holder = segments
        .iter()
        .find(|(kind, _, addr, size, _)| {
            kind == "LOAD" && *addr <= dyn_addr && dyn_addr + dyn_size <= addr + size
        })
        .expect("a PT_LOAD holds the dynamic array");
    assert!(holder.4.contains('W'), "dynamic array in {holder:?}");
    let (ok, _, stderr) = run(Command::new(&copy).arg("--version"));
    assert!(ok, "ls after the edit: {stderr}");
}

#[test]
fn elf_runpath_becomes_rpath_on_a_shared_library_that_still_loads() {
    // Make a library with a RUNPATH using patchelf (oracle only), then convert it.
    let dir = tempfile::tempdir().unwrap();
    let lib = host_copy(dir.path(), "/lib/x86_64-linux-gnu/libz.so.1");
    let lib_s = lib.to_str().unwrap();
    oracle("patchelf", &["--set-rpath", "/x", lib_s]);
    assert!(oracle("readelf", &["-dW", lib_s]).contains("RUNPATH"));
    let long = "/lib/x86_64-linux-gnu:/a/much/longer/path/than/before/to/force/new/space";
    let outcome = elf::edit_file(
        &lib,
        elf::Edit {
            interpreter: None,
            rpath: Some(long),
        },
    )
    .unwrap();
    assert!(outcome.rpath_set);
    let dynamic = oracle("readelf", &["-dW", lib_s]);
    assert!(
        dynamic.contains(&format!("Library rpath: [{long}]")),
        "{dynamic}"
    );
    assert!(!dynamic.contains("RUNPATH"), "{dynamic}");
    // The dynamic loader can still load it (python's ctypes through the host loader).
    let (ok, _, stderr) = run(Command::new("python3").args([
        "-c",
        &format!("import ctypes; ctypes.CDLL('{lib_s}').zlibVersion"),
    ]));
    assert!(ok, "edited library does not load: {stderr}");
}

#[test]
fn elf_non_pie_executable_gets_a_longer_interpreter_and_runs() {
    // A non-PIE program built here with the host C compiler, when one is installed.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("t.c");
    std::fs::write(
        &src,
        "#include <stdio.h>\nint main(){puts(\"non-pie ok\");return 0;}\n",
    )
    .unwrap();
    let exe = dir.path().join("t");
    let Ok(status) = Command::new("cc")
        .args([
            "-no-pie",
            "-o",
            exe.to_str().unwrap(),
            src.to_str().unwrap(),
        ])
        .status()
    else {
        panic!("the C compiler `cc` is needed for this test (apt-get install gcc)");
    };
    assert!(status.success());
    assert!(oracle("readelf", &["-hW", exe.to_str().unwrap()]).contains("EXEC"));
    let loader = long_loader(dir.path());
    elf::edit_file(
        &exe,
        elf::Edit {
            interpreter: Some(loader.to_str().unwrap()),
            rpath: Some("/lib/x86_64-linux-gnu:/some/other/long/enough/directory/name"),
        },
    )
    .unwrap();
    let (ok, stdout, stderr) = run(&mut Command::new(&exe));
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "non-pie ok\n");
}
