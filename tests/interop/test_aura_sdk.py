"""Interoperability with an independent Aura API client: `aura-python-sdk` (PyPI) drives `lifeboat sandbox`.

The SDK was written from Aura's v1 specification and the Go SDK, not from our emulator, so every call here checks
two things: the emulator's answer parses in the SDK's own models (enums, timestamps, required fields), and the
emulator behaves the way the SDK's documentation says Aura does (asynchronous operations, 404/409 mapping,
exportable snapshots, retries). Where the two disagree, the emulator's module docs record what it does and why
("Where an independent client and our reading of Aura disagree"); the tests below pin those decisions.

Run:  python3 tests/interop/test_aura_sdk.py        (LIFEBOAT_BIN: the `lifeboat` binary, default target/debug/lifeboat)

Every test starts its own sandbox (`lifeboat sandbox --json --clock fast --port 0`: a free port on 127.0.0.1), so
no test sees another's changes. The last line printed is `interop-sdk: N passed, M failed` for the test command.

Loopback only. aura-python-sdk 0.1.5 was read before it was run here: every request it makes goes through its
transport to `{base_url}/oauth/token` or `{base_url}/v1/...`; the only other URLs it would fetch are Prometheus
metrics endpoints that a caller hands to its `prometheus` service (this test never does; the sandbox reports none),
and those it refuses unless they are https://*.neo4j.io or `allow_untrusted_metrics_urls` is set (it is not here).
It has no telemetry and no update check. Still, the SDK's own httpx transport is wrapped here so that any request
(redirects included) to a host other than the sandbox's 127.0.0.1 port fails the test before it is sent, and proxy
variables are cleared so httpx cannot route loopback traffic elsewhere.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import select
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit

for _proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_proxy, None)

import aura_python_sdk as aura  # noqa: E402
import httpx  # noqa: E402
from aura_python_sdk import (  # noqa: E402
    CloudProvider,
    InstanceConfig,
    InstanceStatus,
    InstanceType,
    SnapshotProfile,
    SnapshotStatus,
)

# The SDK's built-in transport. Private, but the SDK is pinned (scripts/setup.sh) and using it means the test runs
# the same network code a user of the SDK runs.
from aura_python_sdk._internal.http._httpx import HttpxTransport  # noqa: E402

SDK_VERSION = "0.1.5"
ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0
# The fast clock finishes every transition in well under a second; this only bounds a broken run.
WAIT = {"timeout": 30.0, "interval": 0.05}


class NotLoopback(AssertionError):
    pass


class LoopbackOnly:
    """The SDK's own transport, refusing any request that would leave the sandbox's 127.0.0.1 port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.urls: list[str] = []
        self.inner = HttpxTransport()
        client = self.inner._client
        if not isinstance(client, httpx.Client):
            raise AssertionError("aura-python-sdk's transport changed; re-read it before running it")
        hooks = dict(client.event_hooks)
        # httpx runs request hooks for every request it sends, redirect hops included.
        hooks["request"] = [self._check_httpx, *hooks.get("request", [])]
        client.event_hooks = hooks

    def _check(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname != "127.0.0.1" or parts.port != self.port:
            raise NotLoopback(f"the SDK tried to reach {url}, which is not the sandbox")

    def _check_httpx(self, request: httpx.Request) -> None:
        self._check(str(request.url))

    def send(self, request: aura.HttpRequest) -> aura.HttpResponse:
        self._check(request.url)
        self.urls.append(request.url)
        return self.inner.send(request)

    def close(self) -> None:
        self.inner.close()


class Sandbox:
    """`lifeboat sandbox` on a free loopback port, with the fast clock and the demo project."""

    def __init__(self) -> None:
        binary = Path(os.environ.get("LIFEBOAT_BIN", ROOT / "target" / "debug" / "lifeboat"))
        if not binary.is_file():
            raise AssertionError(f"{binary} is missing: build it with `cargo build --bin lifeboat`")
        self.log = tempfile.NamedTemporaryFile(prefix="lifeboat-sandbox-", suffix=".log", delete=False)
        self.data = tempfile.TemporaryDirectory(prefix="lifeboat-interop-")
        self.proc = subprocess.Popen(
            [str(binary), "sandbox", "--json", "--clock", "fast", "--port", "0"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env={**os.environ, "LIFEBOAT_DATA_DIR": self.data.name},
        )
        try:
            self.info = self._read_info()
        except BaseException:
            self.stop()
            raise
        base = urlsplit(self.info["api_url"])
        if base.hostname != "127.0.0.1" or base.path != "/v1":
            self.stop()
            raise AssertionError(f"the sandbox is not on loopback: {self.info['api_url']}")
        self.port = base.port
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.transports: list[LoopbackOnly] = []

    def _read_info(self) -> dict:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], START_TIMEOUT)
        if not ready:
            raise AssertionError(f"the sandbox printed nothing in {START_TIMEOUT:.0f} s")
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError(f"the sandbox exited ({self.proc.wait()}): {self.stderr()}")
        return json.loads(line)

    def stderr(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        # A client never closes a transport it did not create.
        for transport in self.transports:
            transport.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        self.log.close()
        os.unlink(self.log.name)
        self.data.cleanup()

    def client(self, *, secret: str | None = None, client_id: str | None = None, **options) -> aura.AuraClient:
        transport = LoopbackOnly(self.port)
        self.transports.append(transport)
        return aura.AuraClient(
            client_id=client_id or self.info["client_id"],
            client_secret=secret or self.info["client_secret"],
            base_url=self.base_url,
            allow_insecure_base_url=True,
            transport=transport,
            timeout=options.pop("timeout", 30),
            **options,
        )

    def instance_id(self, name: str) -> str:
        return next(i["id"] for i in self.info["instances"] if i["name"] == name)

    # The control API (plain loopback HTTP, no proxies): faults, and the emulator's own view of the data.
    def control(self, method: str, path: str, body: dict | None = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.base_url}{path}", data=data, method=method)
        req.add_header("Content-Type", "application/json")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=10) as resp:
            return json.loads(resp.read())["data"]

    @contextlib.contextmanager
    def held(self):
        """Transitions and snapshots stay where they are inside the block (a 409 is certain, whatever the speed)."""
        self.control("POST", "/_emulator/transitions/hold")
        try:
            yield
        finally:
            self.control("POST", "/_emulator/transitions/release")

    def arm(self, **rule) -> None:
        self.control("POST", "/_emulator/faults", rule)

    def requests(self, method: str, path: str) -> list[dict]:
        return [r for r in self.control("GET", "/_emulator/requests") if r["method"] == method and r["path"] == path]

    def live_counts(self, instance_id: str) -> int:
        live = self.control("GET", "/_emulator/state")["live"]
        return next(i["counts"]["nodes"] for i in live if i["id"] == instance_id)

    def snapshot_nodes(self, snapshot_id: str) -> int:
        snapshots = self.control("GET", "/_emulator/state")["snapshots"]
        return next(s["counts"]["nodes"] for s in snapshots if s["id"] == snapshot_id)


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


