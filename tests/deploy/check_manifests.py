#!/usr/bin/env python3
"""Builds the dev and prod overlays with kubectl's kustomize and checks what an operator would apply.

For each overlay: every object validates against the Kubernetes API schemas (validate.mjs, offline);
every Secret, ConfigMap, key, Service port and scale target a manifest refers to is in the build;
every CRMSYNC_* variable and --flag given to a crmsync binary is one that binary lists in --help;
every service is told the Service address of each service it calls (WIRING) and has its own
caller token from a Secret, auth has encryption keys and the bootstrap caller tokens, notify has an
SMTP relay, a TLS file a service is given is in a volume it mounts;
every crmsync pod is hardened (non-root, read-only root, no privilege escalation, no capabilities,
RuntimeDefault seccomp, no service-account token), has requests and limits, a readiness probe
on the default health service and liveness and startup probes on "liveness" (gRPC probes, or
crmsync-health-probe run in the pod where the server speaks TLS), and a grace period
longer than its preStop plus its drain. prod adds: at least two replicas of every service and no
dev-only parts. The prod overlay is built from a copy whose secret files are the committed
examples. Exits 1 and prints every problem found.

Usage: check_manifests.py --root SRC --bin_dir BUILD/bin --validator DIR/validate.mjs
"""

import argparse
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

SERVICES = ("auth", "mapping", "sync", "notify")
WORKLOADS = ("Deployment", "StatefulSet", "Job")


# The addresses each service calls others at, and what goes wrong without one.
WIRING = (
    ("auth", "CRMSYNC_NOTIFY_ADDRESS", "broken grants go unreported"),
    ("mapping", "CRMSYNC_AUTH_ADDRESS", "no caller can be verified, nothing is served"),
    ("notify", "CRMSYNC_AUTH_ADDRESS", "no caller can be verified, nothing is served"),
    ("sync", "CRMSYNC_MAPPING_ADDRESS", "every change is FAILED_PRECONDITION"),
    ("sync", "CRMSYNC_AUTH_ADDRESS", "a change a rule must check is FAILED_PRECONDITION"),
    ("sync", "CRMSYNC_NOTIFY_ADDRESS", "recorded failures are never emailed"),
)


