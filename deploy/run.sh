#!/usr/bin/env bash
# Several replicas of the playground behind nginx, each browser kept on one replica (deploy/README.md).
# `bash deploy/run.sh --help` lists the options. The replicas listen on 127.0.0.1 only, nginx on every
# interface. Ctrl-C or SIGTERM stops them all, and so does any one of them exiting.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: bash deploy/run.sh [--replicas N] [--port PUBLIC] [--first-port P] [--gpus LIST]
  --replicas N      how many app processes (default 2, or one per GPU with --gpus)
  --port PUBLIC     nginx's port (default 8080)
  --first-port P    the first replica's port (default 8501); replica i gets P + i
  --gpus LIST       GPUs for the replicas, e.g. 0,1 (or PLAYGROUND_GPUS=0,1): replica i gets
                    CUDA_VISIBLE_DEVICES=LIST[i], round robin when there are more replicas than GPUs
Environment: PLAYGROUND_DEPLOY_DIR (default /tmp/playground-deploy) for nginx.conf and the logs;
NGINX and PYTHON to choose those binaries; PLAYGROUND_* settings (PLAYGROUND_MAX_RUNS...) apply to each replica.
EOF
}

replicas=""
public_port=8080
first_port=8501
gpus="${PLAYGROUND_GPUS:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --replicas) replicas="$2"; shift 2 ;;
    --port) public_port="$2"; shift 2 ;;
    --first-port) first_port="$2"; shift 2 ;;
    --gpus) gpus="$2"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

IFS=, read -r -a gpu_list <<<"$gpus"
if [ -z "$replicas" ]; then
  if [ "${#gpu_list[@]}" -gt 0 ]; then replicas="${#gpu_list[@]}"; else replicas=2; fi
fi
for number in "$replicas" "$public_port" "$first_port"; do
  if ! [[ "$number" =~ ^[1-9][0-9]*$ ]]; then
    echo "run.sh: '$number' is not a positive whole number" >&2
    exit 2
  fi
done

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="${PLAYGROUND_DEPLOY_DIR:-/tmp/playground-deploy}"
PYTHON="${PYTHON:-python3}"
NGINX="${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"
if [ ! -x "$NGINX" ]; then
  echo "run.sh: nginx not found; install it (bash scripts/install-system-deps.sh) or set NGINX" >&2
  exit 1
fi
mkdir -p "$RUN_DIR/logs" "$RUN_DIR/temp"

pids=()  # the replicas, then nginx
any_alive() {
  local pid
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then return 0; fi
  done
  return 1
}
stop_all() {
  trap - EXIT INT TERM
  if [ "${#pids[@]}" -eq 0 ]; then return; fi
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for _ in {1..40}; do  # 10 s to shut down cleanly
    if ! any_alive; then break; fi
    sleep 0.25
  done
  kill -KILL "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  echo "run.sh: stopped" >&2
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The replicas, each with its own port, log and (with --gpus) its own GPU.
ports=()
for ((i = 0; i < replicas; i++)); do
  port=$((first_port + i))
  ports+=("$port")
  gpu_env=()
  if [ "${#gpu_list[@]}" -gt 0 ]; then
    gpu_env=("CUDA_VISIBLE_DEVICES=${gpu_list[i % ${#gpu_list[@]}]}")
  fi
  (cd "$REPO" && exec env "${gpu_env[@]}" "$PYTHON" -m streamlit run app.py \
    --server.port "$port" --server.address 127.0.0.1 --server.headless true) \
    >"$RUN_DIR/logs/replica-$port.log" 2>&1 &
  pids+=("$!")
  echo "run.sh: replica $i on 127.0.0.1:$port${gpu_env[*]:+ with ${gpu_env[*]}}, log in $RUN_DIR/logs/" >&2
done

# nginx.conf: the template with the public port and one upstream server line per replica.
servers="$(printf '        server 127.0.0.1:%s;\n' "${ports[@]}")"
conf="$(<"$REPO/deploy/nginx.conf.template")"
conf="${conf//@PUBLIC_PORT@/"$public_port"}"
conf="${conf//@UPSTREAM_SERVERS@/"$servers"}"
printf '%s\n' "$conf" >"$RUN_DIR/nginx.conf"
"$NGINX" -t -q -p "$RUN_DIR/" -c "$RUN_DIR/nginx.conf"

healthy() {
  "$PYTHON" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$1" 2>/dev/null
}
for i in "${!ports[@]}"; do
  until healthy "http://127.0.0.1:${ports[i]}/_stcore/health"; do
    if ! kill -0 "${pids[i]}" 2>/dev/null; then
      echo "run.sh: replica on port ${ports[i]} exited; see $RUN_DIR/logs/replica-${ports[i]}.log" >&2
      exit 1
    fi
    sleep 0.5
  done
done

"$NGINX" -p "$RUN_DIR/" -c "$RUN_DIR/nginx.conf" &
pids+=("$!")
echo "run.sh: $replicas replicas behind http://localhost:$public_port (nginx log: $RUN_DIR/logs/)" >&2

# Until Ctrl-C, SIGTERM, or one of them exits.
wait -n || true
echo "run.sh: a replica or nginx exited; stopping the rest" >&2
exit 1
