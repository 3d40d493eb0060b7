#!/usr/bin/env python3
"""Runs the built suite under a real Prometheus, scraped as the manifests say, and checks the
monitoring against what the services really export.

Starts auth, mapping, sync and notify with the environment the dev overlay gives them (its
ConfigMaps, Secrets and mounted key file, rendered by kubectl's kustomize), only the addresses
replaced: a fresh database of the pg_virtualenv cluster, the test SMTP sink as notify's relay,
tools/zoho-sim as Zoho's accounts server and Projects API, and the services' own addresses (each
must be set by the overlay). The overlay's migration Jobs run first, as they are
written. A value a binary refuses, or a Job that fails, fails the check. Each
service's scrape target carries the labels and annotations of its pod template in the dev overlay
as the Kubernetes discovery would, and Prometheus (Debian's)
applies deploy/prometheus/scrape.yml's relabelling to them and loads the recording and alert
rules. Traffic, called with the overlay's caller tokens (its admin token, and sync's service
token for what only services may call): one failure email through notify (and one refused request); a portal's grants
registered in auth and tokens minted from zoho-sim; mapping's directory imported and a client
mapped; through sync, a Projects task added to CRM and its creation delivered after one 429 from
CRM (zoho-sim's faults), a CRM edit APPLIED and delivered to Projects, whose webhook comes back to
sync's receiver, and a CRM due date past a strict project's schedule REJECTED and emailed through
notify (sync_traffic). Then every rule
expression and every dashboard query is evaluated; the check fails if one errors, names a metric
that no service exports (deploy/prometheus/awaiting-metrics.txt lists those awaited, and an
awaited one that is exported fails too, so the list shrinks), or returns nothing where the
traffic must have produced data. The health services the manifests' probes ask for must answer
SERVING.

Usage (under pg_virtualenv): check_e2e.py --root SRC --bin_dir BUILD/bin
"""

import argparse
import base64
import datetime
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import grpc
import yaml

SERVICES = ("auth", "mapping", "sync", "notify")
WAIT_SECONDS = 60
# Health services a probe in the manifests asks for that the binaries do not serve yet: accepted
# as NOT_FOUND, and a failure once served, so that this list empties.
AWAITING_HEALTH_SERVICES: set = set()
# Panels that stay empty with this traffic, and why.
EMPTY_OK = {
    "Server error ratio by method": "no server error happens",
    "Server error ratio (health checks left out)": "no server error happens",
    "Mints that were a grant's 8th or later in Zoho's 10-minute window": "one mint only",
}
# What sync's traffic must have produced, each awaited in Prometheus before the queries run.
SYNC_TRAFFIC_SERIES = (
    'crmsync_sync_zoho_calls_total{side="crm",result="429"}',
    'crmsync_sync_deliveries_total{target="crm",kind="create_task",result="done"}',
    'crmsync_sync_deliveries_total{target="projects",kind="update_task",result="done"}',
    'crmsync_sync_webhook_requests_total{side="projects",status="200"}',
    'crmsync_sync_changes_total{origin="crm",outcome="applied"}',
    'crmsync_sync_rule_rejections_total{reason="due_date_beyond_strict_schedule"}',
)
# Rule expressions that stay empty with this traffic: every alert (none may fire) and these.
EMPTY_OK_RECORDS = {
    "job:crmsync_grpc_server_errors:rate5m": "no server error happens",
    "job:crmsync_grpc_server_error_ratio:rate5m": "no server error happens",
}


class Failure(Exception):
    pass


