# Stage timing for sgmv's scripts (sourced, not run).
#   stage NAME COMMAND...   runs COMMAND, prints how long it took, records it
#   stage_summary           prints every recorded stage with its duration
# A failing stage prints its time and the failure, then returns its status
# (so `set -e` in the caller stops the script there).

_sgmv_stage_names=()
_sgmv_stage_secs=()
_sgmv_stage_status=()

_sgmv_fmt_secs() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

stage() {
  local name=$1
  shift
  local start=$SECONDS rc=0
  echo "==> [$name] $*"
  "$@" || rc=$?
  local took=$((SECONDS - start))
  _sgmv_stage_names+=("$name")
  _sgmv_stage_secs+=("$took")
  _sgmv_stage_status+=("$rc")
  if [ "$rc" -eq 0 ]; then
    echo "<== [$name] ok in $(_sgmv_fmt_secs "$took")"
  else
    echo "<== [$name] FAILED (exit $rc) after $(_sgmv_fmt_secs "$took")"
  fi
  return "$rc"
}

stage_summary() {
  local i total=0
  echo "---- stage times ----"
  for i in "${!_sgmv_stage_names[@]}"; do
    local state=ok
    [ "${_sgmv_stage_status[$i]}" -eq 0 ] || state="FAILED(${_sgmv_stage_status[$i]})"
    printf '  %-28s %8s  %s\n' "${_sgmv_stage_names[$i]}" "$(_sgmv_fmt_secs "${_sgmv_stage_secs[$i]}")" "$state"
    total=$((total + _sgmv_stage_secs[i]))
  done
  printf '  %-28s %8s\n' "total" "$(_sgmv_fmt_secs "$total")"
}
