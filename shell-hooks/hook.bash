# denv prompt hook for bash: `eval "$(denv hook bash)"` in ~/.bashrc.
# Before each prompt, `denv export bash` prints the change to apply (usually nothing).
# When nothing it looks at has changed, the hook sees so itself and runs no process.
# `denv hook` fills in the absolute path of denv and the directory where each shell
# stamps the time of its last `denv export` (empty: no stamps, always run denv);
# `_denv_unchanged` comes from unchanged.sh, appended below.
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
