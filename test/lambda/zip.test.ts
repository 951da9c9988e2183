import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { strToU8, zipSync } from "fflate";
import { afterAll, describe, expect, it } from "vitest";
import { unpackZip } from "../../server/lambda/code.js";

/**
 * The package reader reads what real zip tools write, not only what fflate writes: zip64
 * records, entries streamed with a data descriptor (sizes after the data), Unix modes (a custom
 * runtime's `bootstrap` must stay executable).
 */
const scratch = mkdtempSync(join(tmpdir(), "rekognito-zip-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function python(): string | null {
  try {
    execFileSync("python3", ["-c", "import zipfile"], { stdio: "ignore" });
    return "python3";
  } catch {
    return null;
  }
}

describe("unpackZip", () => {
  it("unpacks fflate's zips, directories included", async () => {
    const dest = join(scratch, "fflate");
    await unpackZip(zipSync({ "index.mjs": strToU8("export const handler = 1;\n"), "lib/": new Uint8Array(), "lib/a.txt": strToU8("a".repeat(70_000)) }), dest);
    expect(readFileSync(join(dest, "lib/a.txt"), "utf8")).toHaveLength(70_000);
  });

  const py = python();
  if (!py) console.log("[skip] zip64 and streamed packages: python3 is not installed");
  it.skipIf(!py)("unpacks zip64 records, streamed entries and keeps the executable bit", async () => {
    const archive = join(scratch, "python.zip");
    // zipfile writes zip64 when forced, and data descriptors when it cannot seek (a pipe).
    const script = `
import sys, zipfile
class Pipe:
    def __init__(self, f): self.f = f
    def write(self, b): return self.f.write(b)
    def flush(self): self.f.flush()
with open(sys.argv[1], "wb") as out, zipfile.ZipFile(Pipe(out), "w", zipfile.ZIP_DEFLATED) as z:
    with z.open("index.mjs", "w", force_zip64=True) as f: f.write(b"export const handler = async () => 'ok';\\n")
    info = zipfile.ZipInfo("bootstrap"); info.create_system = 3; info.external_attr = 0o100755 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, "#!/bin/sh\\necho ok\\n" * 100)
`;
    execFileSync(py!, ["-c", script, archive]);
    const dest = join(scratch, "python");
    await unpackZip(readFileSync(archive), dest);
    expect(readFileSync(join(dest, "index.mjs"), "utf8")).toBe("export const handler = async () => 'ok';\n");
    expect(readFileSync(join(dest, "bootstrap"), "utf8")).toBe("#!/bin/sh\necho ok\n".repeat(100));
    expect(statSync(join(dest, "bootstrap")).mode & 0o777).toBe(0o755);
  });

  it("refuses an entry that leaves the package, and leaves nothing behind", async () => {
    const dest = join(scratch, "slip");
    const error = await unpackZip(zipSync({ "index.mjs": strToU8("x"), "../outside.txt": strToU8("x") }), dest).catch((e) => e);
    expect(error.type).toBe("InvalidParameterValueException");
    expect(() => statSync(dest)).toThrow();
    expect(() => statSync(join(scratch, "outside.txt"))).toThrow();
  });
});
