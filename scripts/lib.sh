# Shared by scripts/run and scripts/test: install what is missing, configure, build.
# Sourced, not run.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${CRMSYNC_BUILD_DIR:-$ROOT/build}

# Debian 12 packages crmsync needs to build, test and run.
PACKAGES=(
  build-essential cmake ninja-build pkg-config clang-format
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libabsl-dev libpqxx-dev libpq-dev prometheus-cpp-dev nlohmann-json3-dev libcpp-httplib-dev
  libcurl4-openssl-dev libssl-dev libgtest-dev libgmock-dev libbenchmark-dev
  libicu-dev postgresql-15 postgresql-common python3 python3-aiosmtpd prometheus curl openssl jq
)

# scripts/bench's report table (column).
PACKAGES+=(bsdextrautils)

# The deploy checks' (tests/deploy): YAML, and gRPC with protobuf for the end-to-end run.
PACKAGES+=(python3-yaml python3-grpcio python3-protobuf)

# crmsyncctl's portal files in YAML.
PACKAGES+=(libyaml-cpp-dev)

# Each line says how long the run has taken, from the first script of the run (CI chains several).
: "${CRMSYNC_RUN_START:=$(date +%s)}"
export CRMSYNC_RUN_START
log() {
  local elapsed=$(($(date +%s) - CRMSYNC_RUN_START))
  printf '==> [%02d:%02d] %s\n' $((elapsed / 60)) $((elapsed % 60)) "$*" >&2
}

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

install_deps() {
  local missing=()
  for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  if ((${#missing[@]})); then
    log "installing ${#missing[@]} Debian packages: ${missing[*]}"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      "${missing[@]}"
  fi
}

# The npm packages of the deploy checks (Kubernetes API schemas for offline validation), pinned by
# tests/deploy/validate/package-lock.json, into $BUILD_DIR/deploy-node. Needs node and npm; the
# deploy checks also use kubectl's built-in kustomize (kubectl 1.27 or newer), which Debian 12 does
# not package.
install_node_deps() {
  local dir=$BUILD_DIR/deploy-node lock=$ROOT/tests/deploy/validate/package-lock.json
  if [[ -d $dir/node_modules ]] && cmp -s "$lock" "$dir/package-lock.json"; then return; fi
  log "installing the deploy checks' npm packages into $dir"
  mkdir -p "$dir"
  cp "$ROOT/tests/deploy/validate/package.json" "$lock" "$dir/"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}

build() {
  log "building in $BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  ninja -C "$BUILD_DIR" "$@"
}
