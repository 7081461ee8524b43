# The prompt hooks' own check, shared by bash and zsh (appended to hook.bash and hook.zsh).
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
