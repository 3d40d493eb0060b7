#!/usr/bin/env python3
"""Writes crmsync's Grafana dashboards (deploy/grafana/*.json) from the panel lists below.

Edit this file, not the JSON, then run `deploy/grafana/generate.py`; the deploy checks fail while
the committed JSON differs from what this prints. Every query selects job="crmsync-<service>",
the label both the plain scrape config and the ServiceMonitor set, and leaves out gRPC health
checks and reflection.
"""

import json
import pathlib
import sys

RUNBOOK = "https://crmsync.example.invalid/deploy/RUNBOOK.md"
NOT_HEALTH = 'grpc_method!~"/grpc\\\\.(health|reflection)\\\\..*"'
SERVICES = ("auth", "mapping", "sync", "notify")


def panel(
    title,
    exprs,
    unit="short",
    kind="timeseries",
    runbook=None,
    description=None,
    width=12,
    stack=False,
):
    """One panel; exprs is a list of (query, legend)."""
    p = {
        "type": kind,
        "title": title,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": [
            {"expr": e, "legendFormat": legend, "refId": chr(ord("A") + i)}
            for i, (e, legend) in enumerate(exprs)
        ],
        "gridPos": {"w": width, "h": 8},
    }
    if kind == "timeseries" and stack:
        p["fieldConfig"]["defaults"]["custom"] = {"stacking": {"mode": "normal"}, "fillOpacity": 30}
    if description:
        p["description"] = description
    if runbook:
        p["links"] = [
            {
                "title": "Runbook: " + runbook,
                "url": RUNBOOK + "#" + runbook.lower(),
                "targetBlank": True,
            }
        ]
    return p


def row(title):
    return {
        "type": "row",
        "title": title,
        "collapsed": False,
        "panels": [],
        "gridPos": {"w": 24, "h": 1},
    }


def layout(panels):
    """Places panels left to right, wrapping at 24 columns, and numbers them."""
    x = y = row_height = 0
    for number, p in enumerate(panels, start=1):
        w, h = p["gridPos"]["w"], p["gridPos"]["h"]
        if p["type"] == "row" or x + w > 24:
            y, x, row_height = y + row_height, 0, 0
        p["gridPos"].update({"x": x, "y": y})
        p["id"] = number
        x += w
        row_height = max(row_height, h)
        if p["type"] == "row":
            y, x, row_height = y + h, 0, 0
    return panels


def variables(job_regex):
    return {
        "list": [
            {
                "name": "datasource",
                "label": "Data source",
                "type": "datasource",
                "query": "prometheus",
            },
            {
                "name": "job",
                "label": "Service",
                "type": "query",
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "query": {"query": 'label_values(up{job=~"%s"}, job)' % job_regex, "refId": "job"},
                "definition": 'label_values(up{job=~"%s"}, job)' % job_regex,
                "refresh": 2,
                "multi": True,
                "includeAll": True,
                "current": {},
            },
            {
                "name": "instance",
                "label": "Instance",
                "type": "query",
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "query": {"query": 'label_values(up{job=~"$job"}, instance)', "refId": "instance"},
                "definition": 'label_values(up{job=~"$job"}, instance)',
                "refresh": 2,
                "multi": True,
                "includeAll": True,
                "current": {},
            },
        ]
    }


def dashboard(uid, title, job_regex, panels):
    return {
        "uid": uid,
        "title": title,
        "tags": ["crmsync"],
        "schemaVersion": 38,
        "editable": True,
        "time": {"from": "now-6h", "to": "now"},
        "refresh": "30s",
        "templating": variables(job_regex),
        "links": [
            {
                "title": "crmsync dashboards",
                "type": "dashboards",
                "tags": ["crmsync"],
                "asDropdown": True,
            },
            {"title": "Runbook", "type": "link", "url": RUNBOOK, "targetBlank": True},
        ],
        "panels": layout(panels),
    }


SEL = 'job=~"$job",instance=~"$instance"'


