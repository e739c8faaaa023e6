#!/usr/bin/python3
"""emulate.py: run a systemd service's commands, or a crontab's jobs, the
way systemd or cron would: same command lines, same environment, as an
unprivileged user. For tests only; run it as root, inside a mount
namespace whose /etc, /var/lib and /run the test may write (sandbox.sh).

    emulate.py unit FILE [--uid N]   ExecStartPre= and ExecStart= of FILE
    emulate.py cron FILE [--uid N]   every job line of the crontab FILE

For a unit it does what the service manager does before it starts the
commands: Environment= then EnvironmentFile= (which overrides it), the
specifiers %S %d %n %%, StateDirectory= (created below /var/lib, owned by
the user, $STATE_DIRECTORY), LoadCredential= (a copy of the file that
only the user can read, in /run/credentials/UNIT, $CREDENTIALS_DIRECTORY;
a missing file fails the unit), UMask=, and User= (here: --uid, default
65534, no supplementary groups; USER and LOGNAME). HOME is not set: the
dynamic user has none. For a crontab it does what cron does: SHELL=/bin/sh,
PATH=/usr/bin:/bin, HOME=/nonexistent and LOGNAME, then the crontab's
variable lines, then `$SHELL -c JOB`. Prints what it ran on stderr, exits
with the first failing command's status.
"""
import os
import shlex
import subprocess
import sys

SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def die(msg):
    sys.stderr.write("emulate: %s\n" % msg)
    sys.exit(99)


def unit_lines(path):
    """(section, key, value) for every assignment, continuations joined."""
    section, pending = None, ""
    for raw in open(path):
        line = raw.rstrip("\n")
        if pending:
            line = pending + line.lstrip()
            pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        s = line.strip()
        if not s or s[0] in "#;":
            continue
        if s.startswith("[") and s.endswith("]"):
            section = s[1:-1]
            continue
        if "=" not in s:
            die("%s: not an assignment: %s" % (path, s))
        k, v = s.split("=", 1)
        yield section, k.strip(), v.strip()


def specifiers(value, unit):
    out, i = [], 0
    table = {"S": "/var/lib", "d": "/run/credentials/" + unit, "n": unit,
             "%": "%"}
    while i < len(value):
        c = value[i]
        if c == "%":
            if i + 1 >= len(value) or value[i + 1] not in table:
                die("unsupported specifier in %r" % value)
            out.append(table[value[i + 1]])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def env_file(path):
    env = {}
    for raw in open(path):
        s = raw.strip()
        if not s or s[0] in "#;" or "=" not in s:
            continue
        k, v = s.split("=", 1)
        words = shlex.split(v) if v.strip() else [""]
        env[k.strip()] = " ".join(words)
    return env


def demote(uid, umask):
    def f():
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        os.umask(umask)
    return f


def run(argv, env, uid, umask, what):
    sys.stderr.write("emulate: %s: %s\n" % (what, " ".join(argv)))
    return subprocess.call(argv, env=env, cwd="/",
                           preexec_fn=demote(uid, umask))


def unit(path, uid):
    name = os.path.basename(path)
    env = {"PATH": SYSTEMD_PATH, "LANG": "C.UTF-8"}
    from_files, state, creds, execs = {}, [], [], []
    umask, user = 0o022, None
    for section, k, v in unit_lines(path):
        if section != "Service":
            continue
        if k == "Environment":
            for a in shlex.split(specifiers(v, name)):
                ek, ev = a.split("=", 1)
                env[ek] = ev
        elif k == "EnvironmentFile":
            optional = v.startswith("-")
            f = specifiers(v.lstrip("-"), name)
            if os.path.exists(f):
                from_files.update(env_file(f))
            elif not optional:
                die("%s: no such environment file" % f)
        elif k == "StateDirectory":
            state += v.split()
        elif k == "LoadCredential":
            cid, src = v.split(":", 1)
            creds.append((cid, specifiers(src, name)))
        elif k == "UMask":
            umask = int(v, 8)
        elif k == "User":
            user = v
        elif k in ("ExecStartPre", "ExecStart"):
            execs.append((k, v))
    env.update(from_files)
    if user:
        env["USER"] = env["LOGNAME"] = user
    if state:
        dirs = []
        for d in state:
            p = os.path.join("/var/lib", d)
            os.makedirs(p, mode=0o700, exist_ok=True)
            os.chown(p, uid, uid)
            dirs.append(p)
        env["STATE_DIRECTORY"] = ":".join(dirs)
    if creds:
        cdir = "/run/credentials/" + name
        os.makedirs(cdir, exist_ok=True)
        for cid, src in creds:
            try:
                data = open(src, "rb").read()
            except OSError as e:
                die("%s: Failed to set up credentials: %s" % (name, e))
            dst = os.path.join(cdir, cid)
            with open(dst, "wb") as f:
                f.write(data)
            os.chmod(dst, 0o400)
            os.chown(dst, uid, uid)
        os.chmod(cdir, 0o500)
        os.chown(cdir, uid, uid)
        env["CREDENTIALS_DIRECTORY"] = cdir
    for k, v in execs:
        line = specifiers(v, name)
        ignore = line.startswith("-")
        argv = shlex.split(line.lstrip("-"))
        rc = run(argv, env, uid, umask, k)
        if rc != 0 and not ignore:
            return rc
    return 0


def cron(path, uid):
    env = {"SHELL": "/bin/sh", "PATH": "/usr/bin:/bin",
           "HOME": "/nonexistent", "LOGNAME": "nobody"}
    jobs = []
    for raw in open(path):
        s = raw.strip()
        if not s or s.startswith("#"):
            continue
        first = s.split(None, 1)[0]
        if "=" in first and not first[0].isdigit() and first[0] != "*":
            k, v = s.split("=", 1)
            env[k.strip()] = v.strip().strip("'\"")
            continue
        fields = s.split(None, 5)
        if len(fields) < 6:
            die("%s: not a job line: %s" % (path, s))
        if "%" in fields[5]:
            die("%s: %% in a job is a newline to cron" % path)
        jobs.append(fields[5])
    if not jobs:
        die("%s: no job" % path)
    for j in jobs:
        rc = run([env["SHELL"], "-c", j], env, uid, 0o022, "cron")
        if rc != 0:
            return rc
    return 0


def main():
    args = sys.argv[1:]
    uid = 65534
    if "--uid" in args:
        i = args.index("--uid")
        uid = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 2 or args[0] not in ("unit", "cron"):
        die("usage: emulate.py unit|cron FILE [--uid N]")
    sys.exit((unit if args[0] == "unit" else cron)(args[1], uid))


main()
