#!/usr/bin/env bash
# Creates (once) the throwaway TensorFlow venv used by tests/test_validate_tf.py:
# a real tensorflow-cpu with a standalone keras that does NOT match it.
#
#   tensorflow-cpu 2.15.1 requires keras>=2.15,<2.16; we install Keras 3 over it
#   (the situation keras.io describes for TF 2.15: tf.keras then refuses Keras 3).
#
# Idempotent: a finished venv carries a stamp file and is reused as is.
# Location: ${LINT_ENV_TEST_CACHE:-$HOME/.cache/lint-env-tests}/tf-venv
# Interpreter: $LINT_ENV_TF_PYTHON, else the first of python3.11/3.10/3.9/python3
# whose version TensorFlow 2.15 supports (3.9-3.11).
# Packages come from the index pip is configured to use.
set -euo pipefail

TF_SPEC="tensorflow-cpu==2.15.1"
KERAS_SPEC="keras==3.3.3"
STAMP_TEXT="$TF_SPEC $KERAS_SPEC"

cache="${LINT_ENV_TEST_CACHE:-$HOME/.cache/lint-env-tests}"
venv="$cache/tf-venv"
stamp="$venv/.lint-env-tf-venv"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$STAMP_TEXT" && -x "$venv/bin/python" ]]; then
    echo "tf-venv: reusing $venv"
    exit 0
fi

pick_python() {
    local c
    for c in ${LINT_ENV_TF_PYTHON:-} python3.11 python3.10 python3.9 python3; do
        if command -v "$c" >/dev/null 2>&1 &&
            "$c" -c 'import sys; sys.exit(0 if (3, 9) <= sys.version_info[:2] <= (3, 11) else 1)' \
                >/dev/null 2>&1; then
            command -v "$c"
            return 0
        fi
    done
    return 1
}

py="$(pick_python)" || {
    echo "tf-venv: no Python 3.9-3.11 found (set LINT_ENV_TF_PYTHON)" >&2
    exit 2
}

echo "tf-venv: creating $venv with $py"
rm -rf "$venv"
mkdir -p "$cache"
"$py" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "$TF_SPEC"
# Keras 3 over TF 2.15: pip reports the conflict ("tensorflow-cpu 2.15.1 requires
# keras<2.16,>=2.15.0") on stderr and installs it anyway; that mismatch is the point.
"$venv/bin/python" -m pip install --quiet "$KERAS_SPEC"
"$venv/bin/python" -c 'import importlib.metadata as m; print("tf-venv:", m.version("tensorflow-cpu"), "keras", m.version("keras"))'
echo "$STAMP_TEXT" >"$stamp"
