# denv prompt hook for zsh: `eval "$(denv hook zsh)"` in ~/.zshrc.
# Runs `denv export zsh` before each prompt and after each directory change.
# @DENV@ is replaced by the quoted absolute path of the denv executable.
_denv_hook() {
  trap -- '' INT
  eval "$(@DENV@ export zsh)"
  trap - INT
}
# On `cd` the environment follows at once; notices wait for the prompt's call, so they
# appear once.
_denv_chpwd_hook() {
  trap -- '' INT
  eval "$(@DENV@ export zsh --quiet)"
  trap - INT
}
typeset -ag precmd_functions
if (( ! ${precmd_functions[(I)_denv_hook]} )); then
  precmd_functions=(_denv_hook $precmd_functions)
fi
typeset -ag chpwd_functions
if (( ! ${chpwd_functions[(I)_denv_chpwd_hook]} )); then
  chpwd_functions=(_denv_chpwd_hook $chpwd_functions)
fi
