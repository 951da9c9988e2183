import { dirname, resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import type { Logger } from "../core/logger.js";
import type { Journal, Persistence } from "../core/persistence.js";
import { stackClient, type StackClient, type StackTarget } from "./client.js";
import { functionS3Events, handlerOf, type ResourceContext, type ResourceRecord } from "./resources/index.js";
import { errorName, notImplemented } from "./resources/types.js";
import { isDeepStrictEqual } from "node:util";
import { creationOrder, readTemplate, referencesOf, resolve, type ResolveContext, type Template, type TemplateResource } from "./template.js";

/**
 * Provisions a SAM template (the face-login app's template.yaml by default) into a running
 * stack THROUGH THE STACK'S OWN AWS APIs, the way CloudFormation would on AWS: buckets, tables,
 * functions (run from their source directories, TypeScript as it is), the S3 notifications of
 * SAM's S3 events, the user pool with its triggers and app client, Lambda permissions, and
 * custom resources (their function invoked with a CloudFormation event, answering a local
 * ResponseURL). One module per resource type, under resources/.
 *
 * The calls are the AWS wire requests a client would send (signed, validated, logged with
 * --verbose), handed to the stack's Fastify instance in this process (client.ts): no socket,
 * no SDK to load. A target known only by its endpoint is reached over HTTP.
 *
 * Idempotent: a restart on the same data directory finds every resource again (physical ids are
 * kept in the `stack-<name>` journal and checked against the service) and only updates it.
 *
 * Physical names: a name the template gives is used as it resolves (the buckets:
 * `<stack>-documents-<account>`); otherwise `<stack>-<logical id in kebab case, without its type
 * suffix>` (FacesTable → face-login-faces, IndexFacesFunction → face-login-index-faces).
 *
 * Not enforced locally (noted in the log): IAM policies and roles (rekognito does not enforce
 * IAM). Bucket policies are put and enforced as on AWS (server/storage/README.md, "Access":
 * their deny-insecure-transport rule counts loopback http as secure). Settings a local engine
 * does not implement (answered "not implemented") are noted as not applied.
 */

export const DEFAULT_STACK_NAME = "face-login";
export const DEFAULT_TEMPLATE = resolvePath(dirname(fileURLToPath(import.meta.url)), "../../template.yaml");

/** What a client of the face-login app needs; the template's Outputs, camel-cased. */
export interface FaceLoginResources {
  region: string;
  userPoolId: string;
  userPoolClientId: string;
  documentsBucket: string;
  signInBucket: string;
  facesTable: string;
  collectionId: string;
  [output: string]: string;
}

export interface ProvisionTarget {
  endpoint: string;
  region: string;
  accountId: string;
  persistence: Persistence;
  logger: Logger;
  /** The stack's services, when they are in this process: the calls are handed to its Fastify instance. Without them, they go to `endpoint` over HTTP. */
  app?: StackTarget["app"];
}

export interface ProvisionOptions {
  templatePath?: string;
  stackName?: string;
  /** Values for the template's Parameters (else their defaults). */
  parameters?: Record<string, string>;
}

function camel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/**
 * One journal object per stack and stack name: an ephemeral stack's journal lives in memory,
 * so provisioning twice in one process must see the same one to stay idempotent.
 */
const journals = new WeakMap<Persistence, Map<string, Journal<ResourceRecord>>>();
function stackJournal(persistence: Persistence, stackName: string): Journal<ResourceRecord> {
  let byName = journals.get(persistence);
  if (!byName) journals.set(persistence, (byName = new Map()));
  let journal = byName.get(stackName);
  if (!journal) byName.set(stackName, (journal = persistence.journal<ResourceRecord>(`stack-${stackName}`)));
  return journal;
}

export class Provisioner {
  private readonly client: StackClient;
  private readonly template: Template;
  private readonly templateDir: string;
  private readonly stackName: string;
  private readonly parameters: Record<string, unknown>;
  private readonly journal: Journal<ResourceRecord>;
  private readonly known = new Map<string, ResourceRecord>();
  private readonly created = new Map<string, ResourceRecord>();
  /** The resources found in this run as an earlier start left them (nothing sent but a check). */
  private readonly kept = new Set<string>();
  readonly notes: string[] = [];

  constructor(
    private readonly target: ProvisionTarget,
    options: ProvisionOptions = {},
  ) {
    this.client = stackClient(target, target.region);
    const templatePath = options.templatePath ?? DEFAULT_TEMPLATE;
    this.template = readTemplate(templatePath);
    this.templateDir = dirname(resolvePath(templatePath));
    this.stackName = options.stackName ?? DEFAULT_STACK_NAME;
    this.parameters = {
      "AWS::Region": target.region,
      "AWS::AccountId": target.accountId,
      "AWS::StackName": this.stackName,
      "AWS::StackId": `arn:aws:cloudformation:${target.region}:${target.accountId}:stack/${this.stackName}/rekognito`,
      "AWS::Partition": "aws",
      "AWS::URLSuffix": "amazonaws.com",
    };
    for (const [name, spec] of Object.entries(this.template.Parameters ?? {})) {
      const value = options.parameters?.[name] ?? spec.Default;
      if (value === undefined) throw new Error(`template parameter ${name} has no default: pass it in parameters`);
      this.parameters[name] = value;
    }
    this.journal = stackJournal(target.persistence, this.stackName);
    for (const record of this.journal.load()) this.known.set(record.logicalId, record);
  }

  private context(): ResolveContext {
    return {
      parameter: (name) => this.parameters[name],
      ref: (id) => {
        const record = this.created.get(id);
        if (!record) throw new Error(`Ref ${id}: not provisioned yet (or not a resource)`);
        return record.physicalId;
      },
      getAtt: (id, attribute) => {
        const record = this.created.get(id);
        const value = record?.attributes?.[attribute];
        if (value === undefined) throw new Error(`Fn::GetAtt ${id}.${attribute}: unknown`);
        return value;
      },
      condition: (name) => resolve(this.template.Conditions?.[name], this.context()) === true,
    };
  }

  private props(resource: TemplateResource): Record<string, any> {
    let properties = resource.Properties ?? {};
    if (resource.Type === "AWS::Serverless::Function") properties = { ...(this.template.Globals?.Function ?? {}), ...properties };
    return (resolve(properties, this.context()) ?? {}) as Record<string, any>;
  }

  private remember(record: ResourceRecord): void {
    this.created.set(record.logicalId, record);
    const old = this.known.get(record.logicalId);
    if (!old || old.physicalId !== record.physicalId || JSON.stringify(old.attributes) !== JSON.stringify(record.attributes) || JSON.stringify(old.properties) !== JSON.stringify(record.properties)) {
      this.journal.append(record);
      this.known.set(record.logicalId, record);
    }
  }

  private note(message: string): void {
    if (!this.notes.includes(message)) this.notes.push(message);
  }

  private resourceContext(): ResourceContext {
    return {
      client: this.client,
      stackName: this.stackName,
      region: this.target.region,
      accountId: this.target.accountId,
      templateDir: this.templateDir,
      parameters: this.parameters,
      known: (id) => this.known.get(id),
      journalLength: () => this.journal.load().length,
      unchanged: (id, properties) => {
        const record = this.known.get(id);
        const resource = this.template.Resources[id];
        if (!record || !resource || record.type !== resource.Type || !isDeepStrictEqual(record.properties, JSON.parse(JSON.stringify(properties)))) return false;
        return [...referencesOf(resource.Properties ?? {})].every((ref) => !(ref in this.template.Resources) || this.kept.has(ref));
      },
      note: (message) => this.note(message),
      optional: async (what, call) => {
        try {
          await call();
        } catch (error) {
          if (notImplemented(error) || errorName(error) === "UnknownOperationException") this.note(`${what}: not applied (the local engine does not implement it)`);
          else this.note(`${what}: not applied (${errorName(error)}: ${(error as Error).message})`);
        }
      },
    };
  }

  async provision(): Promise<FaceLoginResources> {
    const ctx = this.resourceContext();
    for (const id of creationOrder(this.template)) {
      const resource = this.template.Resources[id]!;
      if (resource.Condition && !this.context().condition(resource.Condition)) continue;
      const handler = handlerOf(resource.Type);
      if (!handler) throw new Error(`${id}: ${resource.Type} is not supported by rekognito's provisioner`);
      const properties = this.props(resource);
      const { kept, ...made } = await handler(ctx, id, resource, properties);
      if (kept) this.kept.add(id);
      this.remember({ logicalId: id, type: resource.Type, properties: JSON.parse(JSON.stringify(properties)), ...made });
    }
    await functionS3Events(this.client, this.template, this.created, this.context(), this.kept);
    const outputs: Record<string, string> = {};
    for (const [name, output] of Object.entries(this.template.Outputs ?? {})) outputs[camel(name)] = String(resolve(output.Value, this.context()));
    outputs.region ??= this.target.region;
    return outputs as FaceLoginResources;
  }
}

/**
 * Provisions the face-login template into a started stack (or anything with its endpoint,
 * account and data directory) and returns the names a client needs.
 */
export async function provisionTemplate(
  stack: {
    endpoint: string;
    region: string;
    app: { core: { accountId: string; persistence: Persistence; logger: Logger; clock?: { now(): number } }; resources?: Record<string, string>; fastify?: Pick<FastifyInstance, "inject"> };
  },
  options: ProvisionOptions = {},
): Promise<FaceLoginResources> {
  const { core } = stack.app;
  const provisioner = new Provisioner({ endpoint: stack.endpoint, region: stack.region, accountId: core.accountId, persistence: core.persistence, logger: core.logger, app: stack.app }, options);
  const resources = await provisioner.provision();
  for (const note of provisioner.notes) core.logger.info(`[stack] ${note}`);
  if (stack.app.resources) Object.assign(stack.app.resources, resources);
  return resources;
}
