/**
 * The operator's HTTP listener of a daemon running as a child process
 * against the real RabbitMQ and Fedora of the test bed. The broker outage is
 * injected with a TCP proxy between the daemon and RabbitMQ (so the shared
 * broker keeps serving other tests): the proxy refuses and cuts every
 * connection, which is what the daemon sees of a stopped broker.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { waitFor } from "../helpers/broker_env.ts";
import { DaemonProcess, writeTestConfig } from "../helpers/daemon_process.ts";
import { JobClient } from "../helpers/job_client.ts";
import { TcpProxy } from "../helpers/tcp_proxy.ts";
import { hostPort, testbedEnv } from "../support/testbed_env.ts";

async function get(url: string): Promise<{ status: number; type: string; text: string }> {
  const response = await fetch(url);
  return {
    status: response.status,
    type: response.headers.get("content-type") ?? "",
    text: await response.text(),
  };
}

/** The value of an unlabelled (or exactly labelled) sample in a metrics text. */
function sample(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no sample ${name} in:\n${text}`);
  return Number(line.slice(name.length + 1));
}

async function listenerUrl(daemon: DaemonProcess): Promise<string> {
  await daemon.waitForLog(/HTTP listener on (http:\/\/\S+)/);
  return /HTTP listener on (http:\/\/\S+)/.exec(daemon.output)![1];
}

Deno.test("/healthz, /metrics and /jobs report a job that ran", async () => {
  const server = testbedEnv("PLASTROND_TEST_RABBITMQ_TCP");
  const config = await writeTestConfig(server, { daemon: { HTTP: { PORT: 0 } } });
  const daemon = await DaemonProcess.start(config.path);
  const client = await JobClient.open(server, config.destinations);
  try {
    const base = await listenerUrl(daemon);
    assert(base.startsWith("http://127.0.0.1:"), `bound to 127.0.0.1 by default: ${base}`);

    const health = await get(`${base}/healthz`);
    assertEquals(health.status, 200, health.text);
    const healthBody = JSON.parse(health.text);
    assertEquals(healthBody.broker.connected, true);
    assertEquals(healthBody.repository.ok, true);

    const before = await get(`${base}/metrics`);
    assertEquals(before.status, 200);
    assert(before.type.startsWith("text/plain; version=0.0.4"), before.type);
    assertEquals(sample(before.text, "plastrond_jobs_done_total"), 0);
    assertEquals(sample(before.text, "plastrond_broker_connected"), 1);
    // The /healthz ping went to the repository through the client's HTTP layer.
    assert(sample(before.text, "plastrond_repository_request_duration_seconds_count") >= 1);

    const jobId = `http://localhost/jobs/ops-${crypto.randomUUID()}`;
    await client.send(
      { PlastronCommand: "echo", PlastronJobId: jobId, "PlastronArg-echo-delay": "2" },
      "metrics",
    );
    await waitFor(() => /running echo/.test(daemon.output), 10_000, "the job to start");
    const running = JSON.parse((await get(`${base}/jobs/${encodeURIComponent(jobId)}`)).text);
    assertEquals(running.state, "running");
    const during = await get(`${base}/metrics`);
    assertEquals(sample(during.text, "plastrond_jobs_running"), 1);

    const completion = await client.completion(jobId);
    assertEquals(completion.headers.PlastronJobStatus, "Done");
    const after = await get(`${base}/metrics`);
    assertEquals(sample(after.text, "plastrond_jobs_received_total"), 1);
    assertEquals(sample(after.text, "plastrond_jobs_done_total"), 1);
    assertEquals(sample(after.text, "plastrond_jobs_failed_total"), 0);
    assertEquals(sample(after.text, "plastrond_jobs_running"), 0);
    assertEquals(sample(after.text, 'plastrond_items_processed_total{command="echo"}'), 0);

    const one = await get(`${base}/jobs/${encodeURIComponent(jobId)}`);
    assertEquals(one.status, 200);
    const job = JSON.parse(one.text);
    assertEquals([job.jobId, job.state, job.jobState], [jobId, "Done", "echo_complete"]);
    assertEquals(job.result.echo, "metrics");
    const list = JSON.parse((await get(`${base}/jobs`)).text);
    assertEquals(list.jobs.map((j: { jobId: string }) => j.jobId), [jobId]);

    const failingId = `http://localhost/jobs/ops-bad-${crypto.randomUUID()}`;
    await client.send({ PlastronCommand: "no-such-command", PlastronJobId: failingId });
    await client.completion(failingId);
    const failed = JSON.parse((await get(`${base}/jobs/${encodeURIComponent(failingId)}`)).text);
    assertEquals(failed.state, "Error");
    assert(/no-such-command/.test(failed.lastError), failed.lastError);
    assertEquals(sample((await get(`${base}/metrics`)).text, "plastrond_jobs_error_total"), 1);

    assertEquals((await get(`${base}/jobs/${encodeURIComponent("http://x/unknown")}`)).status, 404);
    assertEquals((await get(`${base}/nothing`)).status, 404);
    assertEquals((await get(`${base}/jobs?limit=-1`)).status, 400);
    const post = await fetch(`${base}/metrics`, { method: "POST" });
    await post.body?.cancel();
    assertEquals(post.status, 405);
  } finally {
    await client.close();
    assertEquals((await daemon.stop()).code, 0, daemon.output);
    await Deno.remove(config.dir, { recursive: true });
  }
});

