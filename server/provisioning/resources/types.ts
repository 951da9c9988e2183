import type { StackClient } from "../client.js";
import type { TemplateResource } from "../template.js";

/** What the provisioner keeps of a resource in the `stack-<name>` journal (and finds again at the next start). */
export interface ResourceRecord {
  logicalId: string;
  type: string;
  physicalId: string;
  attributes?: Record<string, string>;
  /**
   * Its properties as they were resolved when it was made or last updated: a later start whose
   * resolved properties are the same only checks that the resource is still there.
   */
  properties?: unknown;
}

/** What a resource type's handler may use: the stack's APIs, and what the provisioner knows. */
export interface ResourceContext {
  client: StackClient;
  stackName: string;
  region: string;
  accountId: string;
  /** The folder template.yaml is in (functions' CodeUri are relative to it). */
  templateDir: string;
  /** The stack's pseudo parameters and Parameters (AWS::StackId...). */
  parameters: Record<string, unknown>;
  /** What an earlier start made of this logical id, from the journal. */
  known(logicalId: string): ResourceRecord | undefined;
  /** How many records the journal holds (a custom resource's RequestId counts them). */
  journalLength(): number;
  /**
   * Whether an earlier start made `logicalId` from these same properties, and everything it
   * refers to was found as it was in this run: as CloudFormation leaves a resource whose
   * properties did not change, its handler then sends no update, only checks that it is still
   * there (and makes it again if not), and answers `kept`. A restart sends a dozen requests
   * instead of sixty.
   */
  unchanged(logicalId: string, properties: Record<string, unknown>): boolean;
  /** A line for the log (what is not applied locally). */
  note(message: string): void;
  /**
   * A setting of a resource (encryption, lifecycle, CORS, TTL): applied when the local engine
   * can, otherwise noted in the log. Never fatal: the app runs without it locally.
   */
  optional(what: string, call: () => Promise<unknown>): Promise<void>;
}

/**
 * What a handler answers: the physical id and the attributes !GetAtt reads; `kept` when it found
 * the resource as an earlier start left it (see ResourceContext.unchanged) and changed nothing.
 */
export type Provisioned = Omit<ResourceRecord, "logicalId" | "type"> & { kept?: boolean };

/**
 * One resource type of the template (`AWS::S3::Bucket`): makes the resource through the stack's
 * own APIs, or finds it from an earlier start and updates it. `properties` are resolved.
 */
export type ResourceHandler = (ctx: ResourceContext, logicalId: string, resource: TemplateResource, properties: Record<string, any>) => Promise<Provisioned>;

/**
 * A name CloudFormation would generate, shortened as this project names things:
 * `<stack>-<logical id in kebab case, without its type suffix>` (FacesTable → face-login-faces,
 * IndexFacesFunction → face-login-index-faces).
 */
export function generatedName(stackName: string, logicalId: string, type: string): string {
  const suffix = ({ "AWS::S3::Bucket": "Bucket", "AWS::DynamoDB::Table": "Table", "AWS::Serverless::Function": "Function", "AWS::Lambda::Function": "Function" } as Record<string, string>)[type] ?? "";
  const base = suffix && logicalId.endsWith(suffix) && logicalId !== suffix ? logicalId.slice(0, -suffix.length) : logicalId;
  const kebab = base.replace(/([a-z0-9])([A-Z])/g, "$1-$2").replace(/([A-Z])([A-Z][a-z])/g, "$1-$2").toLowerCase();
  return `${stackName}-${kebab}`;
}

export function errorName(error: unknown): string {
  return (error as { name?: string }).name ?? "";
}

export function notImplemented(error: unknown): boolean {
  const status = (error as { status?: number }).status;
  return status === 501 || errorName(error) === "NotImplemented" || errorName(error) === "NotImplementedException";
}
