"""What the end-to-end scripts share: running a command with a clean
environment, writing input files, and counting checks. Each script imports
it from its own folder (python3 puts the script's folder on sys.path)."""
import os
import subprocess
import sys

failures = []
passed = 0


def run(args, cwd, stdin=None, env=None, unset=("VIGIL_RULES_DIR",), timeout=60):
    """Runs a command; returns (rc, stdout bytes, stderr text). Variables in
    `unset` are removed from the inherited environment, then `env` applied."""
    e = dict(os.environ)
    for name in unset:
        e.pop(name, None)
    if env:
        e.update(env)
    p = subprocess.run(args, cwd=cwd, input=stdin, capture_output=True, timeout=timeout, env=e)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def check(name, cond, detail=""):
    global passed
    if cond:
        passed += 1
    else:
        failures.append(f"{name}: {detail}")
        print(f"FAIL {name}: {detail}", file=sys.stderr)


def write(path, data, mode=None):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    if mode is not None:
        os.chmod(path, mode)


def summary(name):
    """Prints the counts; returns the exit status for the script."""
    print(f"{name}: {passed} passed, {len(failures)} failed")
    return 1 if failures else 0


def tool(path, cwd, *args, timeout=120):
    """Runs a test tool (e.g. mkcvd) in cwd; a failure is a check failure.
    Returns its stdout."""
    p = subprocess.run([path, *args], cwd=cwd, capture_output=True, timeout=timeout)
    check(f"{os.path.basename(path)} {args[0]}", p.returncode == 0,
          p.stderr.decode(errors="replace"))
    return p.stdout