class SandboxTest(unittest.TestCase):
    def setUp(self) -> None:
        self.sandbox = Sandbox()
        self.addCleanup(self.sandbox.stop)
        self.client = self.open_client()
        self.prod = self.sandbox.instance_id("Production")
        self.staging = self.sandbox.instance_id("Staging")
        self.playground = self.sandbox.instance_id("Playground")

    def open_client(self, **options) -> aura.AuraClient:
        client = self.sandbox.client(**options)
        self.addCleanup(client.close)
        return client

    def snapshots_back(self, instance_id: str, days: int) -> list[aura.Snapshot]:
        """Every snapshot of the last `days` UTC days, today included, through the SDK's list-by-date."""
        found = []
        for back in range(days + 1):
            found += self.client.snapshots.list(instance_id, date=utc_today() - dt.timedelta(days=back))
        return found

    def exportable(self, instance_id: str, days_back: int = 4) -> aura.Snapshot:
        day = utc_today() - dt.timedelta(days=days_back)
        return next(
            s
            for s in self.client.snapshots.list(instance_id, date=day)
            if s.exportable and s.status == SnapshotStatus.COMPLETED and s.profile == SnapshotProfile.SCHEDULED
        )

    def hourly(self, instance_id: str) -> aura.Snapshot:
        return next(
            s
            for s in self.snapshots_back(instance_id, 1)
            if s.exportable is False and s.status == SnapshotStatus.COMPLETED
        )

    def wait_settled(self, instance_id: str, status: InstanceStatus = InstanceStatus.RUNNING) -> aura.Instance:
        """For restores and overwrites, which end in the status they started from (see the SDK's README): wait
        until the instance has left the transition the call put it in."""
        deadline = time.monotonic() + WAIT["timeout"]
        while True:
            instance = self.client.instances.get(instance_id)
            if instance.status == status:
                return instance
            if instance.status == InstanceStatus.LOADING_FAILED or time.monotonic() > deadline:
                self.fail(f"{instance_id} is {instance.status}, not {status}")
            time.sleep(WAIT["interval"])

    def assert_instance(self, instance: aura.Instance) -> None:
        """What parsing leaves as a raw string is a value the SDK did not recognise."""
        self.assertIsInstance(instance, aura.Instance)
        self.assertIsInstance(instance.status, InstanceStatus)
        self.assertIsInstance(instance.type, InstanceType)
        self.assertIsInstance(instance.cloud_provider, CloudProvider)
        self.assertEqual(instance.created_at.utcoffset(), dt.timedelta(0))
        self.assertEqual(instance.connection_url, f"neo4j+s://{instance.id}.databases.neo4j.io")
        self.assertIsNone(instance.metrics_integration_url)

    def assert_snapshot(self, snapshot: aura.Snapshot, instance_id: str) -> None:
        self.assertIsInstance(snapshot, aura.Snapshot)
        self.assertEqual(snapshot.instance_id, instance_id)
        self.assertIsInstance(snapshot.status, SnapshotStatus)
        self.assertIsInstance(snapshot.profile, SnapshotProfile)
        self.assertIsInstance(snapshot.exportable, bool)
        self.assertEqual(snapshot.timestamp.utcoffset(), dt.timedelta(0))
        uuid.UUID(snapshot.snapshot_id)

    def config(self, name: str, **overrides) -> InstanceConfig:
        fields = {
            "name": name,
            "tenant_id": self.client.tenants.list()[0].id,
            "cloud_provider": CloudProvider.GCP,
            "region": "europe-west1",
            "type": InstanceType.PROFESSIONAL_DB,
            "version": "5",
            "memory": "2GB",
            **overrides,
        }
        return InstanceConfig(**fields)


