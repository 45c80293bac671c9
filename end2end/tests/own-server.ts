import { ChildProcess, execFileSync, spawn } from "node:child_process";
import * as path from "node:path";
import { expect } from "@playwright/test";
import { serverBinary } from "../playwright.config";

/** A second server of our own on its own database, so the test can stop and start it. */
export class OwnServer {
  process?: ChildProcess;
  constructor(
    readonly database: string,
    readonly port: number,
  ) {}

  get base() {
    return `http://127.0.0.1:${this.port}`;
  }

  run(args: string[]) {
    return execFileSync(serverBinary, ["--database", this.database, ...args], { encoding: "utf8" });
  }

  async start() {
    const root = path.resolve(__dirname, "../..");
    this.process = spawn(
      serverBinary,
      ["--listen", `127.0.0.1:${this.port}`, "--database", this.database, "--site-root", `${root}/target/site`, "--log-level", "warn"],
      { stdio: "ignore" },
    );
    await expect
      .poll(async () => fetch(`${this.base}/healthz`).then((r) => r.status).catch(() => 0), { timeout: 20_000 })
      .toBe(200);
  }

  /** SIGTERM, as a service manager stops it; resolves with the exit code. */
  async stop() {
    const exited = new Promise<number | null>((resolve) => this.process!.once("exit", (code) => resolve(code)));
    this.process!.kill("SIGTERM");
    return exited;
  }
}