def build_overlay(root, overlay, workdir):
    """Returns the rendered YAML of deploy/k8s/overlays/<overlay>, built from a copy."""
    k8s = pathlib.Path(workdir) / overlay / "k8s"
    shutil.copytree(root / "deploy" / "k8s", k8s)
    for example in (k8s / "overlays" / overlay / "secrets").glob("*.example"):
        shutil.copy(example, example.with_suffix(""))
    result = subprocess.run(
        ["kubectl", "kustomize", str(k8s / "overlays" / overlay)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"kubectl kustomize {overlay} failed:\n{result.stderr}")
    return result.stdout


def flags_of(binary):
    """Maps each flag name a binary lists in --help to its environment variable, and returns the
    variables it reads that are no flag (secrets such as auth's bootstrap caller tokens, which
    --help names in its summary)."""
    out = subprocess.run([binary, "--help"], capture_output=True, text=True)
    text = out.stdout + out.stderr
    flags = dict(re.findall(r"^\s+--(\w+) \((CRMSYNC_\w+),", text, re.M))
    if not flags:
        raise SystemExit(f"{binary} --help lists no flags:\n{text}")
    return flags, set(re.findall(r"\bCRMSYNC_[A-Z0-9_]*[A-Z0-9]", text)) - set(flags.values())


def binary_of(image):
    """crmsync-auth:dev -> crmsync-auth; registry/crmsync/crmsync-zoho-sim:1 -> zoho-sim."""
    name = image.rsplit("/", 1)[-1].split(":")[0].split("@")[0]
    if name == "crmsync-zoho-sim":
        return "zoho-sim"
    return name if name in {f"crmsync-{s}" for s in SERVICES} else None


def pod_spec(obj):
    return obj["spec"]["template"]["spec"] if obj["kind"] in WORKLOADS else None


def duration_seconds(text):
    match = re.fullmatch(r"(\d+)s", text)
    return int(match.group(1)) if match else None


class Checker:
    def __init__(self, overlay, objects, bin_dir):
        self.overlay = overlay
        self.objects = objects
        self.bin_dir = bin_dir
        self.problems = []
        self.by_kind = {}
        for obj in objects:
            self.by_kind.setdefault(obj["kind"], {})[obj["metadata"]["name"]] = obj

    def fail(self, obj, message):
        self.problems.append(f"{self.overlay}: {obj['kind']}/{obj['metadata']['name']}: {message}")

    def keys_of(self, kind, name):
        obj = self.by_kind.get(kind, {}).get(name)
        if obj is None:
            return None
        return set(obj.get("data") or {}) | set(obj.get("stringData") or {})

    def check_references(self):
        for obj in self.objects:
            spec = pod_spec(obj)
            if spec is not None:
                self.check_pod_references(obj, spec)
        for ingress in self.by_kind.get("Ingress", {}).values():
            for rule in ingress["spec"].get("rules", []):
                for path in rule["http"]["paths"]:
                    backend = path["backend"]["service"]
                    service = self.by_kind.get("Service", {}).get(backend["name"])
                    ports = {
                        p.get("name") for p in (service or {}).get("spec", {}).get("ports", [])
                    }
                    if service is None or backend["port"].get("name") not in ports:
                        self.fail(ingress, f"backend {backend} is not a Service port in the build")
        for hpa in self.by_kind.get("HorizontalPodAutoscaler", {}).values():
            target = hpa["spec"]["scaleTargetRef"]
            if target["name"] not in self.by_kind.get(target["kind"], {}):
                self.fail(hpa, f"scales {target['kind']}/{target['name']}, not in the build")
        templates = [pod_spec_labels(o) for o in self.objects if o["kind"] in WORKLOADS]
        for kind in ("Service", "PodDisruptionBudget"):
            for obj in self.by_kind.get(kind, {}).values():
                selector = obj["spec"].get("selector") or {}
                selector = selector.get("matchLabels", selector)
                if not any(selector.items() <= labels.items() for labels in templates):
                    self.fail(obj, f"selector {selector} matches no pod template")

    def check_pod_references(self, obj, spec):
        for container in spec.get("containers", []) + spec.get("initContainers", []):
            for source in container.get("envFrom", []):
                for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                    ref = source.get(key)
                    if ref and not ref.get("optional") and self.keys_of(kind, ref["name"]) is None:
                        self.fail(
                            obj, f"{container['name']} reads {kind} {ref['name']}, not in the build"
                        )
            for env in container.get("env", []):
                for kind, key in (("Secret", "secretKeyRef"), ("ConfigMap", "configMapKeyRef")):
                    ref = (env.get("valueFrom") or {}).get(key)
                    if ref and not ref.get("optional"):
                        keys = self.keys_of(kind, ref["name"])
                        if keys is None or ref["key"] not in keys:
                            self.fail(
                                obj,
                                f"{env['name']} reads {kind} {ref['name']} key {ref['key']}, not in the build",
                            )
        for volume in spec.get("volumes", []):
            for kind, key, name_key in (
                ("Secret", "secret", "secretName"),
                ("ConfigMap", "configMap", "name"),
            ):
                source = volume.get(key)
                if source:
                    keys = self.keys_of(kind, source[name_key])
                    wanted = {item["key"] for item in source.get("items", [])}
                    if keys is None or not wanted <= keys:
                        self.fail(
                            obj,
                            f"volume {volume['name']} needs {kind} {source[name_key]} keys {sorted(wanted)}",
                        )

    def env_names(self, container):
        names = {e["name"]: e.get("value") for e in container.get("env", [])}
        for source in container.get("envFrom", []):
            for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                ref = source.get(key)
                if ref:
                    obj = self.by_kind.get(kind, {}).get(ref["name"]) or {}
                    for name, value in (obj.get("data") or {}).items():
                        names.setdefault(name, value)
        return names

    def check_flags(self):
        cache = {}
        for obj in self.objects:
            spec = pod_spec(obj)
            for container in (spec or {}).get("containers", []):
                binary = binary_of(container["image"])
                if binary is None:
                    continue
                if binary not in cache:
                    cache[binary] = flags_of(str(self.bin_dir / binary))
                flags, variables = cache[binary]
                for name in self.env_names(container):
                    if name.startswith("CRMSYNC_") and name not in (
                        set(flags.values()) | variables
                    ):
                        self.fail(
                            obj, f"{container['name']} sets {name}, which {binary} does not read"
                        )
                for arg in container.get("args", []) + container.get("command", [])[1:]:
                    flag = re.match(r"--(\w+)", arg)
                    if flag and flag.group(1) not in flags:
                        self.fail(
                            obj, f"{container['name']} passes {arg}, which {binary} does not take"
                        )

    def check_pods(self):
        for obj in self.objects:
            spec = pod_spec(obj)
            if (
                spec is None
                or obj["metadata"].get("labels", {}).get("app.kubernetes.io/part-of") != "crmsync"
            ):
                continue
            pod_security = spec.get("securityContext", {})
            if spec.get("automountServiceAccountToken") is not False:
                self.fail(obj, "mounts a service-account token")
            if pod_security.get("runAsNonRoot") is not True:
                self.fail(obj, "may run as root")
            if pod_security.get("seccompProfile", {}).get("type") != "RuntimeDefault":
                self.fail(obj, "has no RuntimeDefault seccomp profile")
            for container in spec["containers"]:
                where = f"container {container['name']}"
                security = container.get("securityContext", {})
                if security.get("allowPrivilegeEscalation") is not False:
                    self.fail(obj, f"{where} allows privilege escalation")
                if security.get("readOnlyRootFilesystem") is not True:
                    self.fail(obj, f"{where} has a writable root filesystem")
                if security.get("capabilities", {}).get("drop") != ["ALL"]:
                    self.fail(obj, f"{where} keeps capabilities")
                resources = container.get("resources", {})
                for part in ("requests", "limits"):
                    if not {"cpu", "memory"} <= set(resources.get(part, {})):
                        self.fail(obj, f"{where} has no cpu and memory {part}")
            if obj["kind"] == "Deployment":
                self.check_probes_and_drain(obj, spec)

    def check_probes_and_drain(self, obj, spec):
        server = spec["containers"][0]
        if probed_health_service(server.get("readinessProbe", {})) != "":
            self.fail(obj, "readiness is not the default gRPC health service")
        for probe in ("livenessProbe", "startupProbe"):
            if probed_health_service(server.get(probe, {})) != "liveness":
                self.fail(obj, f"{probe} does not ask the 'liveness' health service")
        pre_stop = server.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
        sleep = int(pre_stop[1]) if len(pre_stop) == 2 and pre_stop[0].endswith("sleep") else 0
        if sleep == 0:
            self.fail(obj, "has no preStop pause before the drain")
        drain = duration_seconds(self.env_names(server).get("CRMSYNC_DRAIN_TIMEOUT") or "10s")
        grace = spec.get("terminationGracePeriodSeconds", 30)
        if drain is None or grace <= sleep + drain + 2:
            self.fail(obj, f"grace period {grace}s does not cover preStop {sleep}s + drain + 2s")

    def check_wiring(self):
        """What each service needs to do its job at all, not just to start."""
        env = {}
        for service in SERVICES:
            deployment = self.by_kind.get("Deployment", {}).get(f"crmsync-{service}")
            if deployment is not None:
                env[service] = (deployment, self.env_names(pod_spec(deployment)["containers"][0]))
        for service, variable, consequence in WIRING:
            if service not in env:
                continue
            deployment, values = env[service]
            host, _, port = (values.get(variable) or "").partition(":")
            target = self.by_kind.get("Service", {}).get(host)
            ports = {str(p["port"]) for p in (target or {}).get("spec", {}).get("ports", [])}
            if target is None or port not in ports:
                self.fail(deployment, f"{variable} is not a Service port: {consequence}")
        for service, (deployment, values) in env.items():
            container = pod_spec(deployment)["containers"][0]
            secrets = {
                e["name"]
                for e in container.get("env", [])
                if "secretKeyRef" in e.get("valueFrom", {})
            }
            if "CRMSYNC_CALLER_TOKEN" not in secrets:
                self.fail(
                    deployment, "has no caller token from a Secret: every call it makes is refused"
                )
            mounts = [m["mountPath"] for m in container.get("volumeMounts", [])]
            for name, path in values.items():
                if re.fullmatch(r"CRMSYNC_TLS_\w+_FILE", name) and not any(
                    (path or "").startswith(mount + "/") for mount in mounts
                ):
                    self.fail(deployment, f"{name}={path} is in no volume it mounts")
        if "auth" in env:
            deployment, auth = env["auth"]
            for variable in ("CRMSYNC_BOOTSTRAP_ADMIN_TOKEN", "CRMSYNC_SERVICE_TOKENS"):
                if variable not in auth:
                    self.fail(deployment, f"auth has no {variable}: no caller has a token")
            if not auth.get("CRMSYNC_ENCRYPTION_KEYS") and not auth.get(
                "CRMSYNC_ENCRYPTION_KEYS_FILE"
            ):
                self.fail(deployment, "auth has no encryption keys: it cannot store a grant")
        if "notify" in env:
            deployment, notify = env["notify"]
            if notify.get("CRMSYNC_MAIL_TRANSPORT") == "file" or not notify.get("CRMSYNC_SMTP_URL"):
                self.fail(
                    deployment, "notify has no SMTP relay: emails would go to a file in the pod"
                )

    def check_prod(self):
        hpa_targets = {
            h["spec"]["scaleTargetRef"]["name"]: h
            for h in self.by_kind.get("HorizontalPodAutoscaler", {}).values()
        }
        for service in SERVICES:
            name = f"crmsync-{service}"
            deployment = self.by_kind.get("Deployment", {}).get(name)
            if deployment is None:
                self.problems.append(f"{self.overlay}: no Deployment {name}")
                continue
            replicas = (
                hpa_targets[name]["spec"]["minReplicas"]
                if name in hpa_targets
                else deployment["spec"].get("replicas", 1)
            )
            if replicas < 2:
                self.fail(deployment, f"runs {replicas} replica(s); prod needs at least 2")
        for obj in self.objects:
            for container in (pod_spec(obj) or {}).get("containers", []):
                if "zoho-sim" in container["image"] or "mailhog" in container["image"]:
                    self.fail(obj, f"runs the dev-only {container['image']}")
                env = self.env_names(container)
                if env.get("CRMSYNC_ALLOW_LOOPBACK_HTTP") == "true":
                    self.fail(obj, "allows plain HTTP to the accounts server")


def probed_health_service(probe):
    """The health service a probe asks for ("" is the default): a gRPC probe's, or that of
    crmsync-health-probe run by an exec probe; None for any other probe."""
    if "grpc" in probe:
        return probe["grpc"].get("service", "")
    command = probe.get("exec", {}).get("command", [])
    if command and command[0].endswith("/crmsync-health-probe"):
        services = [arg.split("=", 1)[1] for arg in command if arg.startswith("--service=")]
        return services[-1] if services else ""
    return None


def pod_spec_labels(obj):
    return obj["spec"]["template"]["metadata"].get("labels", {})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True, type=pathlib.Path)
    parser.add_argument("--bin_dir", required=True, type=pathlib.Path)
    parser.add_argument("--validator", required=True)
    args = parser.parse_args()
    if shutil.which("kubectl") is None:
        raise SystemExit("kubectl (1.27 or newer, for its built-in kustomize) is not on PATH")

    problems = []
    with tempfile.TemporaryDirectory() as workdir:
        for overlay in ("dev", "prod"):
            rendered = build_overlay(args.root, overlay, workdir)
            path = pathlib.Path(workdir) / f"{overlay}.yaml"
            path.write_text(rendered)
            validation = subprocess.run(
                ["node", args.validator, str(path)], capture_output=True, text=True
            )
            print(validation.stdout.strip())
            if validation.returncode != 0:
                problems.append(f"{overlay}: schema validation failed\n{validation.stderr}")
            objects = [o for o in yaml.safe_load_all(rendered) if o]
            checker = Checker(overlay, objects, args.bin_dir)
            checker.check_references()
            checker.check_flags()
            checker.check_pods()
            checker.check_wiring()
            if overlay == "prod":
                checker.check_prod()
            problems += checker.problems
            print(f"{overlay}: {len(objects)} objects built and checked")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
