#!/usr/bin/env python3
"""The alerting and deployment kit against the real binary and real tools.

- `cos_error_exporter rules` prints deploy/prometheus/rules.yml byte for byte;
- promtool checks the rules and the scrape example and runs rules.test.yml,
  which covers every alerting group;
- the systemd unit passes `systemd-analyze verify` (and a security score);
- the Kubernetes manifests carry what the prometheus-operator and the pods need;
- the Dockerfile installs every library the binary links.

Run with --update to rewrite the generated files (rules.yml, rules.test.yml and
the PrometheusRule) from the binary and config/exporter.yaml.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import yaml

SOURCE = Path(os.environ.get("COS_SOURCE_DIR", Path(__file__).resolve().parents[2]))
BINARY = Path(os.environ.get("COS_EXPORTER_BINARY", SOURCE / "build/cos_error_exporter"))
DEPLOY = SOURCE / "deploy"
RULES = DEPLOY / "prometheus/rules.yml"
RULE_TESTS = DEPLOY / "prometheus/rules.test.yml"
PROMETHEUS_RULE = DEPLOY / "kubernetes/prometheusrule.yaml"

PROMETHEUS_RULE_HEADER = """\
# For the prometheus-operator: deploy/prometheus/rules.yml as a PrometheusRule.
# Regenerated from `cos_error_exporter rules` by: python3 tests/e2e/test_rules.py --update
# (a test fails when it is stale). The Prometheus resource's ruleSelector must
# match its labels: an overlay adds the one your Prometheus selects.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: cos-error-exporter
  labels:
    app.kubernetes.io/name: cos-error-exporter