def grpc_panels(job):
    """RED per method (health checks left out), then the process's resources."""
    sel = 'job="%s",instance=~"$instance",%s' % (job, NOT_HEALTH)
    return [
        row("gRPC calls (health checks left out)"),
        panel(
            "Calls per second by method and code",
            [
                (
                    "sum by (grpc_method, grpc_code) (rate(crmsync_grpc_server_handled_total{%s}[$__rate_interval]))"
                    % sel,
                    "{{grpc_method}} {{grpc_code}}",
                )
            ],
            unit="reqps",
        ),
        panel(
            "Server error ratio by method",
            [
                (
                    'sum by (grpc_method) (rate(crmsync_grpc_server_handled_total{%s,grpc_code=~"UNKNOWN|INTERNAL|UNAVAILABLE|DATA_LOSS|DEADLINE_EXCEEDED"}[$__rate_interval]))'
                    " / sum by (grpc_method) (rate(crmsync_grpc_server_handled_total{%s}[$__rate_interval]))"
                    % (sel, sel),
                    "{{grpc_method}}",
                )
            ],
            unit="percentunit",
            runbook="CrmsyncGrpcErrors",
        ),
        panel(
            "Latency p50 and p99 by method",
            [
                (
                    "histogram_quantile(0.5, sum by (grpc_method, le) (rate(crmsync_grpc_server_handling_seconds_bucket{%s}[$__rate_interval])))"
                    % sel,
                    "p50 {{grpc_method}}",
                ),
                (
                    "histogram_quantile(0.99, sum by (grpc_method, le) (rate(crmsync_grpc_server_handling_seconds_bucket{%s}[$__rate_interval])))"
                    % sel,
                    "p99 {{grpc_method}}",
                ),
            ],
            unit="s",
            runbook="CrmsyncGrpcSlow",
        ),
        panel(
            "Calls in flight",
            [
                (
                    'sum by (instance) (crmsync_grpc_server_in_flight{job="%s",instance=~"$instance"})'
                    % job,
                    "{{instance}}",
                )
            ],
        ),
        row("Process"),
        panel(
            "Resident memory",
            [
                (
                    'process_resident_memory_bytes{job="%s",instance=~"$instance"}' % job,
                    "{{instance}}",
                )
            ],
            unit="bytes",
            width=8,
            runbook="CrmsyncMemoryNearLimit",
        ),
        panel(
            "CPU",
            [
                (
                    'rate(process_cpu_seconds_total{job="%s",instance=~"$instance"}[$__rate_interval])'
                    % job,
                    "{{instance}}",
                )
            ],
            unit="percentunit",
            width=8,
        ),
        panel(
            "Open file descriptors",
            [('process_open_fds{job="%s",instance=~"$instance"}' % job, "{{instance}}")],
            width=8,
        ),
        panel(
            "Targets up",
            [('up{job="%s",instance=~"$instance"}' % job, "{{instance}}")],
            kind="stat",
            width=8,
            runbook="CrmsyncServiceDown",
        ),
        panel(
            "Uptime",
            [
                (
                    'time() - process_start_time_seconds{job="%s",instance=~"$instance"}' % job,
                    "{{instance}}",
                )
            ],
            unit="s",
            kind="stat",
            width=8,
        ),
        panel(
            "Version",
            [
                (
                    'count by (version) (crmsync_build_info{job="%s",instance=~"$instance"})' % job,
                    "{{version}}",
                )
            ],
            kind="stat",
            width=8,
        ),
    ]


def queue_panels(queue, job, title):
    sel = 'job="%s",instance=~"$instance",queue="%s"' % (job, queue)
    return [
        panel(
            title + ": item duration p99",
            [
                (
                    "histogram_quantile(0.99, sum by (le) (rate(crmsync_work_queue_item_seconds_bucket{%s}[$__rate_interval])))"
                    % sel,
                    "p99",
                )
            ],
            unit="s",
            width=24,
        ),
        panel(
            title + ": items by state",
            [("max by (state) (crmsync_work_queue_items{%s})" % sel, "{{state}}")],
            width=8,
        ),
        panel(
            title + ": oldest pending",
            [("max(crmsync_work_queue_oldest_pending_age_seconds{%s})" % sel, "oldest")],
            unit="s",
            width=8,
            runbook="CrmsyncNotifyEmailsDelayed"
            if queue == "notify_email"
            else "CrmsyncWorkQueueStuck",
        ),
        panel(
            title + ": completions by result",
            [
                (
                    "sum by (result) (rate(crmsync_work_queue_completions_total{%s}[$__rate_interval]))"
                    % sel,
                    "{{result}}",
                )
            ],
            unit="ops",
            width=8,
            stack=True,
            runbook="CrmsyncNotifyEmailsDead"
            if queue == "notify_email"
            else "CrmsyncWorkQueueDead",
        ),
    ]


