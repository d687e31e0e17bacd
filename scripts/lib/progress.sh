# Progress while a background process runs; source it, then call progress_wait.
#
# progress_wait <pid> <every> <report>
#   Waits for the background process <pid> of this shell. Quiet while it is
#   quick: every <every> seconds that it is still running, calls the function
#   <report> with the whole seconds spent so far, which prints a line. Returns
#   the process's exit status.
progress_wait() {
  local pid=$1 every=$2 report=$3
  local started=$SECONDS next=$2
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if [ $((SECONDS - started)) -ge "$next" ] && kill -0 "$pid" 2>/dev/null; then
      "$report" $((SECONDS - started))
      next=$((next + every))
    fi
  done
  wait "$pid"
}
