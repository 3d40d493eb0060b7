#!/usr/bin/env python3
"""Checks deploy/prometheus and deploy/grafana beyond what promtool checks by itself.

- every alert has a severity (page or ticket), a summary and a runbook_url whose anchor is a
  section of deploy/RUNBOOK.md; so has every dashboard panel link;
- every alert has a promtool unit test that fires it and one that keeps it silent
  (tests/deploy/prometheus/*_test.yml);
- the committed dashboards are what deploy/grafana/generate.py writes;
- every metric in deploy/prometheus/awaiting-metrics.txt is used by a rule or a panel;
- the plain scrape config is one Prometheus accepts (Debian's promtool has no Kubernetes service
  discovery, so it is checked with its discovery swapped for an empty file_sd).
Exits 1 and prints every problem found.

Usage: check_monitoring.py --root SRC
"""

import argparse
import json
import pathlib
import re
import subprocess
import sys
import tempfile

import yaml


def anchors(markdown):
    """GitHub's anchors of the markdown's headings."""
    out = set()
    for heading in re.findall(r"^#+ (.+)$", markdown, re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        out.add(slug)
    return out


def runbook_anchor(url):
    match = re.fullmatch(r"https://\S+/deploy/RUNBOOK\.md#([\w-]+)", url or "")
    return match.group(1) if match else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True, type=pathlib.Path)
    root = parser.parse_args().root.resolve()
    problems = []
    sections = anchors((root / "deploy/RUNBOOK.md").read_text())

    alerts = {}
    rule_text = ""
    for name in ("recording.yml", "alerts.yml"):
        path = root / "deploy/prometheus" / name
        rule_text += path.read_text()
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    alerts.setdefault(rule["alert"], []).append(rule)
    for name, rules in alerts.items():
        for rule in rules:
            labels, annotations = rule.get("labels", {}), rule.get("annotations", {})
            if labels.get("severity") not in ("page", "ticket"):
                problems.append(f"{name}: severity is not page or ticket")
            if not annotations.get("summary"):
                problems.append(f"{name}: no summary")
            anchor = runbook_anchor(annotations.get("runbook_url"))
            if anchor != name.lower() or anchor not in sections:
                problems.append(f"{name}: runbook_url does not point to its RUNBOOK.md section")

    fired, silent = set(), set()
    for test_file in (root / "tests/deploy/prometheus").glob("*_test.yml"):
        for test in yaml.safe_load(test_file.read_text())["tests"]:
            for case in test.get("alert_rule_test", []):
                (fired if case.get("exp_alerts") else silent).add(case["alertname"])
    for name in alerts:
        if name not in fired:
            problems.append(f"{name}: no unit test fires it")
        if name not in silent:
            problems.append(f"{name}: no unit test keeps it silent")

    generated = subprocess.run(
        [sys.executable, str(root / "deploy/grafana/generate.py"), "--check"],
        capture_output=True,
        text=True,
    )
    if generated.returncode != 0:
        problems.append(generated.stdout + generated.stderr)
    dashboard_text = ""
    for path in sorted((root / "deploy/grafana").glob("*.json")):
        board = json.loads(path.read_text())
        dashboard_text += path.read_text()
        variables = {v["name"] for v in board["templating"]["list"]}
        if not {"datasource", "job", "instance"} <= variables:
            problems.append(f"{path.name}: lacks a datasource, job or instance variable")
        for panel in board["panels"]:
            for link in panel.get("links", []):
                anchor = runbook_anchor(link["url"])
                if anchor not in sections:
                    problems.append(
                        f"{path.name}: panel '{panel['title']}' links no RUNBOOK.md section"
                    )

    awaiting = (root / "deploy/prometheus/awaiting-metrics.txt").read_text().split("\n")
    for metric in (m.strip() for m in awaiting):
        if metric and not metric.startswith("#"):
            if metric not in rule_text and metric not in dashboard_text:
                problems.append(f"awaiting-metrics.txt: {metric} is used by no rule or panel")

    scrape = yaml.safe_load((root / "deploy/prometheus/scrape.yml").read_text())
    with tempfile.TemporaryDirectory() as workdir:
        for job in scrape["scrape_configs"]:
            job.pop("kubernetes_sd_configs")
            job["file_sd_configs"] = [{"files": [f"{workdir}/targets.json"]}]
        scrape["rule_files"] = [str(root / "deploy/prometheus" / f) for f in scrape["rule_files"]]
        config = pathlib.Path(workdir) / "prometheus.yml"
        config.write_text(yaml.safe_dump(scrape))
        checked = subprocess.run(
            ["promtool", "check", "config", str(config)], capture_output=True, text=True
        )
        if checked.returncode != 0:
            problems.append("scrape.yml: " + checked.stdout + checked.stderr)

    for problem in problems:
        print(problem)
    print(f"{len(alerts)} alerts, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