AUTH_SEL = 'job="crmsync-auth",instance=~"$instance"'
auth_domain = [
    row("Tokens"),
    panel(
        "GetAccessToken by result",
        [
            (
                "sum by (result) (rate(crmsync_auth_token_requests_total{%s}[$__rate_interval]))"
                % AUTH_SEL,
                "{{result}}",
            )
        ],
        unit="reqps",
        width=8,
        stack=True,
    ),
    panel(
        "Tokens served by tier",
        [
            (
                "sum by (tier) (rate(crmsync_auth_token_cache_hits_total{%s}[$__rate_interval]))"
                % AUTH_SEL,
                "{{tier}}",
            )
        ],
        unit="reqps",
        width=8,
        stack=True,
    ),
    panel(
        "Refreshes by result",
        [
            (
                "sum by (result) (rate(crmsync_auth_refreshes_total{%s}[$__rate_interval]))"
                % AUTH_SEL,
                "{{result}}",
            )
        ],
        unit="ops",
        width=8,
        stack=True,
        runbook="CrmsyncAuthRefreshFailures",
    ),
    panel(
        "Broken grants",
        [("max(crmsync_auth_broken_grants{%s})" % AUTH_SEL, "broken")],
        kind="stat",
        width=8,
        runbook="CrmsyncAuthBrokenGrants",
    ),
    panel(
        "Mints that were a grant's 8th or later in Zoho's 10-minute window",
        [
            (
                'sum(increase(crmsync_auth_mints_in_window_bucket{%s,le="+Inf"}[10m]))'
                ' - sum(increase(crmsync_auth_mints_in_window_bucket{%s,le="7"}[10m]))'
                % (AUTH_SEL, AUTH_SEL),
                "near limit",
            )
        ],
        width=8,
        runbook="CrmsyncAuthMintBudgetNearLimit",
    ),
    panel(
        "Mint duration p50 and p99",
        [
            (
                "histogram_quantile(0.5, sum by (le) (rate(crmsync_auth_refresh_duration_seconds_bucket{%s}[$__rate_interval])))"
                % AUTH_SEL,
                "p50",
            ),
            (
                "histogram_quantile(0.99, sum by (le) (rate(crmsync_auth_refresh_duration_seconds_bucket{%s}[$__rate_interval])))"
                % AUTH_SEL,
                "p99",
            ),
        ],
        unit="s",
        width=8,
    ),
    row("Broken-grant failures relayed to notify"),
    panel(
        "Relayed and failed deliveries",
        [
            (
                "sum(rate(crmsync_auth_failures_delivered_total{%s}[$__rate_interval]))" % AUTH_SEL,
                "delivered",
            ),
            (
                "sum(rate(crmsync_auth_failure_delivery_errors_total{%s}[$__rate_interval]))"
                % AUTH_SEL,
                "errors",
            ),
        ],
        unit="ops",
        width=24,
    ),
] + queue_panels("auth_failure_relay", "crmsync-auth", "Failure relay")

NOTIFY_SEL = 'job="crmsync-notify",instance=~"$instance"'
notify_domain = [
    row("Emails"),
    panel(
        "Notifications stored by kind",
        [
            (
                "sum by (kind) (rate(crmsync_notify_notifications_created_total{%s}[$__rate_interval]))"
                % NOTIFY_SEL,
                "{{kind}}",
            )
        ],
        unit="ops",
        width=8,
    ),
    panel(
        "Send attempts by result",
        [
            (
                "sum by (result) (rate(crmsync_notify_send_attempts_total{%s}[$__rate_interval]))"
                % NOTIFY_SEL,
                "{{result}}",
            )
        ],
        unit="ops",
        width=8,
        stack=True,
        runbook="CrmsyncNotifyEmailsDead",
    ),
    panel(
        "Send duration p50 and p99",
        [
            (
                "histogram_quantile(0.5, sum by (le) (rate(crmsync_notify_send_seconds_bucket{%s}[$__rate_interval])))"
                % NOTIFY_SEL,
                "p50",
            ),
            (
                "histogram_quantile(0.99, sum by (le) (rate(crmsync_notify_send_seconds_bucket{%s}[$__rate_interval])))"
                % NOTIFY_SEL,
                "p99",
            ),
        ],
        unit="s",
        width=8,
    ),
] + queue_panels("notify_email", "crmsync-notify", "Email queue")

