# Sourced by the benchmarks: the bench's root key, a free port, and a sosd of
# its own on 127.0.0.1 (data in $work, logs in $work/sosd.log, its pid added
# to the caller's `pids` array for the caller's cleanup).
export AWS_ACCESS_KEY_ID=SOSBENCHROOTKEY00001
export AWS_SECRET_ACCESS_KEY=sos-bench-root-secret-0000000000000000001
export AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
unset AWS_CA_BUNDLE AWS_PROFILE SOS_ENDPOINT  # plain http; nothing from the caller's setup

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_sosd SOSD PORT [extra sosd args...]: returns once /-/health answers.
start_sosd() {
  local sosd=$1 port=$2
  shift 2
  SOS_ROOT_ACCESS_KEY=$AWS_ACCESS_KEY_ID SOS_ROOT_SECRET_KEY=$AWS_SECRET_ACCESS_KEY \
    "$sosd" --listen "127.0.0.1:$port" --data "$work/sosd" "$@" >"$work/sosd.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/-/health" >/dev/null && return 0; sleep 0.1; done
  echo "sosd did not start" >&2
  tail "$work/sosd.log" >&2
  return 1
}

# start_delay_proxy PORT DELAY_MS: sets proxy_port to a bench/delay_proxy in
# front of 127.0.0.1:PORT that adds DELAY_MS to each direction.
start_delay_proxy() {
  build/bench/delay_proxy --upstream "127.0.0.1:$1" --delay-ms "$2" >"$work/proxy.port" &
  pids+=($!)
  for _ in $(seq 50); do [ -s "$work/proxy.port" ] && break; sleep 0.1; done
  proxy_port=$(cat "$work/proxy.port")
}
