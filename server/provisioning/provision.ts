import { dirname, resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import type { Logger } from "../core/logger.js";
import type { Journal, Persistence } from "../core/persistence.js";
import { stackClient, type StackClient, type StackTarget } from "./client.js";
import { functionS3Events, handlerOf, type ResourceContext, type ResourceHandler, type ResourceRecord } from "./resources/index.js";
import { errorName, notImplemented } from "./resources/types.js";
import { isDeepStrictEqual } from "node:util";
import { creationOrder, dependenciesOf, readTemplate, referencesOf, resolve, type ResolveContext, type Template, type TemplateResource } from "./template.js";
import { cryptoIds, type IdGenerator } from "../core/ids.js";

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
 * Concurrent, as CloudFormation is: a resource is made as soon as everything it refers to (Ref,
 * GetAtt, Sub, DependsOn) is, so the custom resource's function (a cold Lambda environment, the
 * longest wait of a first start) runs while the user pool and its permissions are made, and a
 * restart's checks do not queue behind the DynamoDB engine's. What comes out does not depend on
 * the timing: the journal's records and the notes are in the template's creation order, and a
 * failure is the first failing resource's in that order, once what was under way has finished
 * (nothing new starts after a failure).
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
  /**
   * Called with each function's ARN once it exists (made, updated or found): the CLI starts its
   * execution environment then when seeding follows (LambdaInvoker.prepare), so the inits of
   * the functions seeding invokes overlap provisioning and each other.
   */
  functionReady?: (arn: string) => void;
}

export interface ProvisionOptions {
  templatePath?: string;
  stackName?: string;
  /** Values for the template's Parameters (else their defaults). */
  parameters?: Record<string, string>;
  /**
   * How many resources are made at once (default: as many as are ready). provisionTemplate makes
   * one at a time in a stack with injected ids (seededIds), so the ids each draws do not depend
   * on which request came first.
   */
  concurrency?: number;
  /** Start each function's execution environment as soon as it exists (ProvisionTarget.functionReady): for a start that invokes them next (--seed). */
  prepareFunctions?: boolean;
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
  private readonly concurrency: number;
  /** The journal's length when this run began (a custom resource's RequestId counts it). */
  private readonly journalAtStart: number;
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
    this.concurrency = Math.max(1, options.concurrency ?? Infinity);
    this.journal = stackJournal(target.persistence, this.stackName);
    const records = this.journal.load();
    this.journalAtStart = records.length;
    for (const record of records) this.known.set(record.logicalId, record);
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

  /** Journals a resource made or found in this run (when it differs from what the journal holds). */
  private remember(record: ResourceRecord): void {
    const old = this.known.get(record.logicalId);
    if (!old || old.physicalId !== record.physicalId || JSON.stringify(old.attributes) !== JSON.stringify(record.attributes) || JSON.stringify(old.properties) !== JSON.stringify(record.properties)) {
      this.journal.append(record);
      this.known.set(record.logicalId, record);
    }
  }

  private note(message: string): void {
    if (!this.notes.includes(message)) this.notes.push(message);
  }

  /** `note` puts a resource's lines in `notes`, read in creation order once all are done. */
  private resourceContext(note: (message: string) => void = (message) => this.note(message)): ResourceContext {
    return {
      client: this.client,
      stackName: this.stackName,
      region: this.target.region,
      accountId: this.target.accountId,
      templateDir: this.templateDir,
      parameters: this.parameters,
      known: (id) => this.known.get(id),
      journalLength: () => this.journalAtStart,
      unchanged: (id, properties) => {
        const record = this.known.get(id);
        const resource = this.template.Resources[id];
        if (!record || !resource || record.type !== resource.Type || !isDeepStrictEqual(record.properties, JSON.parse(JSON.stringify(properties)))) return false;
        return [...referencesOf(resource.Properties ?? {})].every((ref) => !(ref in this.template.Resources) || this.kept.has(ref));
      },
      note,
      optional: async (what, call) => {
        try {
          await call();
        } catch (error) {
          if (notImplemented(error) || errorName(error) === "UnknownOperationException") note(`${what}: not applied (the local engine does not implement it)`);
          else note(`${what}: not applied (${errorName(error)}: ${(error as Error).message})`);
        }
      },
    };
  }