Deno.test("/healthz turns unhealthy within seconds of losing the broker, healthy after reconnect", async () => {
  const proxy = TcpProxy.start(hostPort(testbedEnv("PLASTROND_TEST_RABBITMQ_TCP")));
  const config = await writeTestConfig(`127.0.0.1:${proxy.port}`, {
    daemon: { HTTP: { HOST: "127.0.0.1", PORT: 0 } },
  });
  const daemon = await DaemonProcess.start(config.path);
  try {
    const base = await listenerUrl(daemon);
    assertEquals((await get(`${base}/healthz`)).status, 200);

    proxy.refuse = true;
    proxy.cut();
    const lost = Date.now();
    let health = await get(`${base}/healthz`);
    while (health.status === 200 && Date.now() - lost < 15_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      health = await get(`${base}/healthz`);
    }
    const unhealthyMs = Date.now() - lost;
    assertEquals(health.status, 503, health.text);
    assertEquals(JSON.parse(health.text).broker.connected, false);
    assertEquals(JSON.parse(health.text).repository.ok, true);
    assert(unhealthyMs < 5000, `unhealthy after ${unhealthyMs} ms`);
    const down = await get(`${base}/metrics`);
    assertEquals(sample(down.text, "plastrond_broker_connected"), 0);

    proxy.refuse = false;
    const back = Date.now();
    await waitFor(() => proxy.open > 0, 60_000, "the daemon to reconnect through the proxy");
    health = await get(`${base}/healthz`);
    while (health.status !== 200 && Date.now() - back < 60_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      health = await get(`${base}/healthz`);
    }
    assertEquals(health.status, 200, health.text);
    const metrics = await get(`${base}/metrics`);
    assert(sample(metrics.text, "plastrond_broker_reconnects_total") >= 1, metrics.text);
    console.log(
      `healthz: unhealthy ${unhealthyMs} ms after the broker went away; ` +
        `healthy ${Date.now() - back} ms after it came back`,
    );
  } finally {
    assertEquals((await daemon.stop()).code, 0, daemon.output);
    await proxy.close();
    await Deno.remove(config.dir, { recursive: true });
  }
});

Deno.test("without DAEMON.HTTP nothing listens", async () => {
  const server = testbedEnv("PLASTROND_TEST_RABBITMQ_TCP");
  const config = await writeTestConfig(server);
  const daemon = await DaemonProcess.start(config.path);
  try {
    assert(!/HTTP listener/.test(daemon.output), daemon.output);
  } finally {
    assertEquals((await daemon.stop()).code, 0, daemon.output);
    await Deno.remove(config.dir, { recursive: true });
  }
});