spec:
"""


def run(args, timeout=120, **kwargs):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout, **kwargs)


def rules_output(*flags):
    result = run([BINARY, "rules", *flags])
    if result.returncode != 0:
        raise AssertionError(f"rules {' '.join(flags)} exited {result.returncode}: {result.stderr}")
    return result.stdout


def prometheus_rule_text(rules_text):
    lines = rules_text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("groups:"))
    return PROMETHEUS_RULE_HEADER + "".join("  " + line if line.strip() else line
                                            for line in lines[start:])


def rule_tests_text():
    result = run([sys.executable, DEPLOY / "prometheus/make_rule_tests.py",
                  SOURCE / "config/exporter.yaml"])
    if result.returncode != 0:
        raise AssertionError(f"make_rule_tests.py failed: {result.stderr}")
    return result.stdout


def update():
    RULES.write_text(rules_output())
    RULE_TESTS.write_text(rule_tests_text())
    PROMETHEUS_RULE.write_text(prometheus_rule_text(rules_output()))
    print(f"wrote {RULES}, {RULE_TESTS}, {PROMETHEUS_RULE}")


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


class RulesCommand(unittest.TestCase):
    def test_output_is_the_shipped_rule_file(self):
        shipped = RULES.read_text(encoding="utf-8")
        hint = "regenerate: python3 tests/e2e/test_rules.py --update"
        self.assertEqual(rules_output(), shipped, f"built-in config; {hint}")
        self.assertEqual(rules_output(f"--config.file={SOURCE / 'config/exporter.yaml'}"), shipped,
                         f"config/exporter.yaml; {hint}")
        # The container config keeps the built-in groups: the PrometheusRule fits it too.
        self.assertEqual(rules_output(f"--config.file={DEPLOY / 'docker/exporter.yaml'}"), shipped)

    def test_rules_of_another_config(self):
        with tempfile.TemporaryDirectory() as tmp:
            config = Path(tmp) / "exporter.yaml"
            config.write_text(
                "groups:\n"
                "  storage:\n"
                "    codes: [-181, 500]\n"
                "    alert: {rate: 2, window: 15m, spike_factor: 2, baseline: 2h, for: 90s,"
                " severity: page}\n"
                "  quiet:\n"
                "    codes: [-1]\n"
                "code_alert: {rate: 0.2, window: 10m, spike_factor: 3, baseline: 1h, for: 0s}\n")
            text = rules_output(f"--config.file={config}")
            out = Path(tmp) / "rules.yml"
            out.write_text(text)
            check = run(["promtool", "check", "rules", out])
            self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
            rules = load(out)
            alerts = [r for g in rules["groups"] for r in g["rules"]
                      if r.get("alert", "").startswith("CosError") and "Exporter" not in r["alert"]]
            # A code's spike per group it is in (for routing and inhibition), and in none.
            self.assertEqual([(a["alert"], a["labels"].get("group")) for a in alerts],
                             [("CosErrorGroupSpike", "storage"), ("CosErrorCodeSpike", "storage"),
                              ("CosErrorCodeSpike", "quiet"), ("CosErrorCodeSpike", None)])
            self.assertEqual(alerts[0]["for"], "1m30s")
            self.assertEqual(alerts[0]["labels"]["severity"], "page")
            self.assertIn("cos:group_errors:rate15m{group=\"storage\"} > 2 * "
                          "cos:group_errors:rate2h{group=\"storage\"}", alerts[0]["expr"])
            self.assertNotIn("for", alerts[1])

    def test_an_alert_that_could_never_fire_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            config = Path(tmp) / "exporter.yaml"
            config.write_text("groups:\n  auth:\n    codes: [401]\n"
                              "    alert: {window: 10m, spike_factor: 6, baseline: 1h}\n")
            result = run([BINARY, "rules", f"--config.file={config}"])
            self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
            self.assertEqual(result.stdout, "")
            # The config loader refuses it already, naming where the setting is.
            self.assertIn(f"{config}:4:12: spike_factor 6 x window 10m must be shorter than "
                          "baseline 1h", result.stderr)
            check = run([BINARY, "check-config", f"--config.file={config}"])
            self.assertEqual(check.returncode, 1)
            self.assertEqual(check.stderr, result.stderr)

    def test_text_prometheus_cannot_load_is_refused_with_its_position(self):
        cases = {"bell \x07": "U+0007", "del \x7f": "U+007F", "nel \u0085": "U+0085",
                 "line \u2028": "U+2028", "paragraph \u2029": "U+2029"}
        with tempfile.TemporaryDirectory() as tmp:
            config = Path(tmp) / "exporter.yaml"
            for text, character in cases.items():
                with self.subTest(character=character):
                    config.write_bytes(("groups:\n  net:\n    codes: [-2]\n"
                                        f"    description: '{text}'\n"
                                        "    alert: {rate: 1}\n").encode("utf-8"))
                    for command in ("rules", "check-config"):
                        result = run([BINARY, command, f"--config.file={config}"])
                        self.assertEqual((result.returncode, result.stdout), (1, ""),
                                         result.stderr)
                        self.assertIn(f"{config}:4:18: description must be printable text: "
                                      f"control character {character} at byte ",
                                      result.stderr)

    def test_any_printable_description_gives_a_file_prometheus_loads(self):
        with tempfile.TemporaryDirectory() as tmp:
            config = Path(tmp) / "exporter.yaml"
            description = "tab\there, \"quotes\", 'apostrophes', {{ braces }}, `ticks`, \u4e2d\u6587 #x"
            config.write_text("groups:\n  net:\n    codes: [-2]\n"
                              f"    description: {json.dumps(description)}\n"
                              "    alert: {rate: 1, severity: \"p\u00e4ge: now\"}\n",
                              encoding="utf-8")
            out = Path(tmp) / "rules.yml"
            out.write_text(rules_output(f"--config.file={config}"), encoding="utf-8")
            check = run(["promtool", "check", "rules", out])
            self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
            alert = next(r for g in load(out)["groups"] for r in g["rules"] if "alert" in r)
            self.assertEqual(alert["labels"]["severity"], "p\u00e4ge: now")
            self.assertIn("(" + description.replace("\t", " ").replace("{{", '{{ "{{" }}') + ")",
                          alert["annotations"]["description"])


class Promtool(unittest.TestCase):
    def test_check_rules(self):
        result = run(["promtool", "check", "rules", RULES])
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_rule_unit_tests(self):
        # Hundreds of simulated hours: slow on a loaded machine.
        result = run(["promtool", "test", "rules", RULE_TESTS], timeout=600)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("SUCCESS", result.stdout)

    def test_rule_tests_cover_every_alert(self):
        names = {t["name"] for t in load(RULE_TESTS)["tests"]}
        groups = [r["labels"]["group"] for g in load(RULES)["groups"] for r in g["rules"]
                  if r.get("alert") == "CosErrorGroupSpike"]
        self.assertGreaterEqual(len(groups), 3)
        for group in groups:
            for case in ("fires on a spike",
                         "quiet on a steady high rate below the spike factor",
                         "quiet on a spike under the rate threshold",
                         "quiet on no traffic",
                         "quiet on a steady rate from the first scrape"):
                self.assertIn(f"{group}: {case}", names)
        for case in ("after an exporter restart", "after a Prometheus restart"):
            self.assertIn(f"{groups[0]}: quiet on a steady rate {case}", names)
        self.assertTrue(any(n.startswith("code_alert: fires on one code spiking") for n in names))
        self.assertIn("code_alert: quiet on no traffic", names)
        self_alerts = {r["alert"] for g in load(RULES)["groups"] for r in g["rules"]
                       if r.get("alert", "").startswith("CosErrorExporter")}
        self.assertEqual(len(self_alerts), 7)
        tested = {t["alertname"] for test in load(RULE_TESTS)["tests"]
                  if test["name"].startswith("exporter:") for t in test["alert_rule_test"]
                  if t["exp_alerts"]}
        self.assertEqual(tested, self_alerts)
        self.assertEqual(rule_tests_text(), RULE_TESTS.read_text(encoding="utf-8"),
                         "rules.test.yml is stale: python3 tests/e2e/test_rules.py --update")

    def test_every_alert_links_a_runbook_section(self):
        anchors = set(re.findall(r'<a id="([^"]+)"></a>',
                                 (SOURCE / "docs/runbooks.md").read_text(encoding="utf-8")))
        alerts = [r for g in load(RULES)["groups"] for r in g["rules"] if "alert" in r]
        self.assertGreater(len(alerts), 10)
        for alert in alerts:
            url = alert["annotations"]["runbook_url"]
            base, _, section = url.partition("#")
            self.assertEqual(base, "docs/runbooks.md", url)
            self.assertIn(section, anchors, f"{alert['alert']} {alert['labels']}")

    def test_check_scrape_config(self):
        result = run(["promtool", "check", "config", DEPLOY / "prometheus/prometheus.yml"])
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)


class Systemd(unittest.TestCase):
    UNIT = DEPLOY / "systemd/cos_error_exporter.service"

    def test_unit_verifies(self):
        text = self.UNIT.read_text()
        self.assertIn("ExecStart=/usr/local/bin/cos_error_exporter ", text)
        with tempfile.TemporaryDirectory() as tmp:
            unit = Path(tmp) / "cos_error_exporter.service"
            unit.write_text(text.replace("/usr/local/bin/cos_error_exporter",
                                         str(BINARY.resolve())))
            # Documentation=man:cos_error_exporter(1): verify runs man, which
            # finds the project's page through MANPATH.
            man1 = Path(tmp) / "man/man1"
            man1.mkdir(parents=True)
            shutil.copy(SOURCE / "docs/cos_error_exporter.1", man1)
            result = run(["systemd-analyze", "verify", unit],
                         env={**os.environ, "MANPATH": str(Path(tmp) / "man")})
            # verify exits 0 on unknown keys and only says so on stderr.
            self.assertEqual((result.returncode, result.stderr), (0, ""), result.stdout)
            # The exposure score (0 to 10, lower is safer) of the hardening, at most 2.5.
            security = run(["systemd-analyze", "security", "--offline=yes", "--threshold=25",
                            unit])
            self.assertEqual(security.returncode, 0, security.stdout[-2000:] + security.stderr)

    def test_unit_is_hardened(self):
        service = {}
        section = None
        for line in self.UNIT.read_text().splitlines():
            if line.startswith("["):
                section = line.strip("[]")
            elif "=" in line and not line.startswith("#") and section == "Service":
                key, _, value = line.partition("=")
                service.setdefault(key, []).append(value)
        self.assertEqual(service["User"], ["cos_error_exporter"])
        self.assertEqual(service["ProtectSystem"], ["strict"])
        self.assertEqual(service["StateDirectory"], ["cos_error_exporter"])
        self.assertEqual(service["RuntimeDirectory"], ["cos_error_exporter"])
        self.assertEqual(service["NoNewPrivileges"], ["yes"])
        self.assertEqual(service["ExecReload"], ["/bin/kill -HUP $MAINPID"])
        # The defaults the directories must match.
        self.assertIn("/var/lib/cos_error_exporter/", self.UNIT.read_text())
        self.assertIn("/run/cos_error_exporter/events.sock", self.UNIT.read_text())


def json_patch(document, operations):
    """The add/replace operations of RFC 6902 that the kustomize components use."""
    for op in operations:
        *parents, last = [p.replace("~1", "/").replace("~0", "~")
                          for p in op["path"].lstrip("/").split("/")]
        node = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            if op["op"] == "add" and last == "-":
                node.append(op["value"])
            else:
                node[int(last)] = op["value"]
        else:
            assert op["op"] in ("add", "replace"), op
            assert op["op"] == "add" or last in node, op
            node[last] = op["value"]


class Kubernetes(unittest.TestCase):
    """The manifests as a kustomization: checked as YAML here (kubectl is not a
    Debian package), and built with `kubectl kustomize` where it is installed."""

    KUSTOMIZE = DEPLOY / "kubernetes"

    def manifest(self, name):
        return load(self.KUSTOMIZE / name)

    def resources(self, *components):
        """The base's resources by kind, with the components' patches applied."""
        kustomization = self.manifest("kustomization.yaml")
        docs = {}
        for name in kustomization["resources"]:
            doc = self.manifest(name)
            docs[doc["kind"]] = doc
        for component in components:
            spec = self.manifest(f"components/{component}/kustomization.yaml")
            for generator in spec.get("configMapGenerator", []):
                self.assertEqual(generator["behavior"], "replace")
                (file,) = generator["files"]
                docs["ConfigMap"]["data"] = {file: (self.KUSTOMIZE / "components" / component
                                                    / file).read_text(encoding="utf-8")}
            for patch in spec.get("patches", []):
                target = docs[patch["target"]["kind"]]
                self.assertEqual(target["metadata"]["name"], patch["target"]["name"])
                json_patch(target, yaml.safe_load(patch["patch"]))
        return docs

    def test_kustomization_holds_every_manifest_and_no_fixed_namespace(self):
        kustomization = self.manifest("kustomization.yaml")
        files = {p.name for p in self.KUSTOMIZE.glob("*.yaml")} - {"kustomization.yaml"}
        self.assertEqual(set(kustomization["resources"]), files)
        for name in files:
            doc = self.manifest(name)
            self.assertNotIn("namespace", doc["metadata"], name)
            self.assertNotIn("release", doc["metadata"].get("labels", {}), name)
        self.assertNotIn("namespaceSelector", self.manifest("servicemonitor.yaml")["spec"])
        for component in ("pod-logs", "basic-auth"):
            spec = self.manifest(f"components/{component}/kustomization.yaml")
            self.assertEqual(spec["kind"], "Component")

    def test_daemonset(self):
        ds = self.resources()["DaemonSet"]
        self.assertEqual((ds["apiVersion"], ds["kind"]), ("apps/v1", "DaemonSet"))
        pod = ds["spec"]["template"]
        self.assertEqual(ds["spec"]["selector"]["matchLabels"].items()
                         - pod["metadata"]["labels"].items(), set())
        (container,) = pod["spec"]["containers"]
        ports = {(p["name"], p["protocol"]): p for p in container["ports"]}
        self.assertEqual(ports[("events", "UDP")]["containerPort"], 9742)
        self.assertEqual(ports[("events", "UDP")]["hostPort"], 9742)
        self.assertEqual(ports[("metrics", "TCP")]["containerPort"], 9742)
        self.assertEqual(container["readinessProbe"]["httpGet"]["path"], "/-/ready")
        self.assertEqual(container["livenessProbe"]["httpGet"]["path"], "/-/healthy")
        self.assertTrue(pod["spec"]["securityContext"]["runAsNonRoot"])
        self.assertNotEqual(pod["spec"]["securityContext"]["runAsUser"], 0)
        self.assertFalse(container["securityContext"]["allowPrivilegeEscalation"])
        self.assertTrue(container["securityContext"]["readOnlyRootFilesystem"])
        self.assertEqual(container["securityContext"]["capabilities"], {"drop": ["ALL"]})
        mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
        volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
        self.assertEqual(volumes["config"]["configMap"]["name"],
                         self.manifest("configmap.yaml")["metadata"]["name"])
        config_flag = next(a for a in container["args"] if a.startswith("--config.file="))
        self.assertEqual(os.path.dirname(config_flag.split("=", 1)[1]), mounts["config"])
        # Everything the config writes is on a volume (the root file system is read-only).
        config = yaml.safe_load(self.manifest("configmap.yaml")["data"]["exporter.yaml"])
        for path in [config["state_file"]] + [u["path"] for u in config["inputs"]["unixgram"]]:
            self.assertIn(os.path.dirname(path), mounts.values(), path)
        # Positions and the socket on the node: a new pod resumes, other pods can send.
        self.assertEqual(volumes["state"]["hostPath"]["path"], "/var/lib/cos-error-exporter")
        self.assertEqual(volumes["run"]["hostPath"]["path"], "/run/cos-error-exporter")
        # Made the exporter's by an init step that holds CHOWN and nothing else.
        (init,) = pod["spec"]["initContainers"]
        self.assertEqual(init["command"][:2], ["chown", "%d:%d" % (
            pod["spec"]["securityContext"]["runAsUser"],
            pod["spec"]["securityContext"]["runAsGroup"])])
        self.assertEqual(init["securityContext"]["capabilities"],
                         {"drop": ["ALL"], "add": ["CHOWN"]})
        self.assertEqual({m["mountPath"] for m in init["volumeMounts"]},
                         {mounts["state"], mounts["run"]})
        self.assertEqual(init["image"], container["image"])

    def test_pod_logs_component_reads_var_log_pods_read_only(self):
        docs = self.resources("pod-logs")
        pod = docs["DaemonSet"]["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        volumes = {v["name"]: v for v in pod["volumes"]}
        mounts = {m["name"]: m for m in container["volumeMounts"]}
        self.assertEqual(volumes["pod-logs"]["hostPath"]["path"], "/var/log/pods")
        self.assertEqual(mounts["pod-logs"]["mountPath"], "/var/log/pods")
        self.assertTrue(mounts["pod-logs"]["readOnly"])
        # Files root:root 0640: the group root is enough; no capability, no root.
        self.assertEqual(pod["securityContext"]["supplementalGroups"], [0])
        self.assertNotEqual(pod["securityContext"]["runAsUser"], 0)
        self.assertEqual(container["securityContext"]["capabilities"], {"drop": ["ALL"]})
        # The container config plus one file input over the pods' logs, and valid.
        text = docs["ConfigMap"]["data"]["exporter.yaml"]
        config = yaml.safe_load(text)
        base = yaml.safe_load((DEPLOY / "docker/exporter.yaml").read_text())
        (files,) = config["inputs"].pop("files")
        self.assertEqual(config, base)
        self.assertEqual(files["path"], "/var/log/pods/*/*/*.log")
        # The kubelet's CRI lines, labelled by the namespace, pod and container of the path.
        self.assertEqual(files["envelope"], "cri")
        for group in ("namespace", "pod", "container"):
            self.assertIn("(?P<%s>" % group, files["path_labels"])
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "exporter.yaml"
            path.write_text(text)
            result = run([BINARY, "check-config", f"--config.file={path}"])
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_basic_auth_component_keeps_probes_working(self):
        docs = self.resources("basic-auth")
        pod = docs["DaemonSet"]["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        self.assertIn("--web.config.file=/etc/cos_error_exporter/web/web.yml", container["args"])
        mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
        self.assertEqual(mounts["web-config"], "/etc/cos_error_exporter/web")
        # A kubelet probe has no credentials and a 401 fails it: TCP checks instead.
        for probe in ("readinessProbe", "livenessProbe"):
            self.assertEqual(container[probe]["tcpSocket"], {"port": "metrics"}, probe)
            self.assertNotIn("httpGet", container[probe])
        (endpoint,) = docs["ServiceMonitor"]["spec"]["endpoints"]
        self.assertEqual(endpoint["basicAuth"]["password"]["name"], "cos-error-exporter-scrape")

    def test_kubectl_kustomize_builds_an_overlay(self):
        if shutil.which("kubectl") is None:
            self.skipTest("kubectl is not installed (not a Debian package)")
        with tempfile.TemporaryDirectory() as tmp:
            overlay = Path(tmp)
            base = os.path.relpath(self.KUSTOMIZE, overlay)
            (overlay / "kustomization.yaml").write_text(yaml.safe_dump({
                "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                "namespace": "observability", "resources": [base],
                "components": [f"{base}/components/pod-logs", f"{base}/components/basic-auth"],
                "labels": [{"pairs": {"release": "kps"}}]}))
            result = run(["kubectl", "kustomize", overlay])
            self.assertEqual(result.returncode, 0, result.stderr)
        built = {d["kind"]: d for d in yaml.safe_load_all(result.stdout)}
        expected = self.resources("pod-logs", "basic-auth")
        self.assertEqual(set(built), set(expected))
        for kind, doc in built.items():
            self.assertEqual(doc["metadata"]["namespace"], "observability", kind)
            self.assertEqual(doc["metadata"]["labels"]["release"], "kps", kind)
            for meta in ("namespace", "labels"):
                doc["metadata"].pop(meta)
                expected[kind]["metadata"].pop(meta, None)
            self.assertEqual(doc, expected[kind], kind)

    def test_service_and_servicemonitor(self):
        ds = self.manifest("daemonset.yaml")
        service = self.manifest("service.yaml")
        monitor = self.manifest("servicemonitor.yaml")
        pod_labels = ds["spec"]["template"]["metadata"]["labels"]
        self.assertEqual((service["apiVersion"], service["kind"]), ("v1", "Service"))
        self.assertEqual(service["spec"]["selector"].items() - pod_labels.items(), set())
        container_ports = {p["name"] for p in ds["spec"]["template"]["spec"]["containers"][0]["ports"]}
        service_ports = {p["name"]: p for p in service["spec"]["ports"]}
        for port in service_ports.values():
            self.assertIn(port["targetPort"], container_ports)
        self.assertEqual(service_ports["events"]["protocol"], "UDP")

        self.assertEqual((monitor["apiVersion"], monitor["kind"]),
                         ("monitoring.coreos.com/v1", "ServiceMonitor"))
        self.assertEqual(monitor["spec"]["selector"]["matchLabels"].items()
                         - service["metadata"]["labels"].items(), set())
        (endpoint,) = monitor["spec"]["endpoints"]
        self.assertEqual(endpoint["port"], "metrics")
        self.assertEqual(service_ports["metrics"]["protocol"], "TCP")
        self.assertEqual(endpoint["path"], "/metrics")

    def test_prometheusrule_holds_the_rule_file(self):
        rule = self.manifest("prometheusrule.yaml")
        self.assertEqual((rule["apiVersion"], rule["kind"]),
                         ("monitoring.coreos.com/v1", "PrometheusRule"))
        self.assertEqual(rule["spec"]["groups"], load(RULES)["groups"])
        # Regenerated from `rules` itself, not from the file it should equal.
        self.assertEqual(PROMETHEUS_RULE.read_text(encoding="utf-8"),
                         prometheus_rule_text(rules_output()),
                         "stale; regenerate: python3 tests/e2e/test_rules.py --update")

    def test_configmap_is_the_container_config_and_valid(self):
        cm = self.manifest("configmap.yaml")
        text = cm["data"]["exporter.yaml"]
        self.assertEqual(text, (DEPLOY / "docker/exporter.yaml").read_text(encoding="utf-8"))
        with tempfile.TemporaryDirectory() as tmp:
            config = Path(tmp) / "exporter.yaml"
            config.write_text(text)
            result = run([BINARY, "check-config", f"--config.file={config}"])
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)


class Docker(unittest.TestCase):
    DOCKERFILE = DEPLOY / "docker/Dockerfile"

    def test_multi_stage_debian_non_root(self):
        text = self.DOCKERFILE.read_text()
        stages = re.findall(r"^FROM (\S+)", text, re.M)
        self.assertEqual(stages, ["debian:12-slim", "debian:12-slim"])
        users = re.findall(r"^USER (\S+)", text, re.M)
        self.assertEqual(len(users), 1)
        self.assertNotIn(users[0].split(":")[0], ("0", "root"))
        for copied in re.findall(r"^COPY (?!--from)(\S+)", text, re.M):
            self.assertTrue((SOURCE / copied).exists(), copied)

    def test_runtime_stage_installs_every_linked_library(self):
        runtime = self.DOCKERFILE.read_text().split("\nFROM ")[-1]
        needed = re.findall(r"NEEDED\s+(\S+)", run(["objdump", "-p", BINARY]).stdout)
        self.assertTrue(needed)
        ldd = dict(re.findall(r"^\s*(\S+) => (\S+)", run(["ldd", BINARY]).stdout, re.M))
        base = {"libc6", "libgcc-s1", "libstdc++6"}  # in every Debian image
        for soname in needed:
            path = os.path.realpath(ldd[soname])
            owner = run(["dpkg", "-S", path])
            if owner.returncode != 0:  # merged /usr: dpkg may know the /lib spelling
                owner = run(["dpkg", "-S", path.replace("/usr/lib/", "/lib/", 1)])
            package = owner.stdout.split(":")[0]
            self.assertTrue(package, f"{soname}: {path} belongs to no package")
            if package not in base:
                self.assertRegex(runtime, rf"\b{re.escape(package)}\b", soname)


if __name__ == "__main__":
    if "--update" in sys.argv:
        update()
        sys.exit(0)
    for tool in ("promtool", "systemd-analyze"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: install the Debian packages in scripts/test-packages.txt")
    unittest.main(verbosity=2)
