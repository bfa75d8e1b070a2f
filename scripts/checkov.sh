#!/usr/bin/env bash
# Security-scan the Terraform under terraform/ with checkov, offline.
#
# checkov lives in its own virtualenv (.venv-checkov, git-ignored) because its
# dependency pins clash with the project's runtime pins. The venv is created on
# first use. Exit code: checkov's own (non-zero when any check fails).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${CHECKOV_VENV:-${repo_root}/.venv-checkov}"
version="3.3.30"

if [[ ! -x "${venv}/bin/checkov" ]] || ! "${venv}/bin/pip" show checkov 2>/dev/null | grep -qx "Version: ${version}"; then
  python3 -m venv "${venv}"
  "${venv}/bin/python" -m pip install --quiet --no-compile --disable-pip-version-check "checkov==${version}"
fi

cd "${repo_root}"
# --skip-download: never call the vendor's API (the scan is fully offline).
exec "${venv}/bin/checkov" -d terraform --skip-download --compact --quiet "$@"
