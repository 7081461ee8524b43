# denv prompt hook for bash: `eval "$(denv hook bash)"` in ~/.bashrc.
# Before each prompt, `denv export bash` prints the change to apply (usually nothing).
# When nothing it looks at has changed, the hook sees so itself and runs no process.
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

_denv_hook() {
  local previous_exit_status=$?
  if ! _denv_unchanged; then
    trap -- '' SIGINT
    [[ -n $_denv_stamps ]] && { : >"$_denv_stamps/$$"; } 2>/dev/null
    eval "$(@DENV@ export bash --remember)"
    _denv_diff=${DENV_DIFF-}
    trap - SIGINT
  fi
  return $previous_exit_status
}
if [[ ";${PROMPT_COMMAND[*]:-};" != *";_denv_hook;"* ]]; then
  if [[ "$(declare -p PROMPT_COMMAND 2>&1)" == "declare -a"* ]]; then
    PROMPT_COMMAND=(_denv_hook "${PROMPT_COMMAND[@]}")
  else
    PROMPT_COMMAND="_denv_hook${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
  fi
fi
