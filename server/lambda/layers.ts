import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LayerVersionsListItem, LayersListItem, PublishLayerVersionResponse } from "@aws-sdk/client-lambda";
import type { CoreServices } from "../core/services.js";
import { codeSha256, removeDirectory, unpackZip } from "./code.js";
import { LambdaErrors } from "./errors.js";
import { LayerRegistry, type StoredLayer, type StoredLayerVersion } from "./functions.js";

/** How many layers a function may use (AWS: five). */
export const MAX_LAYERS = 5;

const LAYER_ARN = /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+):(\d+)$/;

/** A layer's name from its name or its unversioned ARN (both are accepted as LayerName). */
export function layerName(nameOrArn: string): string {
  const m = /^arn:[a-zA-Z0-9-]+:lambda:[a-z0-9-]+:\d{12}:layer:([a-zA-Z0-9-_]+)$/.exec(nameOrArn);
  return m ? m[1]! : nameOrArn;
}

/** A layer version that a filter on runtime and architecture keeps (ListLayers, ListLayerVersions). */
export function matches(version: StoredLayerVersion, runtime?: string, architecture?: string): boolean {
  return (runtime === undefined || version.compatibleRuntimes.includes(runtime)) && (architecture === undefined || version.compatibleArchitectures.includes(architecture));
}

/** AWS's CreatedDate of a layer version: 2024-01-01T12:00:00.000+0000 */
function created(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+0000");
}

/**
 * Lambda layers (PublishLayerVersion and the rest): zip packages unpacked once under the lambda
 * data directory, which functions using them find where AWS mounts them at /opt. /opt cannot be
 * written here, so an environment is given its layers' folders instead: NODE_PATH (and an ES
 * module resolve hook) for nodejs/node_modules, PYTHONPATH for python/ and
 * python/lib/pythonX.Y/site-packages, PATH for bin/, LD_LIBRARY_PATH for lib/, and a layer's
 * `bootstrap` for an OS-only runtime (runtimes.ts, layerPaths).
 */
export class Layers {
  readonly registry: LayerRegistry;
  /** Deleted layer versions whose files functions still use: ARN → folder. */
  private readonly deleted = new Map<string, string>();

  constructor(
    private readonly core: CoreServices,
    private readonly codeRoot: string,
  ) {
    this.registry = new LayerRegistry(core.persistence.journal("lambda-layers"));
  }

  arnOf(name: string, region: string = this.core.defaultRegion): string {
    return `arn:aws:lambda:${region}:${this.core.accountId}:layer:${name}`;
  }

  async publish(
    name: string,
    region: string,
    input: { Description?: string; CompatibleRuntimes?: string[]; CompatibleArchitectures?: string[]; LicenseInfo?: string },
    zip: Buffer,
  ): Promise<{ layer: StoredLayer; version: StoredLayerVersion }> {
    const existing = this.registry.get(name);
    const number = existing?.nextVersion ?? 1;
    const dir = join("layers", name, String(number));
    const zipPath = `${dir}.zip`;
    // A number left on disk by a layer deleted and published again (its journal said otherwise): start clean.
    removeDirectory(join(this.codeRoot, dir));
    await unpackZip(zip, join(this.codeRoot, dir));
    writeFileSync(join(this.codeRoot, zipPath), zip);
    const version: StoredLayerVersion = {
      version: number,
      description: input.Description ?? "",
      compatibleRuntimes: input.CompatibleRuntimes ?? [],
      compatibleArchitectures: input.CompatibleArchitectures ?? [],
      ...(input.LicenseInfo !== undefined ? { licenseInfo: input.LicenseInfo } : {}),
      createdDate: this.core.clock.now(),
      codeSha256: codeSha256(zip),
      codeSize: zip.length,
      dir,
      zipPath,
    };
    const layer: StoredLayer = {
      name,
      region: existing?.region ?? region,
      versions: [...(existing?.versions ?? []), version],
      nextVersion: number + 1,
    };
    this.registry.put(layer);
    return { layer, version };
  }

  /** A layer version, or AWS's ResourceNotFoundException. */
  require(name: string, version: number): { layer: StoredLayer; version: StoredLayerVersion } {
    const layer = this.registry.get(name);
    const found = layer?.versions.find((v) => v.version === version);
    if (!layer || !found) throw LambdaErrors.resourceNotFound();
    return { layer, version: found };
  }

  /** A layer version by its ARN (GetLayerVersionByArn, a function's Layers). */
  byArn(arn: string): { layer: StoredLayer; version: StoredLayerVersion } | undefined {
    const m = LAYER_ARN.exec(arn);
    if (!m || m[2] !== this.core.accountId) return undefined;
    const layer = this.registry.get(m[3]!);
    const version = layer?.versions.find((v) => v.version === Number(m[4]));
    return layer && version ? { layer, version } : undefined;
  }

