#!/usr/bin/env python3
"""Checks deploy/Dockerfile without a container engine: what can be known from the built binaries
and the Debian packages installed beside them.

- every shared library a binary the image copies links (ldd) comes from a package the runtime
  stage installs, or one of their dependencies (dpkg's records of this machine, which runs the
  same Debian 12 packages);
- the image holds every binary the manifests run, and each service stage's entrypoint is one
  of them;
- base images are pinned to an exact point release, every build argument a stage uses is declared
  in that stage, the runtime user is a numeric non-root id, OCI labels are set, and .dockerignore keeps build trees, .run and .git out of the context.
Exits 1 and prints every problem found.

Usage: check_image.py --root SRC --bin_dir BUILD/bin
"""

import argparse
import pathlib
import re
import subprocess
import sys

SERVICE_STAGES = {"auth", "mapping", "sync", "notify", "zoho-sim"}


def installed_dependencies():
    """Each installed package's Depends and Pre-Depends, by package name."""
    out = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package}\t${Depends}, ${Pre-Depends}\n"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    depends = {}
    for line in out.splitlines():
        package, _, deps = line.partition("\t")
        names = set()
        for clause in deps.split(","):
            for alternative in clause.split("|"):
                name = alternative.strip().split(" ")[0].split(":")[0]
                if name:
                    names.add(name)
        depends[package] = names
    return depends


def closure(packages, depends):
    seen, todo = set(), list(packages)
    while todo:
        package = todo.pop()
        if package not in seen:
            seen.add(package)
            todo.extend(depends.get(package, ()))
    return seen


def packages_of(libraries):
    """The Debian package that installed each shared library file (None if none did), asking dpkg
    once for all of them. With usrmerge a file may be recorded under /lib or /usr/lib."""
    candidates = {}
    for library in libraries:
        resolved = str(pathlib.Path(library).resolve())
        paths = {library, resolved}
        paths |= {p.removeprefix("/usr") if p.startswith("/usr/") else "/usr" + p for p in paths}
        candidates[library] = paths
    every_path = sorted(set().union(*candidates.values())) if candidates else []
    out = subprocess.run(["dpkg", "-S", *every_path], capture_output=True, text=True).stdout
    owner = {}
    for line in out.splitlines():
        package, _, path = line.partition(": ")
        owner[path] = package.split(":")[0]
    return {
        library: next((owner[p] for p in sorted(paths) if p in owner), None)
        for library, paths in candidates.items()
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True, type=pathlib.Path)
    parser.add_argument("--bin_dir", required=True, type=pathlib.Path)
    args = parser.parse_args()
    dockerfile = (args.root / "deploy/Dockerfile").read_text()
    problems = []

    stages = re.split(r"^FROM ", dockerfile, flags=re.M)[1:]
    runtime = next((s for s in stages if " AS runtime" in s.splitlines()[0]), "")
    install = re.search(r"apt-get install -y --no-install-recommends(.*?)&&", runtime, re.S)
    packages = set(install.group(1).replace("\\", " ").split()) if install else set()
    if not packages:
        problems.append("the runtime stage installs no packages")
    copied = set(re.findall(r"/src/build/bin/([\w-]+)", runtime))

    available = closure(packages, installed_dependencies())
    linked = {}
    for binary in sorted(copied):
        path = args.bin_dir / binary
        if not path.exists():
            problems.append(f"{binary} is copied into the image but was not built")
            continue
        ldd = subprocess.run(["ldd", str(path)], capture_output=True, text=True, check=True).stdout
        linked[binary] = re.findall(r"=> (/\S+)", ldd)
    owners = packages_of({library for libraries in linked.values() for library in libraries})
    for binary, libraries in linked.items():
        for library in libraries:
            package = owners[library]
            if package is None:
                problems.append(f"{binary}: {library} belongs to no Debian package")
            elif package not in available:
                problems.append(f"{binary}: {library} ({package}) is not installed in the image")

    manifests = "\n".join(
        p.read_text() for p in (args.root / "deploy/k8s").rglob("*.yaml") if p.is_file()
    )
    for image in sorted(set(re.findall(r"image: (crmsync-[\w-]+)", manifests))):
        binary = "zoho-sim" if image == "crmsync-zoho-sim" else image
        if binary not in copied:
            problems.append(f"the manifests run image {image}, but the image lacks {binary}")
    for stage in stages:
        header = stage.splitlines()[0]
        name = header.split(" AS ")[-1].strip()
        if name in SERVICE_STAGES:
            entry = re.search(r'ENTRYPOINT \["/usr/local/bin/([\w-]+)"\]', stage)
            if not entry or entry.group(1) not in copied:
                problems.append(f"stage {name} has no entrypoint among the copied binaries")
    missing = SERVICE_STAGES - {s.splitlines()[0].split(" AS ")[-1].strip() for s in stages}
    if missing:
        problems.append(f"no stage for {sorted(missing)}")

    tag = re.search(r"^ARG DEBIAN_TAG=(\S+)$", dockerfile, re.M)
    if not tag or not re.fullmatch(r"\d+\.\d+", tag.group(1)):
        problems.append("DEBIAN_TAG is not an exact Debian point release (e.g. 12.11)")
    for header in (s.splitlines()[0] for s in stages):
        image = header.split(" ")[0]
        if not image.startswith("debian:${DEBIAN_TAG}") and image not in ("runtime", "build"):
            problems.append(f"FROM {image} is not pinned")
    # An ARG declared before the first FROM is seen by FROM lines only: a stage that uses it
    # elsewhere (a LABEL, a RUN) gets an empty string unless it declares the ARG again.
    for stage in stages:
        name = stage.splitlines()[0].split(" AS ")[-1].strip()
        declared = set(re.findall(r"^ARG (\w+)", stage, re.M))
        for used in sorted(set(re.findall(r"\$\{?(\w+)", "\n".join(stage.splitlines()[1:])))):
            if used not in declared:
                problems.append(f"stage {name} uses ${{{used}}} without declaring ARG {used}")
    user = re.search(r"^USER (\d+)(?::(\d+))?$", runtime, re.M)
    if not user or user.group(1) == "0":
        problems.append("the runtime stage does not switch to a numeric non-root USER")
    for label in ("title", "description", "version", "revision"):
        if f"org.opencontainers.image.{label}=" not in runtime:
            problems.append(f"no org.opencontainers.image.{label} label")

    ignored = (args.root / ".dockerignore").read_text().split()
    for entry in ("/build*", "/.run", "/.git"):
        if entry not in ignored:
            problems.append(f".dockerignore does not exclude {entry}")

    for problem in problems:
        print(problem)
    print(f"{len(copied)} binaries, {len(packages)} runtime packages, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
