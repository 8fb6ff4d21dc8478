# Shared shell helpers for scripts/run and scripts/test (sourced, not executed).

# Create .venv and install the project (with test extras) when pyproject.toml changed.
ensure_venv() {
  local py="${PYTHON:-python3}"
  if [ ! -x .venv/bin/python ]; then
    echo "==> 创建虚拟环境 .venv" >&2
    "$py" -m venv .venv
  fi
  if [ ! -f .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
    echo "==> 安装依赖（pyproject.toml）" >&2
    if ! .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]' > .venv/pip.log 2>&1; then
      cat .venv/pip.log >&2
      echo "依赖安装失败（见上）" >&2
      return 1
    fi
    touch .venv/.installed
  fi
}

# Generate a secret into the instance folder once (never committed, mode 600).
ensure_secret() {
  local file="$1"
  if [ ! -s "$file" ]; then
    umask 077
    .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(48))' > "$file"
  fi
}
