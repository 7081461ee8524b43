# denv prompt hook for zsh: `eval "$(denv hook zsh)"` in ~/.zshrc.
# Runs `denv export zsh` before each prompt and after each directory change, unless the
# hook sees itself that nothing `denv export` looks at has changed (then no process runs).
# `denv hook` fills in the absolute path of denv and the directory where each shell
# stamps the time of its last `denv export` (empty: no stamps, always run denv);
# `_denv_unchanged` comes from unchanged.sh, appended below.
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