class Tenants(SandboxTest):
    def test_list_get_and_metrics_integration(self) -> None:
        tenants = self.client.tenants.list()
        self.assertEqual([(type(t), t.name) for t in tenants], [(aura.TenantSummary, "Lifeboat Sandbox")])
        tenant = self.client.tenants.get(tenants[0].id)
        self.assertIsInstance(tenant, aura.Tenant)
        self.assertEqual(tenant.id, tenants[0].id)
        self.assertTrue(tenant.instance_configurations)
        for config in tenant.instance_configurations:
            self.assertIsInstance(config.type, InstanceType)
            self.assertIsInstance(config.cloud_provider, CloudProvider)
            self.assertEqual(config.version, "5")
            self.assertTrue(config.region_name)
        self.assertIn(InstanceType.FREE_DB, {c.type for c in tenant.instance_configurations})

        with self.assertRaises(aura.NotFoundError) as missing:
            self.client.tenants.get(str(uuid.uuid4()))
        self.assertEqual(missing.exception.details[0].reason, "tenant-not-found")
        # The sandbox serves no metrics, and says so the way Aura does for a project without them.
        with self.assertRaises(aura.BadRequestError) as metrics:
            self.client.tenants.get_metrics_integration(tenant.id)
        self.assertEqual(metrics.exception.details[0].reason, "tenant-incapable-of-action")


