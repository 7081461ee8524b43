# denv prompt hook for zsh: `eval "$(denv hook zsh)"` in ~/.zshrc.
# Runs `denv export zsh` before each prompt and after each directory change, unless the
# hook sees itself that nothing `denv export` looks at has changed (then no process runs).
# `denv hook` fills in the absolute path of denv and the directory where each shell
# stamps the time of its last `denv export` (empty: no stamps, always run denv).
_denv_stamps=@STAMPS@

# True when `denv export` would print nothing: no project is loaded and no denv.toml is
# above $PWD, or the loaded one is still the nearest, DENV_DIFF is as denv left it, and
# every file it was built from is older than the stamp written before denv last ran.
_denv_unchanged() {
  local dir=$PWD nearest= f
  while :; do
    [[ -L $dir ]] && return 1
    if [[ -f $dir/denv.toml ]]; then
      nearest=${dir:-/}
      break
    fi
    [[ -z $dir ]] && break
    dir=${dir%/*}
  done
  if [[ -z ${DENV_DIFF-} ]]; then
    [[ -z $nearest ]]
    return
  fi
  [[ -n $_denv_stamps && -n $nearest && $nearest == "${_denv_root-}" &&
    ${DENV_DIFF-} == "${_denv_diff-}" && -f $_denv_stamps/$$ ]] || return 1
  for f in "${_denv_files[@]}"; do
    [[ $f -ot $_denv_stamps/$$ ]] || return 1
  done
  for f in "${_denv_absent[@]}"; do
    [[ -e $f || -L $f ]] && return 1
  done
  return 0
}

# $1: extra arguments for `denv export zsh`.
_denv_export() {
  _denv_unchanged && return
  trap -- '' INT
  [[ -n $_denv_stamps ]] && { : >"$_denv_stamps/$$"; } 2>/dev/null
  eval "$(@DENV@ export zsh --remember "$@")"
  _denv_diff=${DENV_DIFF-}
  trap - INT
}
_denv_hook() {
  _denv_export
}
# On `cd` the environment follows at once; notices wait for the prompt's call, so they
# appear once.
_denv_chpwd_hook() {
  _denv_export --quiet
}
typeset -ag precmd_functions
if (( ! ${precmd_functions[(I)_denv_hook]} )); then
  precmd_functions=(_denv_hook $precmd_functions)
fi
typeset -ag chpwd_functions
if (( ! ${chpwd_functions[(I)_denv_chpwd_hook]} )); then
  chpwd_functions=(_denv_chpwd_hook $chpwd_functions)
fi