  /** Makes, updates or finds one resource; what refers to it may start once this resolves. */
  private async provisionOne(id: string, handler: ResourceHandler, note: (message: string) => void): Promise<ResourceRecord> {
    const resource = this.template.Resources[id]!;
    const properties = this.props(resource);
    const { kept, ...made } = await handler(this.resourceContext(note), id, resource, properties);
    if (kept) this.kept.add(id);
    const record: ResourceRecord = { logicalId: id, type: resource.Type, properties: JSON.parse(JSON.stringify(properties)), ...made };
    this.created.set(id, record);
    const arn = made.attributes?.Arn;
    if (arn && (resource.Type === "AWS::Serverless::Function" || resource.Type === "AWS::Lambda::Function")) this.target.functionReady?.(arn);
    return record;
  }

  /**
   * Every resource, each started once what it refers to is done (at most `concurrency` at
   * once). The journal gets the records in creation order, as a prefix of that order completes
   * and, after a failure, for whatever did complete; then the first failure in that order is
   * thrown.
   */
  private async provisionAll(): Promise<void> {
    const deps = dependenciesOf(this.template);
    const order = creationOrder(this.template, deps);
    const handlers = new Map<string, ResourceHandler>();
    const skipped = new Set<string>();
    for (const id of order) {
      const resource = this.template.Resources[id]!;
      if (resource.Condition && !this.context().condition(resource.Condition)) {
        skipped.add(id);
        continue;
      }
      const handler = handlerOf(resource.Type);
      // Refused before anything is made.
      if (!handler) throw new Error(`${id}: ${resource.Type} is not supported by rekognito's provisioner`);
      handlers.set(id, handler);
    }
    const done = new Map<string, ResourceRecord>();
    const failed = new Map<string, unknown>();
    const notes = new Map<string, string[]>();
    const started = new Set<string>(skipped);
    let journaled = 0;
    const journalPrefix = () => {
      for (; journaled < order.length; journaled++) {
        const id = order[journaled]!;
        if (skipped.has(id)) continue;
        const record = done.get(id);
        if (!record) return;
        this.remember(record);
      }
    };
    await new Promise<void>((finished) => {
      let running = 0;
      const next = () => {
        if (failed.size === 0) {
          for (const id of order) {
            if (running >= this.concurrency) break;
            if (started.has(id) || ![...deps.get(id)!].every((d) => done.has(d) || skipped.has(d))) continue;
            started.add(id);
            running++;
            const lines: string[] = [];
            notes.set(id, lines);
            this.provisionOne(id, handlers.get(id)!, (message) => lines.push(message))
              .then(
                (record) => {
                  done.set(id, record);
                  journalPrefix();
                },
                (error: unknown) => failed.set(id, error),
              )
              .finally(() => {
                running--;
                next();
              });
          }
        }
        if (running === 0) finished();
      };
      next();
    });
    for (const id of order) for (const line of notes.get(id) ?? []) this.note(line);
    journalPrefix();
    if (failed.size) {
      // What did complete is journaled (a restart finds it), in creation order.
      for (const id of order.slice(journaled)) {
        const record = done.get(id);
        if (record) this.remember(record);
      }
      throw failed.get(order.find((id) => failed.has(id))!);
    }
  }

  async provision(): Promise<FaceLoginResources> {
    await this.provisionAll();
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
    app: {
      core: { accountId: string; persistence: Persistence; logger: Logger; clock?: { now(): number }; ids?: IdGenerator };
      resources?: Record<string, string>;
      fastify?: Pick<FastifyInstance, "inject">;
      components?: readonly { name: string; prepare?: (nameOrArn: string) => void }[];
    };
  },
  options: ProvisionOptions = {},
): Promise<FaceLoginResources> {
  const { core } = stack.app;
  const lambda = stack.app.components?.find((c) => c.name === "lambda");
  const functionReady = options.prepareFunctions && lambda?.prepare ? lambda.prepare.bind(lambda) : undefined;
  const concurrency = options.concurrency ?? (core.ids && core.ids !== cryptoIds ? 1 : undefined);
  const provisioner = new Provisioner(
    { endpoint: stack.endpoint, region: stack.region, accountId: core.accountId, persistence: core.persistence, logger: core.logger, app: stack.app, ...(functionReady ? { functionReady } : {}) },
    { ...options, ...(concurrency === undefined ? {} : { concurrency }) },
  );
  const resources = await provisioner.provision();
  for (const note of provisioner.notes) core.logger.info(`[stack] ${note}`);
  if (stack.app.resources) Object.assign(stack.app.resources, resources);
  return resources;
}