def wait_for(what, condition):
    """Returns condition()'s first truthy value, polling for at most WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure(f"timed out waiting for {what}")
        time.sleep(0.2)


class Suite:
    """The processes of the run; stop() ends them all."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.processes = []

    def start(self, name, argv, env=None):
        log = open(self.workdir / f"{name}.log", "w+")
        process = subprocess.Popen(
            argv,
            stdout=subprocess.DEVNULL,
            stderr=log,
            env={**os.environ, **(env or {})},
            cwd=self.workdir,
        )
        self.processes.append((name, process, log))
        return process, log

    def listening(self, name, process, log):
        """The JSON "listening" line the process writes on start."""

        def line():
            if process.poll() is not None:
                raise Failure(f"{name} exited with {process.returncode}: {self.log_text(name)}")
            log.seek(0)
            for text in log.read().splitlines():
                if '"listening"' in text:
                    return json.loads(text)
            return None

        return wait_for(f"{name} to listen", line)

    def log_text(self, name):
        return (self.workdir / f"{name}.log").read_text()[-2000:]

    def stop(self):
        for _, process, _ in self.processes:
            process.terminate()
        for name, process, log in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_json(url, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def compile_protos(root, out):
    protos = [str(p.relative_to(root / "protos")) for p in (root / "protos").rglob("*.proto")]
    subprocess.run(
        ["protoc", f"-I{root / 'protos'}", "-I/usr/include", f"--python_out={out}", *protos],
        check=True,
    )
    sys.path.insert(0, str(out))


def rendered_dev_overlay(root, workdir):
    """The objects of the dev overlay as kubectl's kustomize renders them."""
    k8s = workdir / "k8s"
    shutil.copytree(root / "deploy/k8s", k8s)
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(k8s / "overlays/dev")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [obj for obj in yaml.safe_load_all(rendered) if obj]


def pod_templates(objects):
    """(namespace, pod template) of each crmsync Deployment, by service."""
    templates = {}
    for obj in objects:
        if obj["kind"] == "Deployment" and obj["metadata"]["name"].startswith("crmsync-"):
            service = obj["metadata"]["name"].removeprefix("crmsync-")
            templates[service] = (obj["metadata"].get("namespace"), obj["spec"]["template"])
    return templates


def container_environment(objects, template, files_dir):
    """The environment the kubelet would give the template's first container: its ConfigMaps,
    Secrets and values (with the $(NAME) references to variables before them expanded), with
    Secret volumes written under files_dir and paths into them moved there."""
    by_name = {(o["kind"], o["metadata"]["name"]): o for o in objects}

    def data(kind, name):
        obj = by_name[(kind, name)]
        values = obj.get("data") or {}
        if kind == "Secret":
            return {k: base64.b64decode(v).decode() for k, v in values.items()}
        return dict(values)

    container = template["spec"]["containers"][0]
    env = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(data("ConfigMap", source["configMapRef"]["name"]))
        if "secretRef" in source:
            env.update(data("Secret", source["secretRef"]["name"]))
    for item in container.get("env", []):
        ref = item.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            env[item["name"]] = data("Secret", ref["name"])[ref["key"]]
        else:
            env[item["name"]] = re.sub(
                r"\$\((\w+)\)", lambda m: env.get(m.group(1), m.group(0)), item["value"]
            )
    volumes = {v["name"]: v for v in template["spec"].get("volumes", [])}
    for mount in container.get("volumeMounts", []):
        secret = volumes[mount["name"]]["secret"]
        folder = files_dir / mount["mountPath"].lstrip("/")
        folder.mkdir(parents=True, exist_ok=True)
        values = data("Secret", secret["secretName"])
        for item in secret["items"]:
            (folder / item["path"]).write_text(values[item["key"]])
        for name, value in env.items():
            if value.startswith(mount["mountPath"] + "/"):
                env[name] = str(files_dir) + value
    return env


def probed_health_services(template):
    """Health service names the gRPC probes of a pod template ask for ("" is the default)."""
    names = set()
    for container in template["spec"]["containers"]:
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            grpc_probe = container.get(probe, {}).get("grpc")
            if grpc_probe is not None:
                names.add(grpc_probe.get("service", ""))
    return names


def meta_labels(service, namespace, template, metrics_port):
    """The __meta_kubernetes_* labels Prometheus' pod discovery gives this pod's target."""

    def sanitize(name):
        return re.sub(r"[^a-zA-Z0-9_]", "_", name)

    labels = {
        "__meta_kubernetes_namespace": namespace,
        "__meta_kubernetes_pod_name": f"crmsync-{service}-0",
    }
    for key, value in template["metadata"].get("labels", {}).items():
        labels[f"__meta_kubernetes_pod_label_{sanitize(key)}"] = value
    for key, value in template["metadata"].get("annotations", {}).items():
        labels[f"__meta_kubernetes_pod_annotation_{sanitize(key)}"] = value
    # One host runs every service: each listens on its own metrics port, not the pod's 9090.
    labels["__meta_kubernetes_pod_annotation_prometheus_io_port"] = str(metrics_port)
    return labels


def prometheus_config(root, workdir, targets):
    """prometheus.yml from deploy/prometheus/scrape.yml, discovery swapped for a file."""
    (workdir / "targets.json").write_text(json.dumps(targets))
    config = yaml.safe_load((root / "deploy/prometheus/scrape.yml").read_text())
    config["global"] = {"scrape_interval": "1s", "evaluation_interval": "1s"}
    for job in config["scrape_configs"]:
        job.pop("kubernetes_sd_configs")
        job["file_sd_configs"] = [{"files": [str(workdir / "targets.json")]}]
        job["scrape_interval"], job["scrape_timeout"] = "1s", "1s"
    rule_files = []
    for name in config["rule_files"]:
        rules = yaml.safe_load((root / "deploy/prometheus" / name).read_text())
        for group in rules["groups"]:
            group["interval"] = "1s"
        (workdir / name).write_text(yaml.safe_dump(rules))
        rule_files.append(str(workdir / name))
    config["rule_files"] = rule_files
    path = workdir / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def seconds_since_epoch(rfc3339):
    """Prometheus' RFC 3339 times (nanoseconds, Z) as seconds since the epoch."""
    match = re.fullmatch(r"(.{19})(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", rfc3339)
    stamp = datetime.datetime.fromisoformat(match.group(1) + match.group(3).replace("Z", "+00:00"))
    return stamp.timestamp() + float("0." + (match.group(2) or "0"))


def metric_names(expr):
    """Metric names a PromQL expression reads (recording-rule names included)."""
    without_strings = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    without_labels = re.sub(r"\{[^}]*\}", "", without_strings)
    names = re.findall(r"\b(?:crmsync_\w+|process_\w+|up|[a-z_]+:[a-z0-9_]+:\w+)\b", without_labels)
    return set(names)


def dashboard_queries(root):
    for path in sorted((root / "deploy/grafana").glob("*.json")):
        board = json.loads(path.read_text())
        for panel in board["panels"]:
            for target in panel.get("targets", []):
                expr = (
                    target["expr"]
                    .replace("$__rate_interval", "1m")
                    .replace("$job", ".*")
                    .replace("$instance", ".*")
                )
                yield f"{path.name}: {panel['title']}", panel["title"], expr


def rule_expressions(root):
    for name in ("recording.yml", "alerts.yml"):
        for group in yaml.safe_load((root / "deploy/prometheus" / name).read_text())["groups"]:
            for rule in group["rules"]:
                yield rule.get("record") or rule["alert"], "record" in rule, rule["expr"]


# The scopes the portal's grants hold: what mapping's import, AddTaskToCrm, the rules' reads, the
# inbox's reads, reconciliation's notes poll and delivery's writes ask auth for.
CRM_SCOPES = [
    "ZohoCRM.modules.tasks.ALL",
    "ZohoCRM.modules.notes.ALL",
    "ZohoCRM.modules.notes.READ",
    "ZohoCRM.modules.tasks.READ",
    "ZohoCRM.modules.accounts.READ",
    "ZohoCRM.modules.deals.READ",
    "ZohoCRM.users.READ",
]
PROJECTS_SCOPES = [
    "ZohoProjects.tasks.ALL",
    "ZohoProjects.tasks.READ",
    "ZohoProjects.projects.READ",
    "ZohoProjects.clients.READ",
    "ZohoProjects.users.READ",
]
ADMIN = "admin@acme.example"
GEORGE = "george@example.com"


def sync_traffic(call, sim_url, webhook_base, sink_dir):
    """Drives sync as a portal's admin and people would, through the binaries and zoho-sim: a
    Projects task added to CRM (its create delivered after one 429 from CRM), the portal's Projects
    webhooks pointed at sync, a CRM edit APPLIED and delivered to Projects (whose webhook comes
    back to sync), and a CRM due date past the strict project's schedule REJECTED and emailed.
    Returns the portal id."""
    from crmsync.auth.v1 import auth_pb2
    from crmsync.common.v1 import common_pb2
    from crmsync.mapping.v1 import mapping_pb2
    from crmsync.sync.v1 import sync_pb2, webhooks_pb2

    def sim(path, body):
        return http_json(f"{sim_url}{path}", body)

    def sim_delete(path):
        request = urllib.request.Request(f"{sim_url}{path}", method="DELETE")
        urllib.request.urlopen(request, timeout=10).close()

    sim("/_sim/oauth/clients", {"client_id": "c1", "client_secret": "s1"})
    sim("/_sim/crm/users", {"email": ADMIN, "full_name": "Admin"})
    refresh = sim("/_sim/oauth/grants", {"client_id": "c1", "user_email": ADMIN})["refresh_token"]
    portal = sim("/_sim/projects/portals", {"name": "acme"})["id_string"]
    projects = f"/_sim/projects/portals/{portal}"
    sim(f"{projects}/users", {"name": "Admin", "email": ADMIN})
    for side, scopes in (
        (common_pb2.SIDE_CRM, CRM_SCOPES),
        (common_pb2.SIDE_PROJECTS, PROJECTS_SCOPES),
    ):
        call(
            "auth",
            "/crmsync.auth.v1.AuthService/RegisterGrant",
            auth_pb2.RegisterGrantRequest(
                portal_id=portal,
                side=side,
                accounts_server_url=sim_url,
                api_domain=sim_url,
                client_id="c1",
                client_secret="s1",
                refresh_token=refresh,
                scopes=scopes,
                owner_email=ADMIN,
            ),
            auth_pb2.RegisterGrantResponse,
        )
    upsert = mapping_pb2.UpsertPortalRequest()
    upsert.portal.portal_id, upsert.portal.name, upsert.portal.crm_org_id = portal, "Acme", "20050"
    call(
        "mapping",
        "/crmsync.mapping.v1.MappingService/UpsertPortal",
        upsert,
        mapping_pb2.UpsertPortalResponse,
    )

    # A strict project of a client mapped to a CRM account, and its task.
    client = sim(f"{projects}/clients", {"name": "Acme Corp"})["id_string"]
    project = sim(
        f"{projects}/projects",
        {
            "name": "Data Migration",
            "client_id": client,
            "strict": True,
            "start_date": "06-01-2025",
            "end_date": "06-30-2025",
        },
    )["id_string"]
    task = sim(
        f"{projects}/projects/{project}/tasks",
        {
            "fields": {"name": "Migrate data", "end_date": "06-20-2025", "priority": "high"},
            "user_email": ADMIN,
        },
    )["tasks"][0]["id_string"]
    account = str(sim("/_sim/crm/Accounts", {"Account_Name": "ACME Corp"})["id"])
    call(
        "mapping",
        "/crmsync.mapping.v1.MappingService/ImportDirectory",
        mapping_pb2.ImportDirectoryRequest(portal_id=portal),
        mapping_pb2.ImportDirectoryResponse,
        timeout=120,
    )
    call(
        "mapping",
        "/crmsync.mapping.v1.MappingService/MapAccount",
        mapping_pb2.MapAccountRequest(
            portal_id=portal, client_account_id=client, crm_account_id=account
        ),
        mapping_pb2.MapAccountResponse,
    )

    # Add to CRM while CRM's task endpoints answer 429: the create is retried once they stop.
    sim("/_sim/faults", {"error_429_share": 1.0, "path_prefix": "/crm/v2/Tasks"})
    call(
        "sync",
        "/crmsync.sync.v1.SyncService/AddTaskToCrm",
        sync_pb2.AddTaskToCrmRequest(
            portal_id=portal,
            project_id=project,
            projects_task_id=task,
            crm_account_id=account,
            actor=sync_pb2.Actor(email=ADMIN),
        ),
        sync_pb2.AddTaskToCrmResponse,
        timeout=60,
    )

    def throttled():
        requests = http_json(f"{sim_url}/_sim/requests")["requests"]
        return any(r["status"] == 429 and r["path"].startswith("/crm/v2/Tasks") for r in requests)

    wait_for("a delivery to CRM to get 429", throttled)
    sim_delete("/_sim/faults")

    def link():
        state = call(
            "sync",
            "/crmsync.sync.v1.SyncService/GetTaskSyncState",
            sync_pb2.GetTaskSyncStateRequest(
                portal_id=portal,
                task=sync_pb2.TaskRef(side=common_pb2.SIDE_PROJECTS, task_id=task),
            ),
            sync_pb2.GetTaskSyncStateResponse,
        ).state.link
        return state.crm_task_id if state.state == sync_pb2.LINK_STATE_ACTIVE else None

    crm_task = wait_for("the CRM task to be created and linked", link)

    secret = call(
        "sync",
        "/crmsync.sync.v1.SyncWebhookService/IssueWebhookSecret",
        webhooks_pb2.IssueWebhookSecretRequest(portal_id=portal, side=common_pb2.SIDE_PROJECTS),
        webhooks_pb2.IssueWebhookSecretResponse,
    ).secret
    sim(
        f"{projects}/webhook",
        {
            "url": f"{webhook_base}/webhooks/projects",
            "secret_param": "crmsync_secret",
            "secret": secret,
        },
    )

    def submit(event_id, fields):
        change = sync_pb2.TaskChange(
            portal_id=portal,
            origin_side=common_pb2.SIDE_CRM,
            event_id=event_id,
            task_id=crm_task,
            fields=fields,
            actor=sync_pb2.Actor(user_id="4000000000007", email=GEORGE),
        )
        change.source_modified_time.GetCurrentTime()
        return call(
            "sync",
            "/crmsync.sync.v1.SyncService/SubmitChange",
            sync_pb2.SubmitChangeRequest(change=change),
            sync_pb2.SubmitChangeResponse,
            timeout=60,
        ).outcome

    outcome = submit("e2e-title", sync_pb2.TaskFields(title="Migrate all data"))
    if outcome.result != sync_pb2.OUTCOME_APPLIED:
        raise Failure(f"a new title from CRM was not applied: {outcome}")
    wait_for(
        "the title to reach Projects",
        lambda: http_json(f"{sim_url}{projects}/tasks/{task}")["name"] == "Migrate all data",
    )
    late = sync_pb2.TaskFields(end_date=common_pb2.Date(year=2025, month=7, day=15))
    outcome = submit("e2e-late", late)
    if outcome.reason != sync_pb2.FAILURE_REASON_DUE_DATE_BEYOND_STRICT_SCHEDULE:
        raise Failure(f"a due date past the strict schedule was not rejected: {outcome}")
    wait_for(
        "the rejection's email to reach the SMTP sink",
        lambda: any(GEORGE.encode() in mail.read_bytes() for mail in sink_dir.glob("*.eml")),
    )
    return portal


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True, type=pathlib.Path)
    parser.add_argument("--bin_dir", required=True, type=pathlib.Path)
    args = parser.parse_args()
    root, bin_dir = args.root.resolve(), args.bin_dir.resolve()
    if "PGHOST" not in os.environ:
        raise SystemExit("PGHOST is not set: run under pg_virtualenv (./scripts/test does)")

    with tempfile.TemporaryDirectory() as tmp:
        workdir = pathlib.Path(tmp)
        suite = Suite(workdir)
        database = f"crmsync_deploy_e2e_{os.getpid()}"
        subprocess.run(["createdb", database], check=True)
        problems = []
        try:
            run(root, bin_dir, workdir, suite, database, problems)
        except Failure as failure:
            problems.append(str(failure))
        finally:
            suite.stop()
            subprocess.run(["dropdb", "--force", "--if-exists", database], check=False)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problems")
    return 1 if problems else 0


