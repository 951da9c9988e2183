import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { LambdaErrors } from "./errors.js";

/**
 * The runtimes rekognito runs, by family, and how: the Node.js ones on the server's own node
 * (rekognito's runtime, runtime/bootstrap.mjs), the Python ones on the machine's python3 (through
 * runtime/python/bootstrap.py, speaking the Runtime API), the OS-only ones by starting the
 * package's own `bootstrap` (which speaks the Runtime API itself). Whatever version a function
 * declares, it runs on what this machine has, as the README says.
 */
export const NODE_RUNTIMES = ["nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x"] as const;
export const PYTHON_RUNTIMES = ["python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14"] as const;
export const PROVIDED_RUNTIMES = ["provided.al2023", "provided.al2"] as const;
export const SUPPORTED_RUNTIMES = [...NODE_RUNTIMES, ...PYTHON_RUNTIMES, ...PROVIDED_RUNTIMES] as const;

export type RuntimeFamily = "nodejs" | "python" | "provided";

export function familyOf(runtime: string): RuntimeFamily | undefined {
  if ((NODE_RUNTIMES as readonly string[]).includes(runtime)) return "nodejs";
  if ((PYTHON_RUNTIMES as readonly string[]).includes(runtime)) return "python";
  if ((PROVIDED_RUNTIMES as readonly string[]).includes(runtime)) return "provided";
  return undefined;
}

/** What AWS recommends instead of a runtime it has deprecated for creating functions. */
const DEPRECATED: [RegExp, string][] = [
  [/^nodejs(\d+\.(?:x|\d+)(?:-edge)?)?$/, "nodejs22.x"],
  [/^python(2\.7|3\.[678])$/, "python3.13"],
  [/^(provided|go1\.x)$/, "provided.al2023"],
];

/** InvalidParameterValueException for a runtime rekognito does not run, in AWS's words where AWS refuses it too. */
export function checkRuntime(runtime: string): void {
  if (familyOf(runtime)) return;
  for (const [pattern, instead] of DEPRECATED) {
    if (pattern.test(runtime)) {
      throw LambdaErrors.invalidParameter(
        `The runtime parameter of ${runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (${instead}) while creating or updating functions.`,
      );
    }
  }
  throw LambdaErrors.invalidParameter(
    `rekognito runs Node.js (${NODE_RUNTIMES.join(", ")}), Python (${PYTHON_RUNTIMES.join(", ")}) and OS-only (${PROVIDED_RUNTIMES.join(", ")}) functions; the runtime ${runtime} is not supported.`,
  );
}

export const PYTHON_BOOTSTRAP = fileURLToPath(new URL("./runtime/python/bootstrap.py", import.meta.url));

/** What this machine's python3 is, once looked at. */
export interface PythonInstallation {
  /** The interpreter (an absolute path, or the name found on PATH). */
  executable: string;
  /** "3.11" */
  version: string;
  /** boto3's version, or null when this python3 cannot import it. */
  boto3: string | null;
}

const pythons = new Map<string, PythonInstallation | null>();

/** The interpreter Python functions run on: REKOGNITO_PYTHON, or python3 on PATH. */
export function defaultPython(): string {
  return process.env["REKOGNITO_PYTHON"] || "python3";
}

/**
 * A python3 (by default the machine's) and its boto3, looked at once per process (~30 ms;
 * boto3 is found without importing it). null: no such python3.
 */