class Instances(SandboxTest):
    def test_list_and_get_parse_in_the_sdk_models(self) -> None:
        summaries = self.client.instances.list()
        self.assertEqual([s.name for s in summaries], ["Production", "Staging", "Playground"])
        tenant_id = summaries[0].tenant_id
        self.assertEqual(len(self.client.instances.list(tenant_id=tenant_id)), 3)
        for summary in summaries:
            self.assertIsInstance(summary, aura.InstanceSummary)
            self.assertIsInstance(summary.cloud_provider, CloudProvider)
            self.assertEqual(summary.created_at.utcoffset(), dt.timedelta(0))
            instance = self.client.instances.get(summary.id)
            self.assert_instance(instance)
            self.assertEqual((instance.id, instance.name), (summary.id, summary.name))
            self.assertEqual(instance.status, InstanceStatus.RUNNING)

        # The tier-specific fields, as the SDK documents the live API.
        free = self.client.instances.get(self.playground)
        self.assertEqual(free.type, InstanceType.FREE_DB)
        self.assertIsNone(free.storage, "storage is not returned for AuraDB Free")
        self.assertIsInstance(free.graph_nodes, int)
        self.assertIsInstance(free.graph_relationships, int)
        # The graph grows a node an hour, so the emulator's own count, read just after, may be one ahead.
        self.assertIn(self.sandbox.live_counts(self.playground) - free.graph_nodes, (0, 1))
        pro = self.client.instances.get(self.staging)
        self.assertEqual((pro.type, pro.storage, pro.graph_nodes), (InstanceType.PROFESSIONAL_DB, "4GB", None))
        self.assertIsNone(pro.cdc_enrichment_mode)
        bc = self.client.instances.get(self.prod)
        self.assertEqual(bc.type, InstanceType.BUSINESS_CRITICAL)
        self.assertEqual(bc.cdc_enrichment_mode, aura.CDCEnrichmentMode.OFF)
        self.assertIsNone(bc.secondaries_count, "secondaries_count is returned only for Virtual Dedicated Cloud")

    def test_create_rename_and_delete(self) -> None:
        with self.sandbox.held():
            created = self.client.instances.create(self.config("Interop"))
            self.assertIsInstance(created, aura.CreatedInstance)
            self.assertEqual((created.name, created.type), ("Interop", InstanceType.PROFESSIONAL_DB))
            self.assertEqual(created.username, "neo4j")
            self.assertTrue(created.password)
            self.assertNotIn(created.password, repr(created))
            # Creation is asynchronous: the instance exists, creating, before it runs.
            self.assertEqual(self.client.instances.get(created.id).status, InstanceStatus.CREATING)
        running = self.client.instances.wait_for_status(created.id, **WAIT)
        self.assert_instance(running)
        self.assertEqual(running.status, InstanceStatus.RUNNING)
        self.assertIn(created.id, [s.id for s in self.client.instances.list()])

        renamed = self.client.instances.update(created.id, name="Interop renamed")
        self.assertEqual((renamed.name, renamed.status), ("Interop renamed", InstanceStatus.RUNNING))
        self.assertEqual(self.client.instances.get(created.id).name, "Interop renamed")

        deleting = self.client.instances.delete(created.id)
        self.assert_instance(deleting)
        self.assertEqual(deleting.status, InstanceStatus.DESTROYING)
        deadline = time.monotonic() + WAIT["timeout"]
        while True:
            try:
                self.client.instances.get(created.id)
            except aura.NotFoundError:
                break
            self.assertLess(time.monotonic(), deadline, "the instance was never deleted")
            time.sleep(WAIT["interval"])
        self.assertNotIn(created.id, [s.id for s in self.client.instances.list()])
        with self.assertRaises(aura.NotFoundError):
            self.client.instances.delete(created.id)

    def test_pause_and_resume(self) -> None:
        with self.sandbox.held():
            pausing = self.client.instances.pause(self.staging)
            self.assert_instance(pausing)
            self.assertEqual(pausing.status, InstanceStatus.PAUSING)
            with self.assertRaises(aura.ConflictError) as busy:
                self.client.instances.pause(self.staging)
            self.assertEqual(busy.exception.status_code, 409)
            self.assertEqual(busy.exception.details[0].reason, "ongoing-database-operation")
        paused = self.client.instances.wait_for_status(self.staging, status=InstanceStatus.PAUSED, **WAIT)
        self.assertEqual(paused.status, InstanceStatus.PAUSED)

        with self.sandbox.held():
            resuming = self.client.instances.resume(self.staging)
            self.assertEqual(resuming.status, InstanceStatus.RESUMING)
            with self.assertRaises(aura.ConflictError):
                self.client.instances.resume(self.staging)
        self.assertEqual(self.client.instances.wait_for_status(self.staging, **WAIT).status, InstanceStatus.RUNNING)


