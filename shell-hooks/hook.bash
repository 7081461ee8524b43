# denv prompt hook for bash: `eval "$(denv hook bash)"` in ~/.bashrc.
# Before each prompt, `denv export bash` prints the change to apply (usually nothing).
# @DENV@ is replaced by the quoted absolute path of the denv executable.
_denv_hook() {
  local previous_exit_status=$?
  trap -- '' SIGINT
  eval "$(@DENV@ export bash)"
  trap - SIGINT
  return $previous_exit_status
}
if [[ ";${PROMPT_COMMAND[*]:-};" != *";_denv_hook;"* ]]; then
  if [[ "$(declare -p PROMPT_COMMAND 2>&1)" == "declare -a"* ]]; then
    PROMPT_COMMAND=(_denv_hook "${PROMPT_COMMAND[@]}")
  else
    PROMPT_COMMAND="_denv_hook${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
  fi
fi