SYNC_SEL = 'job="crmsync-sync",instance=~"$instance"'
sync_domain = [
    row("Changes"),
    panel(
        "Changes per second by outcome",
        [
            (
                "sum by (outcome) (rate(crmsync_sync_changes_total{%s}[$__rate_interval]))"
                % SYNC_SEL,
                "{{outcome}}",
            )
        ],
        unit="ops",
        width=8,
        stack=True,
    ),
    panel(
        "Rule rejections by reason",
        [
            (
                "sum by (reason) (rate(crmsync_sync_rule_rejections_total{%s}[$__rate_interval]))"
                % SYNC_SEL,
                "{{reason}}",
            )
        ],
        unit="ops",
        width=8,
        stack=True,
    ),
    panel(
        "Propagation p50 and p99",
        [
            (
                "histogram_quantile(0.5, sum by (le) (rate(crmsync_sync_propagation_seconds_bucket{%s}[$__rate_interval])))"
                % SYNC_SEL,
                "p50",
            ),
            (
                "histogram_quantile(0.99, sum by (le) (rate(crmsync_sync_propagation_seconds_bucket{%s}[$__rate_interval])))"
                % SYNC_SEL,
                "p99",
            ),
        ],
        unit="s",
        width=8,
        runbook="CrmsyncSyncPropagationSlow",
    ),
    panel(
        "Deliveries to Zoho by result",
        [
            (
                "sum by (result) (rate(crmsync_sync_deliveries_total{%s}[$__rate_interval]))"
                % SYNC_SEL,
                "{{result}}",
            )
        ],
        unit="ops",
        width=8,
        stack=True,
        runbook="CrmsyncSyncDeliveryFailures",
    ),
    panel(
        "Zoho API calls and 429s",
        [
            (
                "sum by (side) (rate(crmsync_sync_zoho_calls_total{%s}[$__rate_interval]))" % SYNC_SEL,
                "{{side}} calls",
            ),
            (
                'sum by (side) (rate(crmsync_sync_zoho_calls_total{%s,result="429"}[$__rate_interval]))'
                % SYNC_SEL,
                "{{side}} 429",
            ),
        ],
        unit="reqps",
        width=8,
    ),
    panel(
        "Webhooks by result",
        [
            (
                "sum by (side, status) (rate(crmsync_sync_webhook_requests_total{%s}[$__rate_interval]))"
                % SYNC_SEL,
                "{{side}} {{status}}",
            )
        ],
        unit="reqps",
        width=8,
        runbook="CrmsyncSyncWebhookUnauthorizedSurge",
    ),
    row("Outbox, inbox and reconciliation"),
    panel(
        "Outbox depth by target",
        [
            (
                "max by (target) (crmsync_sync_outbox_depth{%s})" % SYNC_SEL,
                "{{target}}",
            )
        ],
        width=8,
    ),
    panel(
        "Outbox oldest write by target",
        [
            (
                "max by (target) (crmsync_sync_outbox_oldest_age_seconds{%s})" % SYNC_SEL,
                "{{target}}",
            )
        ],
        unit="s",
        width=8,
        runbook="CrmsyncSyncOutboxBacklog",
    ),
    panel(
        "Inbox backlog by side",
        [("max by (side) (crmsync_sync_inbox_backlog{%s})" % SYNC_SEL, "{{side}}")],
        width=8,
    ),
    panel(
        "Reconciliation passes by side and result",
        [
            (
                "sum by (side, result) (rate(crmsync_sync_reconcile_passes_total{%s}[$__rate_interval]))"
                % SYNC_SEL,
                "{{side}} {{result}}",
            )
        ],
        unit="ops",
        width=12,
        stack=True,
        description="Each portal's sides are read every --reconcile_interval; a failed pass is "
        "tried again at the next.",
    ),
    panel(
        "Reconciliation repairs by side and kind",
        [
            (
                "sum by (side, kind) (rate(crmsync_sync_reconcile_repairs_total{%s}[$__rate_interval]))"
                % SYNC_SEL,
                "{{side}} {{kind}}",
            )
        ],
        unit="ops",
        width=12,
        stack=True,
        description="Edits, deletions and comments a pass found that no webhook had brought: a "
        "steady rate means webhooks are being lost.",
    ),
] + queue_panels("sync_outbox", "crmsync-sync", "Outbox queue")

