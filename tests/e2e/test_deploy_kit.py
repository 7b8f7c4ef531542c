#!/usr/bin/env python3
"""The deployment kit against the real binary and real tools.

- the systemd unit passes `systemd-analyze verify` (and a security score);
- the Kubernetes manifests carry what the prometheus-operator and the pods
  need, their PrometheusRules are the generated rules;
- the Dockerfile installs every library the binary links.

`python3 test_rules.py --update` rewrites the generated files.
"""

import os
import re
import shutil
import sys
import tempfile
import unittest
from pathlib import Path

import yaml

from test_rules import (BINARY, DEPLOY, POD_LOGS, PROMETHEUS_RULE, RULES, SOURCE, load,
                        pod_logs_rule_text, prometheus_rule_text, rules_output, run)


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


def merge_patch(document, patch):
    """A strategic merge patch on a kind kustomize knows no schema of (a custom
    resource): maps merge, lists and scalars are replaced whole (RFC 7386)."""
    for key, value in patch.items():
        if value is None:
            document.pop(key, None)
        elif isinstance(value, dict) and isinstance(document.get(key), dict):
            merge_patch(document[key], value)
        else:
            document[key] = value


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
                if "path" in patch:
                    body = load(self.KUSTOMIZE / "components" / component / patch["path"])
                    target = docs[body["kind"]]
                    self.assertEqual(target["metadata"]["name"], body["metadata"]["name"])
                    merge_patch(target, body)
                    continue
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
        container = ds["spec"]["template"]["spec"]["containers"][0]
        container_ports = {p["name"] for p in container["ports"]}
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
        # The sources' namespace, pod, container or service labels are kept as
        # they are, not renamed exported_* (test_alert_sources.py shows why).
        self.assertIs(endpoint["honorLabels"], True)

    def test_prometheusrule_holds_the_rule_file(self):
        rule = self.manifest("prometheusrule.yaml")
        self.assertEqual((rule["apiVersion"], rule["kind"]),
                         ("monitoring.coreos.com/v1", "PrometheusRule"))
        self.assertEqual(rule["spec"]["groups"], load(RULES)["groups"])
        # Regenerated from `rules` itself, not from the file it should equal.
        self.assertEqual(PROMETHEUS_RULE.read_text(encoding="utf-8"),
                         prometheus_rule_text(rules_output()),
                         "stale; regenerate: python3 tests/e2e/test_rules.py --update")

    def test_pod_logs_component_brings_the_rules_of_its_config(self):
        path = POD_LOGS / "prometheusrule.yaml"
        self.assertEqual(path.read_text(encoding="utf-8"), pod_logs_rule_text(),
                         "stale; regenerate: python3 tests/e2e/test_rules.py --update")
        groups = self.resources("pod-logs")["PrometheusRule"]["spec"]["groups"]
        self.assertEqual(groups, load(path)["spec"]["groups"])
        self.assertNotEqual(groups, load(RULES)["groups"])
        # Its path labels are summed away, as the instance labels are.
        for rule in groups[0]["rules"]:
            if rule["record"] != "cos:code_errors:spiking":
                self.assertIn("sum without (instance, pod, node, container, namespace",
                              rule["expr"], rule["record"])
        with tempfile.TemporaryDirectory() as tmp:
            rules = Path(tmp) / "rules.yml"
            rules.write_text(yaml.safe_dump({"groups": groups}))
            result = run(["promtool", "check", "rules", rules])
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

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
    if shutil.which("systemd-analyze") is None:
        sys.exit("systemd-analyze is missing: install the Debian packages in "
                 "scripts/test-packages.txt")
    unittest.main(verbosity=2)