  /**
   * Deletes a layer version (one that does not exist: nothing, as AWS). As on AWS, functions
   * that use it keep it: its files stay while `inUse` says a function or version refers to it.
   */
  delete(name: string, number: number, inUse: (arn: string) => boolean): void {
    const layer = this.registry.get(name);
    const version = layer?.versions.find((v) => v.version === number);
    if (!layer || !version) return;
    // The layer's name stays known (and its next number) while versions remain, as AWS numbers on.
    this.registry.put({ ...layer, versions: layer.versions.filter((v) => v !== version) });
    this.deleted.set(`${this.arnOf(layer.name, layer.region)}:${number}`, join(this.codeRoot, version.dir));
    if (!inUse(`${this.arnOf(layer.name, layer.region)}:${number}`)) this.release(`${this.arnOf(layer.name, layer.region)}:${number}`);
  }

  /** Removes a deleted layer version's files once nothing uses it. */
  release(arn: string): void {
    const dir = this.deleted.get(arn);
    if (!dir) return;
    this.deleted.delete(arn);
    removeDirectory(dir);
    removeDirectory(`${dir}.zip`);
  }

  /** The unpacked folders of a function's layers, in order (a deleted version the function still holds included). */
  directories(arns: readonly string[] | undefined): string[] {
    const out: string[] = [];
    for (const arn of arns ?? []) {
      const found = this.byArn(arn);
      const dir = found ? join(this.codeRoot, found.version.dir) : this.deleted.get(arn) ?? this.unpackedOf(arn);
      if (dir) out.push(dir);
    }
    return out;
  }

  /** Where a layer version's files are (or were) by its ARN, when they are still on disk (a restart after its deletion). */
  private unpackedOf(arn: string): string | undefined {
    const m = LAYER_ARN.exec(arn);
    if (!m) return undefined;
    const dir = join(this.codeRoot, "layers", m[3]!, m[4]!);
    return existsSync(dir) ? dir : undefined;
  }

  /** Checks a function's Layers as AWS does: five at most, each an existing version. */
  check(arns: readonly string[]): void {
    if (arns.length > MAX_LAYERS) throw LambdaErrors.invalidParameter(`Cannot reference more than ${MAX_LAYERS} layers.`);
    for (const arn of arns) {
      if (!this.byArn(arn)) throw LambdaErrors.invalidParameter(`Layer version ${arn} does not exist.`);
    }
  }

  zipOf(version: StoredLayerVersion): Buffer | undefined {
    try {
      return readFileSync(join(this.codeRoot, version.zipPath));
    } catch {
      return undefined;
    }
  }

  /** GetLayerVersion's and PublishLayerVersion's answer. */
  output(layer: StoredLayer, version: StoredLayerVersion, location: string): PublishLayerVersionResponse {
    return {
      Content: { Location: location, CodeSha256: version.codeSha256, CodeSize: version.codeSize },
      LayerArn: this.arnOf(layer.name, layer.region),
      LayerVersionArn: `${this.arnOf(layer.name, layer.region)}:${version.version}`,
      Description: version.description,
      CreatedDate: created(version.createdDate),
      Version: version.version,
      CompatibleRuntimes: version.compatibleRuntimes as PublishLayerVersionResponse["CompatibleRuntimes"],
      CompatibleArchitectures: version.compatibleArchitectures as PublishLayerVersionResponse["CompatibleArchitectures"],
      ...(version.licenseInfo !== undefined ? { LicenseInfo: version.licenseInfo } : {}),
    };
  }

  listItem(layer: StoredLayer, version: StoredLayerVersion): LayerVersionsListItem {
    return {
      LayerVersionArn: `${this.arnOf(layer.name, layer.region)}:${version.version}`,
      Version: version.version,
      Description: version.description,
      CreatedDate: created(version.createdDate),
      CompatibleRuntimes: version.compatibleRuntimes as LayerVersionsListItem["CompatibleRuntimes"],
      CompatibleArchitectures: version.compatibleArchitectures as LayerVersionsListItem["CompatibleArchitectures"],
      ...(version.licenseInfo !== undefined ? { LicenseInfo: version.licenseInfo } : {}),
    };
  }

  layerItem(layer: StoredLayer, latest: StoredLayerVersion): LayersListItem {
    return { LayerName: layer.name, LayerArn: this.arnOf(layer.name, layer.region), LatestMatchingVersion: this.listItem(layer, latest) };
  }
}
