/**
 * Runs a command as a child process and collects its output, for tests that
 * start plastrond (or its compiled binary) with exact flags.
 *
 * @module
 */
import { waitFor } from "./broker_env.ts";

/** A running child whose stdout and stderr are collected. */
export class ChildRun {
  readonly child: Deno.ChildProcess;
  readonly exited: Promise<Deno.CommandStatus>;
  #output = "";
  #done = false;

  /** Start `command` with `args` in `cwd`. */
  constructor(command: string, args: string[], cwd?: string, env?: Record<string, string>) {
    this.child = new Deno.Command(command, {
      args,
      cwd,
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const decoder = () => new TextDecoder();
    const pumps = [this.child.stdout, this.child.stderr].map(async (stream) => {
      const d = decoder();
      for await (const chunk of stream) this.#output += d.decode(chunk, { stream: true });
    });
    this.exited = Promise.all([this.child.status, ...pumps]).then(([status]) => {
      this.#done = true;
      return status;
    });
  }

  /** Everything printed so far. */
  get output(): string {
    return this.#output;
  }

  /** Wait until the output matches `pattern`; fails if the child exits first. */
  async waitForOutput(pattern: RegExp, timeoutMs = 30_000): Promise<void> {
    await waitFor(
      () => pattern.test(this.#output) || this.#done,
      timeoutMs,
      `output ${pattern}\n--- output ---\n${this.#output}`,
    );
    if (!pattern.test(this.#output)) {
      throw new Error(`the process exited before printing ${pattern}:\n${this.#output}`);
    }
  }

  /** Send `signal` (if still running) and wait for the exit status. */
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<Deno.CommandStatus> {
    if (!this.#done) {
      try {
        this.child.kill(signal);
      } catch { /* already gone */ }
    }
    return await this.exited;
  }
}