export function pythonInstallation(executable: string = defaultPython()): PythonInstallation | null {
  const known = pythons.get(executable);
  if (known !== undefined) return known;
  const probe =
    "import sys, importlib.util as u\n" +
    "spec = u.find_spec('boto3')\n" +
    "version = None\n" +
    "if spec is not None:\n" +
    "    try:\n" +
    "        from importlib.metadata import version as v\n" +
    "        version = v('boto3')\n" +
    "    except Exception:\n" +
    "        version = 'unknown'\n" +
    "print(sys.executable)\n" +
    "print('%d.%d' % sys.version_info[:2], version or '')\n";
  const out = spawnSync(executable, ["-c", probe], { encoding: "utf8", timeout: 10_000 });
  let found: PythonInstallation | null = null;
  if (out.status === 0 && out.stdout) {
    const [real = "", rest = ""] = out.stdout.trim().split("\n");
    const [version = "", boto3 = ""] = rest.trim().split(/\s+/);
    // The interpreter itself, not a launcher in front of it (pyenv's shims cost ~0.3 s a start).
    found = { executable: real.trim() || executable, version, boto3: boto3 || null };
  }
  pythons.set(executable, found);
  return found;
}

/** Why a Python function cannot run here, said plainly; undefined when it can. */
export function pythonMissing(runtime: string, executable: string = defaultPython()): string | undefined {
  if (pythonInstallation(executable)) return undefined;
  return (
    `rekognito runs ${runtime} functions on this machine's python3 and found none (${executable}; set REKOGNITO_PYTHON ` +
    `to use another): install Python 3 and boto3 (Debian/Ubuntu: apt-get install python3 python3-boto3; ` +
    `elsewhere: python3 -m pip install boto3).`
  );
}

/** The places a layer's files would be under /opt on AWS, from its unpacked directories (later layers first). */
export function layerPaths(layerDirs: readonly string[], family: RuntimeFamily, runtime: string): { modules: string[]; python: string[]; bin: string[]; lib: string[] } {
  const ordered = [...layerDirs].reverse();
  const modules: string[] = [];
  const pythonPaths: string[] = [];
  const node = /^nodejs(\d+)/.exec(runtime)?.[1];
  const declared = /^python(\d+\.\d+)/.exec(runtime)?.[1];
  const machine = family === "python" ? pythonInstallation()?.version : undefined;
  for (const dir of ordered) {
    if (family === "nodejs") {
      if (node) modules.push(join(dir, "nodejs", `node${node}`, "node_modules"));
      modules.push(join(dir, "nodejs", "node_modules"));
    }
    if (family === "python") {
      for (const v of new Set([declared, machine].filter(Boolean))) pythonPaths.push(join(dir, "python", "lib", `python${v}`, "site-packages"));
      pythonPaths.push(join(dir, "python"));
    }
  }
  return {
    modules: modules.filter((p) => existsSync(p)),
    python: pythonPaths.filter((p) => existsSync(p)),
    bin: ordered.map((d) => join(d, "bin")).filter((p) => existsSync(p)),
    lib: ordered.map((d) => join(d, "lib")).filter((p) => existsSync(p)),
  };
}

/**
 * The `bootstrap` an OS-only function starts: the package's own, else a layer's (AWS looks in
 * /var/task, then /opt). `missing`: AWS's Runtime.InvalidEntrypoint, with the paths looked at.
 */
export function customBootstrap(codeDir: string, layerDirs: readonly string[]): { path: string } | { missing: { errorType: string; errorMessage: string } } {
  const candidates = [join(codeDir, "bootstrap"), ...[...layerDirs].reverse().map((d) => join(d, "bootstrap"))];
  const found = candidates.find((p) => existsSync(p) && statSync(p).isFile());
  if (!found) {
    return { missing: { errorType: "Runtime.InvalidEntrypoint", errorMessage: `Couldn't find valid bootstrap(s): [${candidates.join(" ")}]` } };
  }
  try {
    accessSync(found, constants.X_OK);
  } catch {
    return { missing: { errorType: "Runtime.InvalidEntrypoint", errorMessage: `fork/exec ${found}: permission denied` } };
  }
  return { path: found };
}

/** PATH-like lists: the given directories first, then what was there. */
export function prependPath(dirs: readonly string[], existing: string | undefined): string {
  return [...dirs, ...(existing ? [existing] : [])].filter(Boolean).join(delimiter);
}