overview = (
    [
        row("Services"),
        panel(
            "Targets up by service",
            [('sum by (job) (up{job=~"$job"})', "{{job}}")],
            kind="stat",
            width=8,
            runbook="CrmsyncServiceDown",
        ),
        panel(
            "Server error ratio (health checks left out)",
            [('job:crmsync_grpc_server_error_ratio:rate5m{job=~"$job"}', "{{job}}")],
            unit="percentunit",
            width=8,
            runbook="CrmsyncGrpcErrors",
        ),
        panel(
            "Calls per second (health checks left out)",
            [('job:crmsync_grpc_server_calls:rate5m{job=~"$job"}', "{{job}}")],
            unit="reqps",
            width=8,
        ),
        row("Sync"),
    ]
    + sync_domain[1:4]
    + [
        panel(
            "Outbox depth and oldest age",
            [
                (
                    'max by (target) (crmsync_sync_outbox_depth{job="crmsync-sync"})',
                    "{{target}} pending",
                ),
                (
                    'max by (target) (crmsync_sync_outbox_oldest_age_seconds{job="crmsync-sync"})',
                    "{{target}} oldest (s)",
                ),
            ],
            width=8,
            runbook="CrmsyncSyncOutboxBacklog",
        ),
    ]
    + sync_domain[4:7]
    + [
        row("Emails and tokens"),
        panel(
            "Emails by result",
            [
                (
                    'sum by (result) (rate(crmsync_work_queue_completions_total{job="crmsync-notify",queue="notify_email"}[$__rate_interval]))',
                    "{{result}}",
                )
            ],
            unit="ops",
            width=8,
            stack=True,
            runbook="CrmsyncNotifyEmailsDead",
        ),
        panel(
            "Oldest pending email",
            [
                (
                    'max(crmsync_work_queue_oldest_pending_age_seconds{job="crmsync-notify",queue="notify_email"})',
                    "oldest",
                )
            ],
            unit="s",
            width=8,
            runbook="CrmsyncNotifyEmailsDelayed",
        ),
        panel(
            "Token refreshes by result",
            [
                (
                    'sum by (result) (rate(crmsync_auth_refreshes_total{job="crmsync-auth"}[$__rate_interval]))',
                    "{{result}}",
                )
            ],
            unit="ops",
            width=8,
            stack=True,
            runbook="CrmsyncAuthRefreshFailures",
        ),
        panel(
            "Broken grants",
            [('max(crmsync_auth_broken_grants{job="crmsync-auth"})', "broken")],
            kind="stat",
            width=8,
            runbook="CrmsyncAuthBrokenGrants",
        ),
        panel(
            "Resident memory by service",
            [('sum by (job) (process_resident_memory_bytes{job=~"$job"})', "{{job}}")],
            unit="bytes",
            width=8,
            runbook="CrmsyncMemoryNearLimit",
        ),
        panel(
            "CPU by service",
            [
                (
                    'sum by (job) (rate(process_cpu_seconds_total{job=~"$job"}[$__rate_interval]))',
                    "{{job}}",
                )
            ],
            unit="percentunit",
            width=8,
        ),
    ]
)

SERVICE_DOMAIN = {"auth": auth_domain, "notify": notify_domain, "sync": sync_domain, "mapping": []}


def dashboards():
    """Every dashboard by file name."""
    out = {
        "crmsync-overview.json": dashboard(
            "crmsync-overview", "crmsync overview", "crmsync-.*", json.loads(json.dumps(overview))
        )
    }
    for service in SERVICES:
        job = "crmsync-" + service
        # Fresh panel dicts per dashboard: layout() writes positions into them.
        panels = json.loads(json.dumps(grpc_panels(job) + SERVICE_DOMAIN[service]))
        out["crmsync-%s.json" % service] = dashboard(job, "crmsync " + service, job, panels)
    return out


def main():
    folder = pathlib.Path(__file__).resolve().parent
    check = "--check" in sys.argv[1:]
    stale = []
    for name, board in dashboards().items():
        text = json.dumps(board, indent=2, sort_keys=True) + "\n"
        path = folder / name
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
    if stale:
        print("stale dashboards (run deploy/grafana/generate.py): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
