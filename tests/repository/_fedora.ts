/**
 * Test support for the repository client: the real Fedora of the test bed,
 * and a fresh container per test so tests never see each other's resources.
 *
 * @module
 */
import type { RepositoryConfig } from "../../src/config/types.ts";
import { RepositoryClient, type RepositoryClientOptions } from "../../src/repository/client.ts";
import { testbedEnv } from "../support/testbed_env.ts";

/** The configuration of the test bed's Fedora (fails clearly when the test bed is down). */
export function fedoraConfig(overrides: Partial<RepositoryConfig> = {}): RepositoryConfig {
  return {
    restEndpoint: testbedEnv("PLASTROND_TEST_FEDORA"),
    relpath: "/",
    fedoraUser: testbedEnv("PLASTROND_TEST_FEDORA_USER"),
    fedoraPassword: testbedEnv("PLASTROND_TEST_FEDORA_PASSWORD"),
    ...overrides,
  };
}

/** A client of the test bed's Fedora whose base container is new and empty. */
export async function freshClient(
  options: RepositoryClientOptions = {},
  overrides: Partial<RepositoryConfig> = {},
): Promise<RepositoryClient> {
  const relpath = `/plastrond-test/${crypto.randomUUID()}`;
  const client = await RepositoryClient.create(fedoraConfig({ relpath, ...overrides }), options);
  await client.ensureContainer(`${client.endpoint}/plastrond-test`);
  await client.ensureContainer(client.baseContainer);
  return client;
}

/** The fixtures folder (`tests/fixtures/`), as a URL ending in `/`. */
export const FIXTURES = new URL("../fixtures/", import.meta.url);

/** Which transaction protocol (and so which Fedora generation) the test bed's Fedora speaks. */
export async function fedoraStyle(repo: RepositoryClient): Promise<"fedora6" | "fedora4"> {
  const bound = await repo.beginTransaction({ keepAliveMs: 3_600_000 });
  const tx = bound.transactionInUse!;
  await tx.rollback();
  return tx.style;
}