class Snapshots(SandboxTest):
    def test_list_by_date_and_get(self) -> None:
        # The API defaults to today. A scheduled snapshot may appear between the two calls, never disappear.
        default = [s.snapshot_id for s in self.client.snapshots.list(self.prod)]
        today = [s.snapshot_id for s in self.client.snapshots.list(self.prod, date=utc_today())]
        self.assertEqual(today[: len(default)], default)
        # Whole past days: every one holds Production's hourlies.
        for back in range(1, 4):
            day = utc_today() - dt.timedelta(days=back)
            listed = self.client.snapshots.list(self.prod, date=day)
            self.assertTrue(listed, f"Production has snapshots on {day}")
            self.assertEqual([s.timestamp.date() for s in listed], [day] * len(listed))
            self.assertEqual(listed, sorted(listed, key=lambda s: s.timestamp))
            for snapshot in listed:
                self.assert_snapshot(snapshot, self.prod)
        week = self.snapshots_back(self.prod, 7)
        self.assertTrue(any(s.profile == SnapshotProfile.SCHEDULED and s.exportable for s in week), "dailies")
        self.assertTrue(any(s.profile == SnapshotProfile.SCHEDULED and not s.exportable for s in week), "hourlies")
        self.assertTrue(any(s.profile == SnapshotProfile.AD_HOC for s in week), "on-demand")
        self.assertEqual([s.status for s in week].count(SnapshotStatus.FAILED), 1)

        one = week[len(week) // 2]
        self.assertEqual(self.client.snapshots.get(self.prod, one.snapshot_id), one)
        with self.assertRaises(aura.NotFoundError) as missing:
            self.client.snapshots.get(self.prod, str(uuid.uuid4()))
        self.assertEqual(missing.exception.details[0].reason, "snapshot-not-found")
        with self.assertRaises(aura.NotFoundError):
            self.client.snapshots.list("deadbeef")

    def test_create_and_wait_for_completion(self) -> None:
        with self.sandbox.held():
            started = self.client.snapshots.create(self.staging)
            self.assertIsInstance(started, aura.CreatedSnapshot)
            # Asynchronous: the snapshot exists, pending, before it is taken.
            pending = self.client.snapshots.get(self.staging, started.snapshot_id)
            self.assertEqual(pending.status, SnapshotStatus.PENDING)
        snapshot = self.client.snapshots.wait_for_completion(self.staging, started.snapshot_id, **WAIT)
        self.assert_snapshot(snapshot, self.staging)
        self.assertEqual((snapshot.status, snapshot.profile), (SnapshotStatus.COMPLETED, SnapshotProfile.AD_HOC))
        self.assertIs(snapshot.exportable, True)
        self.assertIn(snapshot, self.client.snapshots.list(self.staging))

    def test_a_failed_snapshot_ends_the_wait(self) -> None:
        self.sandbox.control("POST", "/_emulator/transitions/fail-next")
        started = self.client.snapshots.create(self.staging)
        with self.assertRaises(aura.OperationFailedError) as failed:
            self.client.snapshots.wait_for_completion(self.staging, started.snapshot_id, **WAIT)
        self.assertEqual(failed.exception.resource.status, SnapshotStatus.FAILED)

    def test_restore_in_place(self) -> None:
        # Playground is a Free instance, whose node count the API itself reports: the restore is visible there.
        before = self.client.instances.get(self.playground).graph_nodes
        (snapshot,) = self.snapshots_back(self.playground, 4)
        expected = self.sandbox.snapshot_nodes(snapshot.snapshot_id)
        self.assertLess(expected, before, "the graph grew since the snapshot")
        with self.sandbox.held():
            restoring = self.client.snapshots.restore(self.playground, snapshot.snapshot_id)
            self.assert_instance(restoring)
            self.assertEqual((restoring.id, restoring.status), (self.playground, InstanceStatus.RESTORING))
            with self.assertRaises(aura.ConflictError):
                self.client.snapshots.restore(self.playground, snapshot.snapshot_id)
        self.assertEqual(self.wait_settled(self.playground).graph_nodes, expected)

        # Any completed snapshot within the window can be restored in place, hourly ones too.
        hourly = self.hourly(self.prod)
        self.assertEqual(self.client.snapshots.restore(self.prod, hourly.snapshot_id).status, InstanceStatus.RESTORING)
        self.wait_settled(self.prod)

    def test_a_failed_restore_ends_the_wait(self) -> None:
        self.sandbox.control("POST", "/_emulator/transitions/fail-next")
        self.client.snapshots.restore(self.staging, self.exportable(self.staging).snapshot_id)
        with self.assertRaises(aura.OperationFailedError) as failed:
            self.client.instances.wait_for_status(self.staging, **WAIT)
        self.assertEqual(failed.exception.resource.status, InstanceStatus.LOADING_FAILED)


class Overwrite(SandboxTest):
    def test_from_a_snapshot_alone(self) -> None:
        """`overwrite_from_snapshot` sends only `source_snapshot_id`: a snapshot of the instance being overwritten."""
        before = self.client.instances.get(self.playground).graph_nodes
        (snapshot,) = self.snapshots_back(self.playground, 4)
        self.assertTrue(snapshot.exportable)
        expected = self.sandbox.snapshot_nodes(snapshot.snapshot_id)
        self.assertLess(expected, before)
        overwriting = self.client.instances.overwrite_from_snapshot(
            self.playground, source_snapshot_id=snapshot.snapshot_id
        )
        self.assert_instance(overwriting)
        self.assertEqual((overwriting.id, overwriting.status), (self.playground, InstanceStatus.OVERWRITING))
        (sent,) = self.sandbox.requests("POST", f"/v1/instances/{self.playground}/overwrite")
        self.assertEqual(sent["status"], 202)
        self.assertEqual(self.wait_settled(self.playground).graph_nodes, expected)

    def test_from_a_snapshot_alone_refuses_what_it_cannot_use(self) -> None:
        hourly = self.hourly(self.prod)
        with self.assertRaises(aura.BadRequestError) as refused:
            self.client.instances.overwrite_from_snapshot(self.prod, source_snapshot_id=hourly.snapshot_id)
        not_exportable = f"Source snapshot {hourly.snapshot_id} is not exportable"
        self.assertEqual(refused.exception.details[0].message, not_exportable)
        # Documented: NotFoundError when the instance or the snapshot doesn't exist. Another instance's snapshot is
        # not one of this instance's.
        theirs = self.exportable(self.staging).snapshot_id
        with self.assertRaises(aura.NotFoundError) as elsewhere:
            self.client.instances.overwrite_from_snapshot(self.prod, source_snapshot_id=theirs)
        self.assertEqual(elsewhere.exception.details[0].field, "source_snapshot_id")
        with self.assertRaises(aura.NotFoundError):
            self.client.instances.overwrite_from_snapshot("deadbeef", source_snapshot_id=hourly.snapshot_id)
        self.assertEqual(self.client.instances.get(self.prod).status, InstanceStatus.RUNNING, "nothing was changed")

    def test_from_another_instance(self) -> None:
        source_nodes = self.sandbox.live_counts(self.staging)
        with self.sandbox.held():
            overwriting = self.client.instances.overwrite_from_instance(
                self.playground, source_instance_id=self.staging
            )
            self.assertEqual(overwriting.status, InstanceStatus.OVERWRITING)
            with self.assertRaises(aura.ConflictError):
                self.client.instances.overwrite_from_instance(self.playground, source_instance_id=self.staging)
        # Staging grows slowly while running (12 nodes an hour): allow a little.
        self.assertLessEqual(abs(self.wait_settled(self.playground).graph_nodes - source_nodes), 2)
        with self.assertRaises(aura.NotFoundError):
            self.client.instances.overwrite_from_instance(self.playground, source_instance_id="deadbeef")


class CreateFromSnapshot(SandboxTest):
    def test_from_an_exportable_snapshot(self) -> None:
        daily = self.exportable(self.prod)
        created = self.client.instances.create_from_snapshot(
            self.config("From daily"), source_instance_id=self.prod, source_snapshot_id=daily.snapshot_id
        )
        self.assertIsInstance(created, aura.CreatedInstance)
        running = self.client.instances.wait_for_status(created.id, **WAIT)
        self.assertEqual((running.name, running.status), ("From daily", InstanceStatus.RUNNING))
        self.assertEqual(self.sandbox.live_counts(created.id), self.sandbox.snapshot_nodes(daily.snapshot_id))

    def test_a_non_exportable_snapshot_is_refused(self) -> None:
        hourly = self.hourly(self.prod)
        with self.assertRaises(aura.BadRequestError) as refused:
            self.client.instances.create_from_snapshot(
                self.config("From hourly"), source_instance_id=self.prod, source_snapshot_id=hourly.snapshot_id
            )
        not_exportable = f"Source snapshot {hourly.snapshot_id} is not exportable"
        self.assertEqual(refused.exception.details[0].message, not_exportable)
        with self.assertRaises(aura.NotFoundError):
            self.client.instances.create_from_snapshot(
                self.config("From nothing"), source_instance_id=self.prod, source_snapshot_id=str(uuid.uuid4())
            )
        self.assertEqual(len(self.client.instances.list()), 3, "nothing was created")

    def test_clone_from_an_instance(self) -> None:
        created = self.client.instances.create_from_instance(self.config("Clone"), source_instance_id=self.staging)
        self.assertEqual(self.client.instances.wait_for_status(created.id, **WAIT).status, InstanceStatus.RUNNING)


class Errors(SandboxTest):
    def test_not_found(self) -> None:
        with self.assertRaises(aura.NotFoundError) as missing:
            self.client.instances.get("deadbeef")
        err = missing.exception
        self.assertEqual((err.status_code, err.is_not_found), (404, True))
        self.assertEqual((err.details[0].reason, err.details[0].message), ("db-not-found", "DB not found: deadbeef"))
        self.assertTrue(err.request_id, "every answer carries X-Request-Id")

    def test_a_wrong_secret_or_client_id_is_an_authentication_error(self) -> None:
        for options in ({"secret": "not-the-secret"}, {"client_id": "not-the-client"}):
            with self.subTest(**options), self.assertRaises(aura.AuthenticationError) as rejected:
                self.open_client(**options).instances.list()
            self.assertEqual((rejected.exception.status_code, rejected.exception.is_unauthorized), (401, True))
        self.assertEqual(len(self.client.instances.list()), 3)

    def test_an_expired_token_is_a_403(self) -> None:
        """Aura documents 403 for an expired token; the SDK refreshes only after a 401, so it reports
        PermissionDeniedError. The emulator keeps the documented status (see its module docs)."""
        self.client.instances.list()
        self.sandbox.control("POST", "/_emulator/tokens/expire")
        with self.assertRaises(aura.PermissionDeniedError) as expired:
            self.client.instances.list()
        self.assertEqual(expired.exception.details[0].reason, "token-expired")
        self.assertEqual(len(self.open_client().instances.list()), 3, "a new token works")

    def test_retries_follow_the_sdk_rules(self) -> None:
        path = f"/v1/instances/{self.staging}"
        self.sandbox.control("DELETE", "/_emulator/requests")
        # A 503 on a GET is retried after Retry-After.
        self.sandbox.arm(route=f"GET {path}", status=503, retry_after=1)
        self.assertEqual(self.client.instances.get(self.staging).status, InstanceStatus.RUNNING)
        self.assertEqual([r["status"] for r in self.sandbox.requests("GET", path)], [503, 200])
        # A POST is never re-sent: the 503 is the answer.
        self.sandbox.arm(route=f"POST {path}/pause", status=503)
        with self.assertRaises(aura.ServerError):
            self.client.instances.pause(self.staging)
        self.assertEqual([r["status"] for r in self.sandbox.requests("POST", f"{path}/pause")], [503])
        self.assertEqual(self.client.instances.get(self.staging).status, InstanceStatus.RUNNING)
        # A 429 carries the server's Retry-After.
        self.sandbox.arm(route=f"POST {path}/snapshots", status=429, retry_after=7)
        with self.assertRaises(aura.RateLimitError) as limited:
            self.client.snapshots.create(self.staging)
        self.assertEqual(limited.exception.retry_after, 7.0)
        self.assertEqual(len(self.sandbox.requests("POST", f"{path}/snapshots")), 1)


class Counting(unittest.TextTestResult):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.passed = 0

    def addSuccess(self, test) -> None:  # noqa: N802 - unittest's name
        super().addSuccess(test)
        self.passed += 1


def main() -> int:
    if aura.__version__ != SDK_VERSION:
        print(f"aura-python-sdk {aura.__version__} is installed; this test was checked against {SDK_VERSION}")
        print("interop-sdk: 0 passed, 1 failed")
        return 1
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=2, resultclass=Counting, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    print(f"interop-sdk: {result.passed} passed, {failed} failed")
    return 0 if failed == 0 and result.passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