def run(root, bin_dir, workdir, suite, database, problems):
    """Appends to problems what is wrong; raises Failure when it cannot go on."""
    compile_protos(root, workdir)
    from crmsync.auth.v1 import auth_pb2
    from crmsync.common.v1 import common_pb2
    from crmsync.notify.v1 import notify_pb2

    objects = rendered_dev_overlay(root, workdir)
    templates = pod_templates(objects)

    sink_dir = workdir / "mail"
    sink_dir.mkdir()
    sink = suite.start(
        "smtp-sink",
        [
            "/usr/bin/python3",
            str(root / "tests/services/notify/smtp_sink.py"),
            "--dir",
            str(sink_dir),
        ],
    )
    smtp_port = suite.listening("smtp-sink", *sink)["port"]
    sim = suite.start("zoho-sim", [str(bin_dir / "zoho-sim"), "--port=0"])
    sim_url = f"http://127.0.0.1:{suite.listening('zoho-sim', *sim)['port']}"

    # The migration Jobs first, as the overlay runs them: their arguments and environment.
    for job in (o for o in objects if o["kind"] == "Job"):
        template = job["spec"]["template"]
        container = template["spec"]["containers"][0]
        binary = container["image"].split(":")[0]
        env = container_environment(objects, template, workdir / "files")
        env["CRMSYNC_DATABASE_URL"] = f"dbname={database}"
        migrated = subprocess.run(
            [str(bin_dir / binary), *container.get("args", [])],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=WAIT_SECONDS * 2,
        )
        if migrated.returncode != 0:
            problems.append(f"Job {job['metadata']['name']} failed: {migrated.stderr[-1000:]}")

    # Each service starts with the dev overlay's configuration; only the addresses of what runs
    # elsewhere in a cluster point at this run's database, SMTP sink and notify.
    ports = {}
    environments = {}

    def start_service(service, addresses, grpc_port=0):
        env = container_environment(objects, templates[service][1], workdir / "files")
        # Only what the overlay sets is moved here: an address it leaves out stays out.
        for name in sorted(set(addresses) - set(env)):
            problems.append(f"the dev overlay does not give {service} {name}")
        env.update({"CRMSYNC_DATABASE_URL": f"dbname={database}", **addresses})
        environments[service] = env
        process = suite.start(
            service,
            [str(bin_dir / f"crmsync-{service}"), f"--grpc_port={grpc_port}", "--metrics_port=0"],
            env=env,
        )
        line = suite.listening(service, *process)
        ports[service] = (line["grpc_port"], line["metrics_port"])

    # auth and notify call each other (failures to report; callers to verify): notify's port is
    # chosen before auth starts.
    notify_port = free_port()
    start_service("auth", {"CRMSYNC_NOTIFY_ADDRESS": f"127.0.0.1:{notify_port}"})
    auth_address = f"127.0.0.1:{ports['auth'][0]}"
    start_service(
        "notify",
        {"CRMSYNC_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}", "CRMSYNC_AUTH_ADDRESS": auth_address},
        grpc_port=notify_port,
    )
    start_service(
        "mapping", {"CRMSYNC_AUTH_ADDRESS": auth_address, "CRMSYNC_PROJECTS_API_URL": sim_url}
    )
    webhook_port = free_port()
    start_service(
        "sync",
        {
            "CRMSYNC_MAPPING_ADDRESS": f"127.0.0.1:{ports['mapping'][0]}",
            "CRMSYNC_AUTH_ADDRESS": auth_address,
            "CRMSYNC_NOTIFY_ADDRESS": f"127.0.0.1:{ports['notify'][0]}",
            "CRMSYNC_PROJECTS_API_URL": sim_url,
            "CRMSYNC_WEBHOOK_PORT": str(webhook_port),
        },
    )

    for service, (grpc_port, _) in ports.items():
        # The default health service first, waiting for the schema; the others are then answered
        # at once, and a name the binary does not serve answers NOT_FOUND at once.
        for health_service in sorted(probed_health_services(templates[service][1])):
            answer = subprocess.run(
                [
                    str(bin_dir / "crmsync-health-probe"),
                    f"--address=127.0.0.1:{grpc_port}",
                    f"--service={health_service}",
                    f"--wait={WAIT_SECONDS if health_service == '' else 0}s",
                ],
                capture_output=True,
                text=True,
            )
            served = answer.returncode == 0
            if health_service in AWAITING_HEALTH_SERVICES:
                if served:
                    problems.append(
                        f"{service} serves health service '{health_service}': "
                        "remove it from AWAITING_HEALTH_SERVICES"
                    )
            elif not served:
                problems.append(
                    f"{service}: health service '{health_service}' probed by the manifests "
                    f"is not SERVING: {answer.stdout}{answer.stderr}"
                )

    targets = [
        {
            "targets": ["127.0.0.1"],
            "labels": meta_labels(service, *templates[service], ports[service][1]),
        }
        for service in SERVICES
    ]
    prometheus_port = free_port()
    prometheus_url = f"http://127.0.0.1:{prometheus_port}"
    prometheus, _ = suite.start(
        "prometheus",
        [
            "prometheus",
            f"--config.file={prometheus_config(root, workdir, targets)}",
            f"--storage.tsdb.path={workdir / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{prometheus_port}",
        ],
    )

    def query(expr):
        url = f"{prometheus_url}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        try:
            return http_json(url)
        except urllib.error.HTTPError as error:
            return json.loads(error.read())
        except OSError:
            if prometheus.poll() is not None:
                raise Failure(f"prometheus exited: {suite.log_text('prometheus')}")
            return None

    # Traffic.
    def channel(service):
        return grpc.insecure_channel(f"127.0.0.1:{ports[service][0]}")

    # The dev overlay's caller tokens: sync's own (role SERVICE) for what only services may call,
    # the bootstrap admin token for the rest.
    admin_token = environments["auth"]["CRMSYNC_BOOTSTRAP_ADMIN_TOKEN"]
    service_token = environments["sync"]["CRMSYNC_CALLER_TOKEN"]
    service_only = {
        "/crmsync.auth.v1.AuthService/GetAccessToken",
        "/crmsync.notify.v1.NotifyService/NotifyFailure",
    }

    def call(service, method, request, response_type, timeout=20):
        token = service_token if method in service_only else admin_token
        return channel(service).unary_unary(
            method,
            request_serializer=type(request).SerializeToString,
            response_deserializer=response_type.FromString,
        )(request, timeout=timeout, metadata=[("authorization", f"Bearer {token}")])

    occur = notify_pb2.FailureParameters(
        side=common_pb2.SIDE_CRM, task_id="t1", task_title="Call back", reason="outside schedule"
    )
    occur.occur_time.GetCurrentTime()
    notify_failure = "/crmsync.notify.v1.NotifyService/NotifyFailure"
    call(
        "notify",
        notify_failure,
        notify_pb2.NotifyFailureRequest(
            failure_id="e2e-1",
            portal_id="p1",
            recipient=notify_pb2.Recipient(email="ann@example.com", display_name="Ann"),
            kind=notify_pb2.NOTIFICATION_KIND_DUE_DATE_BEYOND_STRICT_SCHEDULE,
            parameters=occur,
        ),
        notify_pb2.NotifyFailureResponse,
    )
    try:
        call(
            "notify",
            notify_failure,
            notify_pb2.NotifyFailureRequest(),
            notify_pb2.NotifyFailureResponse,
        )
        raise Failure("notify accepted an empty NotifyFailure")
    except grpc.RpcError as error:
        if error.code() != grpc.StatusCode.INVALID_ARGUMENT:
            raise Failure(f"an empty NotifyFailure got {error.code()}")
    wait_for("the email to reach the SMTP sink", lambda: list(sink_dir.glob("*.eml")))

    portal = sync_traffic(call, sim_url, f"http://127.0.0.1:{webhook_port}", sink_dir)
    for _ in range(5):
        call(
            "auth",
            "/crmsync.auth.v1.AuthService/GetAccessToken",
            auth_pb2.GetAccessTokenRequest(
                portal_id=portal, side=common_pb2.SIDE_CRM, scopes=CRM_SCOPES[:1]
            ),
            auth_pb2.GetAccessTokenResponse,
        )

    # Every target scraped after the traffic, and the rules evaluated on it.
    def scraped():
        result = query('count(crmsync_notify_send_attempts_total{result="sent"} > 0)')
        up = query('count(up{job=~"crmsync-.*"} == 1)')
        record = query("count(job:crmsync_grpc_server_calls:rate5m)")
        values = [r and r.get("data", {}).get("result") for r in (result, up, record)]
        return all(values) and values[1][0]["value"][1] == "4" and values[2][0]["value"][1] == "4"

    try:
        wait_for("Prometheus to scrape the traffic and record its rules", scraped)
    except Failure:
        if prometheus.poll() is not None:
            raise
        targets = http_json(f"{prometheus_url}/api/v1/targets")["data"]["activeTargets"]
        seen = [(t["labels"].get("job"), t["health"], t["lastError"]) for t in targets]
        raise Failure(f"Prometheus did not see the four crmsync jobs up with calls: {seen}")
    for series in SYNC_TRAFFIC_SERIES:
        wait_for(
            f"Prometheus to scrape {series}",
            lambda: (query(f"{series} > 0") or {}).get("data", {}).get("result"),
        )
    scraped_at = time.time()

    def evaluated_since_scraped():
        groups = http_json(f"{prometheus_url}/api/v1/rules")["data"]["groups"]
        return all(seconds_since_epoch(g["lastEvaluation"]) > scraped_at for g in groups)

    wait_for("every rule group to be evaluated on the scraped traffic", evaluated_since_scraped)

    exported = set(http_json(f"{prometheus_url}/api/v1/label/__name__/values")["data"])
    recorded = {name for name, is_record, _ in rule_expressions(root) if is_record}
    awaiting = {
        line.strip()
        for line in (root / "deploy/prometheus/awaiting-metrics.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for name in sorted(awaiting & exported):
        problems.append(f"{name} is exported now: remove it from awaiting-metrics.txt")
    jobs = http_json(f"{prometheus_url}/api/v1/label/job/values")["data"]
    if sorted(jobs) != [f"crmsync-{s}" for s in sorted(SERVICES)]:
        problems.append(f"the scrape config gives the jobs {jobs}")

    def check(where, expr, data_expected):
        names = metric_names(expr)
        unknown = names - exported - recorded - awaiting
        if unknown:
            problems.append(f"{where}: no service exports {sorted(unknown)}")
        answer = query(expr)
        if answer is None or answer.get("status") != "success":
            problems.append(f"{where}: {answer and answer.get('error')}")
            return
        if data_expected and not (names & awaiting) and not answer["data"]["result"]:
            problems.append(f"{where}: returned nothing though the traffic must have produced data")

    for name, is_record, expr in rule_expressions(root):
        check(f"rule {name}", expr, is_record and name not in EMPTY_OK_RECORDS)
    for where, title, expr in dashboard_queries(root):
        check(where, expr, title not in EMPTY_OK)


if __name__ == "__main__":
    sys.exit(main())
