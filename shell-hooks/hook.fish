# denv prompt hook for fish: `denv hook fish | source` in ~/.config/fish/config.fish.
# Runs `denv export fish` before each prompt and whenever the directory changes, unless
# the hook sees itself that nothing `denv export` looks at has changed (then no process
# runs). `denv hook` fills in the absolute path of denv and the directory where each
# shell stamps the time of its last `denv export` (empty: no stamps, always run denv).
set -g __denv_stamps @STAMPS@

# True when `denv export` would print nothing: no project is loaded and no denv.toml is
# above $PWD, or the loaded one is still the nearest, DENV_DIFF is as denv left it, and
# every file it was built from is older than the stamp written before denv last ran.
function __denv_unchanged
    set -l dir $PWD
    set -l nearest
    while true
        test -L "$dir"; and return 1
        if test -f "$dir/denv.toml"
            set nearest $dir
            test -z "$nearest"; and set nearest /
            break
        end
        test -z "$dir"; and break
        set dir (string replace -r '/[^/]*$' '' -- $dir)
    end
    if test -z "$DENV_DIFF"
        test -z "$nearest"
        return
    end
    set -l stamp $__denv_stamps/$fish_pid
    test -n "$__denv_stamps" -a -n "$nearest"; or return 1
    test "$nearest" = "$__denv_root" -a "$DENV_DIFF" = "$__denv_diff" -a -f "$stamp"; or return 1
    for f in $__denv_files
        test "$f" -ot "$stamp"; or return 1
    end
    for f in $__denv_absent
        test -e "$f" -o -L "$f"; and return 1
    end
    return 0
end

# $argv: extra arguments for `denv export fish`.
function __denv_export
    __denv_unchanged; and return
    if test -n "$__denv_stamps"
        begin
            printf '' >"$__denv_stamps/$fish_pid"
        end 2>/dev/null
    end
    @DENV@ export fish --remember $argv | source
    set -g __denv_diff "$DENV_DIFF"
end

function __denv_export_eval --on-event fish_prompt
    __denv_export
end

function __denv_cd_hook --on-variable PWD
    # A `cd` inside a command substitution is not the user moving.
    if status --is-command-substitution
        return
    end
    # Notices wait for the prompt's call, so they appear once.
    __denv_export --quiet
end
