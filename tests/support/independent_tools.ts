/**
 * Independent checkers for what the export writes, none written by this
 * project: `unzip` (Info-ZIP), the Library of Congress `bagit` package and
 * `rdflib` from PyPI, in a throw-away virtual environment under
 * `.testbed/venv-bagit` that is created on first use.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const VENV = join(ROOT, ".testbed", "venv-bagit");
const PYTHON = join(VENV, "bin", "python");

/** The result of running an outside tool. */
export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(cmd: string, args: string[], cwd?: string): Promise<ToolResult> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

let venvReady: Promise<void> | undefined;

/** Make sure the venv with `bagit` and `rdflib` exists (creates it when missing). */
export function ensureVenv(): Promise<void> {
  venvReady ??= (async () => {
    const check = await run(PYTHON, ["-c", "import bagit, rdflib"]).catch(() => undefined);
    if (check?.code === 0) return;
    const made = await run("python3", ["-m", "venv", VENV]);
    if (made.code !== 0) throw new Error(`python3 -m venv failed: ${made.stderr}`);
    const pip = await run(join(VENV, "bin", "pip"), ["install", "-q", "bagit", "rdflib"]);
    if (pip.code !== 0) throw new Error(`pip install bagit rdflib failed: ${pip.stderr}`);
  })();
  return venvReady;
}

/** `unzip -t` on a ZIP file. */
export function unzipTest(zipPath: string): Promise<ToolResult> {
  return run("unzip", ["-t", zipPath]);
}

/** Extract a ZIP into a fresh temporary folder and return the folder. */
export async function extractZip(zipPath: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "plastrond-unzip-" });
  const out = await run("unzip", ["-q", zipPath, "-d", dir]);
  if (out.code !== 0) throw new Error(`unzip failed: ${out.stderr}${out.stdout}`);
  return dir;
}

/** Validate a bag folder with the PyPI `bagit` package (fast=false: every checksum). */
export async function validateBag(bagDir: string): Promise<ToolResult> {
  await ensureVenv();
  const script = [
    "import sys, bagit",
    "bag = bagit.Bag(sys.argv[1])",
    "bag.validate(processes=1)",
    "print('VALID', bag.info.get('Payload-Oxum'), bag.version)",
  ].join("\n");
  return run(PYTHON, ["-c", script, bagDir]);
}

/** Parse a Turtle file with rdflib; stdout is the number of triples. */
export async function parseTurtle(path: string): Promise<ToolResult> {
  await ensureVenv();
  const script = [
    "import sys, rdflib",
    "g = rdflib.Graph()",
    "g.parse(sys.argv[1], format='turtle')",
    "print(len(g))",
  ].join("\n");
  return run(PYTHON, ["-c", script, path]);
}

/** Read a ZIP's entries with Python's zipfile: name, size and mtime (Unix seconds, local). */
export async function listZip(
  zipPath: string,
): Promise<{ name: string; size: number; mtime: number[] }[]> {
  await ensureVenv();
  const script = [
    "import sys, json, zipfile",
    "z = zipfile.ZipFile(sys.argv[1])",
    "print(json.dumps([{'name': i.filename, 'size': i.file_size, 'mtime': list(i.date_time)} for i in z.infolist()]))",
  ].join("\n");
  const out = await run(PYTHON, ["-c", script, zipPath]);
  if (out.code !== 0) throw new Error(`zipfile failed: ${out.stderr}`);
  return JSON.parse(out.stdout);
}

/**
 * Parse two RDF files with rdflib (formats as rdflib names them: `turtle`,
 * `nt`, `json-ld`); stdout is `<triples of a> <triples of b> <isomorphic: True|False>`.
 */
export async function compareRdf(
  a: string,
  formatA: string,
  b: string,
  formatB: string,
): Promise<ToolResult> {
  await ensureVenv();
  const script = [
    "import sys, rdflib",
    "from rdflib.compare import isomorphic",
    "ga = rdflib.Graph().parse(sys.argv[1], format=sys.argv[2])",
    "gb = rdflib.Graph().parse(sys.argv[3], format=sys.argv[4])",
    "print(len(ga), len(gb), isomorphic(ga, gb))",
  ].join("\n");
  return run(PYTHON, ["-c", script, a, formatA, b, formatB]);
}
