/**
 * docker-compose.yml, the Dockerfile and the configurations they use agree
 * with each other and with the daemon's configuration schema: each selectable
 * config loads (with the environment compose gives the container) without a
 * warning, its directories are volumes, its key files are the service's
 * secrets, its broker and repository are services of the file, its HTTP
 * listener is what the image's health check asks, and its permission set is
 * fully scoped. (No Docker engine runs here; see scripts/lint-docker.sh for
 * the linters.)
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { loadConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/types.ts";
import { permissionsFor } from "../../src/permissions/scope.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface Service {
  build?: { args?: Record<string, string> };
  environment?: Record<string, string>;
  configs?: { source: string; target: string }[];
  secrets?: { source: string; uid?: string; mode?: number }[];
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, unknown>;
  stop_grace_period?: string;
}

interface Compose {
  services: Record<string, Service>;
  configs: Record<string, { file: string }>;
  secrets: Record<string, { file?: string; external?: boolean }>;
}

const compose = parse(await Deno.readTextFile(join(ROOT, "docker-compose.yml"))) as Compose;
const dockerfile = await Deno.readTextFile(join(ROOT, "Dockerfile"));
const plastrond = compose.services.plastrond;

/** Compose's `${NAME:-default}` interpolation, with nothing set in the shell. */
function interpolate(value: string): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (_, _name, fallback) => {
    if (fallback === undefined) throw new Error(`${value}: no default in docker-compose.yml`);
    return fallback;
  });
}

/** The container's environment as compose sets it. */
function containerEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(plastrond.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]),
  );
}

const CONFIGS = ["docker/plastrond.yml", "docker/plastrond-clientcert.yml"];

async function load(file: string): Promise<Config> {
  return await loadConfig(join(ROOT, file), containerEnv());
}

Deno.test("the compose file mounts the config it builds the image for at /etc/plastrond.yml", () => {
  const source = plastrond.configs?.find((c) => c.target === "/etc/plastrond.yml")?.source;
  assert(source, "a config mounted at /etc/plastrond.yml");
  assertEquals(interpolate(compose.configs[source].file), "docker/plastrond.yml");
  assertEquals(interpolate(plastrond.build?.args?.PLASTROND_CONFIG ?? ""), "docker/plastrond.yml");
  assert(
    /^CMD \["-c", "\/etc\/plastrond.yml"\]$/m.test(dockerfile),
    "the image runs -c /etc/plastrond.yml",
  );
  assert(/^ARG PLASTROND_CONFIG=docker\/plastrond.yml$/m.test(dockerfile));
});

for (const file of CONFIGS) {
  Deno.test(`${file} loads without warnings with the container's environment`, async () => {
    const config = await load(file);
    assertEquals(config.warnings, []);
    for (const name of config.envVars) {
      assert(name in containerEnv(), `${name} is set by docker-compose.yml`);
    }
  });

  Deno.test(`${file}: directories are volumes, key files are secrets, services exist`, async () => {
    const config = await load(file);
    const mounts = (plastrond.volumes ?? []).map((v) => v.split(":")[1]);
    const imageVolumes = JSON.parse(/^VOLUME (\[.*\])$/m.exec(dockerfile)?.[1] ?? "[]");
    for (
      const dir of [
        config.broker.messageStoreDir,
        config.commands.import.jobsDir,
        config.repository.logDir,
        config.commands.export.outputRoot,
      ]
    ) {
      assert(dir && mounts.includes(dir), `${dir} is a volume of the plastrond service`);
      assert(imageVolumes.includes(dir), `${dir} is a VOLUME of the image`);
    }
    assert(
      config.commands.import.binariesRoot &&
        dockerfile.includes(config.commands.import.binariesRoot),
      "the image creates BINARIES_ROOT",
    );

    const secretNames = (plastrond.secrets ?? []).map((s) => s.source);
    const keyFiles = [
      config.repository.clientCert,
      config.repository.clientKey,
      config.repository.serverCert,
      config.commands.export.sshPrivateKey,
      config.commands.import.sshPrivateKey,
    ].filter((f): f is string => f !== undefined);
    for (const path of keyFiles) {
      const match = /^\/run\/secrets\/(.+)$/.exec(path);
      assert(match, `${path} is a Docker secret`);
      assert(secretNames.includes(match[1]), `${match[1]} is a secret of the plastrond service`);
      assert(compose.secrets[match[1]], `${match[1]} is declared`);
    }
    for (const secret of plastrond.secrets ?? []) {
      assertEquals(secret.uid, "10001", `${secret.source} is readable by the image's user`);
    }

    const broker = config.broker.address;
    assert(broker.transport === "tcp");
    assert(broker.host in compose.services, `${broker.host} is a service`);
    assert(
      (compose.services[broker.host].ports ?? []).some((p) => p.endsWith(`:${broker.port}`)),
      `${broker.host} publishes ${broker.port}`,
    );
    assert(broker.host in (plastrond.depends_on ?? {}));
    const repositoryHost = new URL(config.repository.restEndpoint).hostname;
    if (file === "docker/plastrond.yml") {
      assert(repositoryHost in compose.services, `${repositoryHost} is a service`);
      assert(repositoryHost in (plastrond.depends_on ?? {}));
    }
  });

  Deno.test(`${file}: the health check asks its HTTP listener; permissions fully scoped`, async () => {
    const config = await load(file);
    const port = Number(/^ARG HEALTH_PORT=(\d+)$/m.exec(dockerfile)?.[1]);
    assertEquals(config.daemon.http, { host: "127.0.0.1", port });
    assert(/^HEALTHCHECK .*\n?.*\/healthz/m.test(dockerfile), "HEALTHCHECK asks /healthz");
    const set = permissionsFor(config, { tempDir: "/tmp" });
    assertEquals(set.unscoped, []);
    assert(Array.isArray(set.net) && !set.net.some((h) => h.startsWith("127.0.0.1:616")));
    // The grace period docker gives on stop covers the daemon's own.
    const grace = Number(/^(\d+)s$/.exec(plastrond.stop_grace_period ?? "")?.[1]);
    assert(grace > config.daemon.shutdownGraceSeconds, `${grace}s > shutdown grace`);
  });
}

Deno.test("the image runs as a non-root user from a two-stage build", () => {
  const stages = dockerfile.match(/^FROM /gm) ?? [];
  assertEquals(stages.length, 2);
  const user = /^USER (\S+)$/m.exec(dockerfile)?.[1];
  assert(user && !/^(root|0)(:|$)/.test(user), `USER ${user}`);
  assert(!/--allow-all|\s-A\s/.test(dockerfile), "no --allow-all in the image");
});
