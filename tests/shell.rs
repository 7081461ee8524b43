//! Activation through real bash, zsh and fish: each test starts the shell in a tmux
//! session with a clean rc file that evaluates `denv hook SHELL`, types commands, and reads
//! what the shell's environment became from `env -0` dumps.
//!
//! Plus property tests: random bytes rendered by each shell's quoting come back unchanged
//! from the real shell.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use denv::config::VarName;
use denv::shell::Shell;
use proptest::prelude::*;

const DENV: &str = env!("CARGO_BIN_EXE_denv");

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Bash,
    Zsh,
    Fish,
}

type Env = BTreeMap<Vec<u8>, Vec<u8>>;

/// One interactive shell in its own tmux server.
struct Session {
    kind: Kind,
    dir: tempfile::TempDir,
    socket: PathBuf,
    step: u32,
}

impl Session {
    fn start(kind: Kind) -> Session {
        let dir = tempfile::Builder::new()
            .prefix("denv-sh")
            .tempdir_in("/tmp")
            .unwrap();
        let root = dir.path();
        for d in ["home", "data", "cache", "config", "work"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        let home = root.join("home");
        let exports = format!(
            "DENV_DATA_DIR={d}/data DENV_CACHE_DIR={d}/cache DENV_CONFIG_DIR={d}/config",
            d = root.display()
        );
        let (rc, program) = match kind {
            Kind::Bash => {
                let rc = home.join("bashrc");
                std::fs::write(&rc, format!("PS1='$ '\neval \"$({DENV} hook bash)\"\n")).unwrap();
                (
                    rc.clone(),
                    format!("bash --noprofile --rcfile {}", rc.display()),
                )
            }
            Kind::Zsh => {
                let rc = home.join(".zshrc");
                std::fs::write(&rc, format!("PROMPT='%% '\neval \"$({DENV} hook zsh)\"\n"))
                    .unwrap();
                (rc, "zsh -i".to_owned())
            }
            Kind::Fish => {
                let conf = home.join(".config/fish");
                std::fs::create_dir_all(&conf).unwrap();
                let rc = conf.join("config.fish");
                std::fs::write(
                    &rc,
                    format!("set -g fish_greeting ''\n{DENV} hook fish | source\n"),
                )
                .unwrap();
                (rc, "fish -i".to_owned())
            }
        };
        assert!(rc.exists());
        let socket = root.join("tmux.sock");
        let command = format!(
            "cd {work} && exec env -i HOME={home} ZDOTDIR={home} XDG_CONFIG_HOME={home}/.config \
             PATH=/usr/local/bin:/usr/bin:/bin TERM=screen LANG=C.UTF-8 {exports} {program}",
            work = root.join("work").display(),
            home = home.display(),
        );
        let status = Command::new("tmux")
            .args(["-S"])
            .arg(&socket)
            .args([
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "200",
                "-y",
                "50",
            ])
            .arg(command)
            .status()
            .unwrap();
        assert!(status.success());
        let mut session = Session {
            kind,
            dir,
            socket,
            step: 0,
        };
        session.run("true");
        session
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn work(&self) -> PathBuf {
        self.root().join("work")
    }

    /// Types `line` and Enter, then waits until the shell is back at a prompt (so the
    /// prompt hook has run).
    fn run(&mut self, line: &str) {
        self.step += 1;
        let mark = self.root().join(format!("mark.{}", self.step));
        self.keys(line);
        self.keys(&format!("touch {}", mark.display()));
        let deadline = Instant::now() + Duration::from_secs(20);
        while !mark.exists() {
            assert!(
                Instant::now() < deadline,
                "{:?} did not finish `{line}`; screen:\n{}",
                self.kind,
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn keys(&self, line: &str) {
        let status = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["send-keys", "-l", line])
            .status()
            .unwrap();
        assert!(status.success());
        let status = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["send-keys", "Enter"])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["capture-pane", "-p", "-S", "-200"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The shell's exported environment, minus what the shell itself changes on every
    /// `cd` or command (`OLDPWD`, `_`).
    fn dump(&mut self) -> Env {
        let file = self.root().join(format!("env.{}", self.step + 1));
        self.run(&format!("/usr/bin/env -0 > {}", file.display()));
        let bytes = std::fs::read(file).unwrap();
        bytes
            .split(|b| *b == 0)
            .filter(|kv| !kv.is_empty())
            .filter_map(|kv| {
                let at = kv.iter().position(|b| *b == b'=')?;
                Some((kv[..at].to_vec(), kv[at + 1..].to_vec()))
            })
            .filter(|(k, _)| k != b"OLDPWD" && k != b"_")
            .collect()
    }

    fn export_path(&self, entry: &str) -> String {
        match self.kind {
            Kind::Fish => format!("set -gx PATH {entry} $PATH"),
            _ => format!("export PATH={entry}:$PATH"),
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .status();
    }
}

fn get<'a>(env: &'a Env, name: &str) -> Option<&'a [u8]> {
    env.get(name.as_bytes()).map(Vec::as_slice)
}

/// A value with every kind of byte that trips quoting (TOML strings are UTF-8).
const TRICKY: &str = "it's \"quoted\" $HOME `x` \\ back\nslash\ttab é ☃ \u{1}";

fn write_project(dir: &Path, extra: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let toml = format!(
        "[env]\nTRICKY = {}\nPATH = \"$DENV_ROOT/tools\"\n{extra}\n\
         [scripts]\nhello = \"echo hello from $DENV_ROOT\"\n\
         [hooks]\nenter = \"echo entered > $DENV_ROOT/enter.log\"\n\
         exit = \"echo left > $DENV_ROOT/exit.log\"\n",
        toml_edit::value(TRICKY)
    );
    std::fs::write(dir.join("denv.toml"), toml).unwrap();
}

fn without(env: &Env, name: &str) -> Env {
    let mut env = env.clone();
    env.remove(name.as_bytes());
    env
}

fn activation_round_trip(kind: Kind) {
    let mut s = Session::start(kind);
    let proj = s.work().join("proj");
    write_project(&proj, "");
    let before = s.dump();
    assert_eq!(get(&before, "TRICKY"), None);

    // Untrusted: nothing changes, one hint.
    s.run("cd proj");
    let untrusted = s.dump();
    assert_eq!(without(&untrusted, "PWD"), without(&before, "PWD"));
    assert!(
        s.screen().contains("is not allowed; run `denv allow`"),
        "{}",
        s.screen()
    );

    // Allowed: the next prompt loads it, the enter hook runs in the shell, scripts work.
    s.run(&format!("{DENV} allow"));
    let loaded = s.dump();
    assert_eq!(get(&loaded, "TRICKY"), Some(TRICKY.as_bytes()));
    let path = String::from_utf8(get(&loaded, "PATH").unwrap().to_vec()).unwrap();
    let user_path = String::from_utf8(get(&before, "PATH").unwrap().to_vec()).unwrap();
    let expected = format!("{p}/tools:{p}/.denv/bin:{user_path}", p = proj.display());
    assert_eq!(path, expected);
    assert_eq!(
        std::fs::read_to_string(proj.join("enter.log")).unwrap(),
        "entered\n"
    );
    s.run("hello > hello.out");
    assert_eq!(
        std::fs::read_to_string(proj.join("hello.out")).unwrap(),
        format!("hello from {}\n", proj.display())
    );

    // Leaving restores the environment byte for byte and runs the exit hook.
    s.run("cd ..");
    assert_eq!(s.dump(), before);
    assert_eq!(
        std::fs::read_to_string(proj.join("exit.log")).unwrap(),
        "left\n"
    );

    // An edit unloads at the next prompt until allowed again, which shows the edit.
    s.run("cd proj");
    write_project(&proj, "EXTRA = \"1\"");
    s.run("true");
    let edited = s.dump();
    assert_eq!(get(&edited, "TRICKY"), None);
    assert_eq!(without(&edited, "PWD"), without(&before, "PWD"));
    assert!(s.screen().contains("changed since it was allowed"));
    s.run(&format!("{DENV} allow"));
    let reloaded = s.dump();
    assert_eq!(get(&reloaded, "EXTRA"), Some(&b"1"[..]));

    // A PATH entry the user adds while inside survives leaving; the rest is as before.
    s.run(&s.export_path("/opt/mine/bin"));
    s.run("cd ..");
    let after = s.dump();
    assert_eq!(
        get(&after, "PATH"),
        Some(format!("/opt/mine/bin:{user_path}").as_bytes())
    );
    assert_eq!(without(&after, "PATH"), without(&before, "PATH"));

    // `denv deny` reaches the open shell at its next prompt.
    s.run("cd proj");
    assert_eq!(get(&s.dump(), "EXTRA"), Some(&b"1"[..]));
    s.run(&format!("{DENV} deny"));
    let denied = s.dump();
    assert_eq!(get(&denied, "EXTRA"), None);
    assert_eq!(get(&denied, "DENV_DIFF"), None);
}

#[test]
fn bash_activation_round_trip() {
    activation_round_trip(Kind::Bash);
}

#[test]
fn zsh_activation_round_trip() {
    activation_round_trip(Kind::Zsh);
}

#[test]
fn fish_activation_round_trip() {
    activation_round_trip(Kind::Fish);
}

/// When each of the shell's `denv export` runs happened: the hook rewrites its stamp in the
/// cache dir just before running denv, so unchanged times mean no denv process ran.
fn export_runs(s: &Session) -> Vec<std::time::SystemTime> {
    let dir = s.root().join("cache/prompt");
    let mut times: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().metadata().unwrap().modified().unwrap())
        .collect();
    times.sort();
    times
}

fn unchanged_prompts_run_no_process(kind: Kind) {
    let mut s = Session::start(kind);
    let proj = s.work().join("proj");
    write_project(&proj, "WHICH = \"first\"");
    std::fs::create_dir_all(proj.join("sub")).unwrap();
    // Nothing loaded and no project above: prompts run nothing, not even once.
    s.run("true");
    s.run("cd /");
    s.run("cd -");
    let idle = export_runs(&s);
    assert!(idle.is_empty(), "{idle:?}");

    s.run(&format!("{DENV} allow proj && cd proj"));
    assert_eq!(get(&s.dump(), "WHICH"), Some(&b"first"[..]));
    let loaded = export_runs(&s);
    assert_eq!(loaded.len(), 1, "one stamp for the one shell");
    // Loaded and unchanged: prompts and moves inside the project run nothing.
    s.run("true");
    s.run("cd sub");
    s.run("cd ..");
    assert_eq!(get(&s.dump(), "WHICH"), Some(&b"first"[..]));
    assert_eq!(export_runs(&s), loaded);

    // An edit is seen at the next prompt (it needs allowing again), and so is the allow.
    std::thread::sleep(Duration::from_millis(20));
    write_project(&proj, "WHICH = \"second\"");
    s.run("true");
    assert_eq!(get(&s.dump(), "WHICH"), None);
    s.run(&format!("{DENV} allow"));
    assert_eq!(get(&s.dump(), "WHICH"), Some(&b"second"[..]));
    // A new denv.nix beside denv.toml is read at the next prompt (and needs allowing).
    let settled = export_runs(&s);
    s.run("true");
    assert_eq!(export_runs(&s), settled);
    std::fs::write(
        proj.join("denv.nix"),
        "{ ... }: { env.FROM_NIX = \"yes\"; }\n",
    )
    .unwrap();
    s.run(&format!("{DENV} allow"));
    assert_eq!(get(&s.dump(), "FROM_NIX"), Some(&b"yes"[..]));
    // A nested project under $PWD's parents is noticed without any file of the loaded
    // one changing.
    std::fs::write(proj.join("sub/denv.toml"), "[env]\nWHICH = \"sub\"\n").unwrap();
    s.run(&format!("{DENV} allow sub && cd sub"));
    assert_eq!(get(&s.dump(), "WHICH"), Some(&b"sub"[..]));
    s.run(&format!("cd .. && {DENV} deny sub"));
}

#[test]
fn a_shell_without_the_hooks_record_gets_it_from_an_unchanged_export() {
    let root = tempfile::tempdir().unwrap();
    let proj = root.path().join("proj");
    write_project(&proj, "");
    let denv = |args: &[&str], diff: Option<&str>| {
        let mut c = Command::new(DENV);
        c.args(args)
            .current_dir(&proj)
            .env("DENV_DATA_DIR", root.path().join("data"))
            .env("DENV_CACHE_DIR", root.path().join("cache"))
            .env("DENV_CONFIG_DIR", root.path().join("config"))
            .env_remove("DENV_DIFF");
        if let Some(diff) = diff {
            c.env("DENV_DIFF", diff);
        }
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    denv(&["allow"], None);
    let load = denv(&["export", "bash"], None);
    assert!(
        load.contains(&format!("_denv_root={}", proj.display())),
        "{load}"
    );
    let diff = load
        .lines()
        .find_map(|l| l.strip_prefix("export DENV_DIFF="))
        .map(|v| v.trim_end_matches(';').to_owned())
        .expect("the load sets DENV_DIFF");
    // Unchanged: nothing, unless the hook asks for its record.
    assert_eq!(denv(&["export", "bash"], Some(&diff)), "");
    let record = denv(&["export", "bash", "--remember"], Some(&diff));
    assert!(
        record.starts_with(&format!("_denv_root={};\n_denv_files=(", proj.display())),
        "{record}"
    );
    assert!(
        record.contains(&format!("{}/denv.toml", proj.display())),
        "{record}"
    );
    assert!(!record.contains("export "), "{record}");
    let fish = denv(&["export", "fish", "--remember"], Some(&diff));
    assert!(fish.starts_with("set -g __denv_root "), "{fish}");
}

#[test]
fn bash_unchanged_prompts_run_no_process() {
    unchanged_prompts_run_no_process(Kind::Bash);
}

#[test]
fn zsh_unchanged_prompts_run_no_process() {
    unchanged_prompts_run_no_process(Kind::Zsh);
}

#[test]
fn fish_unchanged_prompts_run_no_process() {
    unchanged_prompts_run_no_process(Kind::Fish);
}

#[test]
fn nested_projects_switch_and_an_untrusted_child_keeps_its_parent() {
    let mut s = Session::start(Kind::Bash);
    let outer = s.work().join("outer");
    write_project(&outer, "WHICH = \"outer\"");
    std::fs::create_dir_all(outer.join("inner")).unwrap();
    std::fs::write(outer.join("inner/denv.toml"), "[env]\nWHICH = \"inner\"\n").unwrap();
    std::fs::create_dir_all(outer.join("stranger")).unwrap();
    std::fs::write(
        outer.join("stranger/denv.toml"),
        "[env]\nWHICH = \"stranger\"\n",
    )
    .unwrap();
    let before = s.dump();
    s.run(&format!("{DENV} allow outer && {DENV} allow outer/inner"));
    s.run("cd outer");
    assert_eq!(get(&s.dump(), "WHICH"), Some(&b"outer"[..]));
    s.run("cd inner");
    let inner = s.dump();
    assert_eq!(get(&inner, "WHICH"), Some(&b"inner"[..]));
    assert_eq!(get(&inner, "TRICKY"), None, "the outer project is unloaded");
    s.run("cd ..");
    assert_eq!(get(&s.dump(), "WHICH"), Some(&b"outer"[..]));
    s.run("cd stranger");
    assert_eq!(get(&s.dump(), "WHICH"), Some(&b"outer"[..]));
    assert!(s.screen().contains("stranger/denv.toml is not allowed"));
    // A project file that stops parsing leaves the environment as it was.
    s.run("cd ..");
    std::fs::write(outer.join("denv.toml"), "[env\nbroken").unwrap();
    s.run("true");
    assert_eq!(get(&s.dump(), "WHICH"), Some(&b"outer"[..]));
    assert!(s.screen().contains("invalid TOML"), "{}", s.screen());
    // A deleted project file unloads.
    std::fs::remove_file(outer.join("denv.toml")).unwrap();
    s.run("true");
    let gone = s.dump();
    assert_eq!(without(&gone, "PWD"), without(&before, "PWD"));
    s.run(&format!("{DENV} deny inner"));
}

#[test]
fn archive_a_project_with_packages_puts_them_on_path_until_leaving() {
    let mut s = Session::start(Kind::Bash);
    let proj = s.work().join("pkgs");
    std::fs::create_dir_all(&proj).unwrap();
    std::fs::write(
        proj.join("denv.toml"),
        "[packages]\njq = \"*\"\n[env]\nA = \"1\"\n",
    )
    .unwrap();
    // The first activation fetches and builds; do it up front so the shell's prompt does not
    // wait on the network (and an unreachable archive is reported clearly).
    let root = s.root().to_path_buf();
    let warm = std::process::Command::new(DENV)
        .args(["run", "--", "true"])
        .current_dir(&proj)
        .env("DENV_DATA_DIR", root.join("data"))
        .env("DENV_CACHE_DIR", root.join("cache"))
        .env("DENV_CONFIG_DIR", root.join("config"))
        .output()
        .unwrap();
    assert!(
        warm.status.success(),
        "building jq from the Debian archive failed (is the archive listed in \
         /etc/apt/sources.list.d reachable?): {}",
        String::from_utf8_lossy(&warm.stderr)
    );
    let before = s.dump();
    s.run(&format!("{DENV} allow pkgs && cd pkgs"));
    s.run("jq -n 1+1 > two.txt; command -v jq > which.txt");
    let inside = s.dump();
    assert_eq!(get(&inside, "A"), Some(&b"1"[..]));
    assert_eq!(
        std::fs::read_to_string(proj.join("two.txt")).unwrap(),
        "2\n"
    );
    let which = std::fs::read_to_string(proj.join("which.txt")).unwrap();
    assert!(
        which.starts_with(&format!("{}/data/store/", root.display()))
            && which.ends_with("/bin/jq\n"),
        "jq should come from the store: {which}"
    );
    s.run("cd ..");
    assert_eq!(without(&s.dump(), "PWD"), without(&before, "PWD"));
}

/// Runs `code` (what `denv export` would print) in a real shell the way the hook does and
/// returns the value of `X` afterwards.
fn through_shell(kind: Kind, code: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("code");
    std::fs::write(&file, code).unwrap();
    let mut cmd = match kind {
        Kind::Bash => {
            let mut c = Command::new("bash");
            c.args([
                "--norc",
                "--noprofile",
                "-c",
                "eval \"$(cat \"$F\")\"; printenv X",
            ]);
            c
        }
        Kind::Zsh => {
            let mut c = Command::new("zsh");
            c.args(["-f", "-c", "eval \"$(cat \"$F\")\"; printenv X"]);
            c
        }
        Kind::Fish => {
            let mut c = Command::new("fish");
            c.args(["--no-config", "-c", "cat $F | source; printenv X"]);
            c
        }
    };
    let out = cmd
        .env("F", &file)
        .env("LANG", "C.UTF-8")
        .env_remove("X")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{kind:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut value = out.stdout;
    assert_eq!(value.pop(), Some(b'\n'));
    value
}

fn render_set(kind: Kind, value: &[u8]) -> Vec<u8> {
    let renderer: &dyn Shell = match kind {
        Kind::Bash => &denv::shell::bash::Bash,
        Kind::Zsh => &denv::shell::zsh::Zsh,
        Kind::Fish => &denv::shell::fish::Fish,
    };
    let mut out = Vec::new();
    let x = VarName::new("X").unwrap();
    renderer
        .set(&mut out, &x, OsStr::from_bytes(value))
        .unwrap();
    out
}

fn any_value() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            1u8..=255,
            prop::sample::select(b"'\"\\$`!*?~#;&|<>(){}[] \n\t%^-".to_vec()),
        ],
        0..24,
    )
}

fn renderer(kind: Kind) -> &'static dyn Shell {
    match kind {
        Kind::Bash => &denv::shell::bash::Bash,
        Kind::Zsh => &denv::shell::zsh::Zsh,
        Kind::Fish => &denv::shell::fish::Fish,
    }
}

#[test]
fn prepend_path_puts_the_entry_first_without_a_stray_colon() {
    for kind in [Kind::Bash, Kind::Zsh, Kind::Fish] {
        for (before, expected) in [
            (None, "/p q/bin"),
            (Some(""), "/p q/bin"),
            (Some("/usr/bin:/bin"), "/p q/bin:/usr/bin:/bin"),
        ] {
            let x = VarName::new("X").unwrap();
            let mut code = Vec::new();
            let shell = renderer(kind);
            if let Some(before) = before {
                shell.set(&mut code, &x, OsStr::new(before)).unwrap();
            }
            shell
                .prepend_path(&mut code, &x, OsStr::new("/p q/bin"))
                .unwrap();
            assert_eq!(
                through_shell(kind, &code),
                expected.as_bytes(),
                "{kind:?} from {before:?}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn bash_quoting_round_trips_any_byte(value in any_value()) {
        prop_assert_eq!(through_shell(Kind::Bash, &render_set(Kind::Bash, &value)), value);
    }

    #[test]
    fn zsh_quoting_round_trips_any_byte(value in any_value()) {
        prop_assert_eq!(through_shell(Kind::Zsh, &render_set(Kind::Zsh, &value)), value);
    }

    #[test]
    fn fish_quoting_round_trips_any_byte(value in any_value()) {
        prop_assert_eq!(through_shell(Kind::Fish, &render_set(Kind::Fish, &value)), value);
    }
}

#[test]
fn hook_scripts_parse_in_their_shells_and_call_denv_by_absolute_path() {
    for (shell, check) in [
        ("bash", &["bash", "-n"][..]),
        ("zsh", &["zsh", "-n"][..]),
        ("fish", &["fish", "--no-execute"][..]),
    ] {
        let out = Command::new(DENV).args(["hook", shell]).output().unwrap();
        assert!(out.status.success());
        assert!(out.stderr.is_empty());
        let code = String::from_utf8(out.stdout).unwrap();
        assert!(code.contains(&format!("{DENV} export {shell}")), "{code}");
        assert!(!code.contains("@DENV@"));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("hook");
        std::fs::write(&file, &code).unwrap();
        let status = Command::new(check[0])
            .args(&check[1..])
            .arg(&file)
            .status()
            .unwrap();
        assert!(status.success(), "{shell} rejects its hook:\n{code}");
    }
    let json = Command::new(DENV).args(["hook", "json"]).output().unwrap();
    assert_eq!(json.status.code(), Some(2));
}
