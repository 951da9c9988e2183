import { createServer } from "node:http";
import { dirname, isAbsolute, resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import { S3Client, CreateBucketCommand, HeadBucketCommand, PutBucketNotificationConfigurationCommand, PutBucketEncryptionCommand, PutBucketLifecycleConfigurationCommand, PutBucketCorsCommand, PutPublicAccessBlockCommand, PutBucketPolicyCommand, type LambdaFunctionConfiguration } from "@aws-sdk/client-s3";
import { DynamoDBClient, CreateTableCommand, DescribeTableCommand, UpdateTimeToLiveCommand, type CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import { LambdaClient, CreateFunctionCommand, GetFunctionConfigurationCommand, UpdateFunctionConfigurationCommand, UpdateFunctionCodeCommand, AddPermissionCommand, InvokeCommand, type Runtime } from "@aws-sdk/client-lambda";
import { CognitoIdentityProviderClient, CreateUserPoolCommand, DescribeUserPoolCommand, ListUserPoolsCommand, UpdateUserPoolCommand, CreateUserPoolClientCommand, DescribeUserPoolClientCommand, UpdateUserPoolClientCommand, type CreateUserPoolCommandInput } from "@aws-sdk/client-cognito-identity-provider";
import type { Logger } from "../core/logger.js";
import type { Journal, Persistence } from "../core/persistence.js";
import { creationOrder, readTemplate, resolve, type ResolveContext, type Template, type TemplateResource } from "./template.js";

/**
 * Provisions a SAM template (the face-login app's template.yaml by default) into a running
 * stack THROUGH THE STACK'S OWN AWS APIs, with the unmodified SDK clients, the way
 * CloudFormation would on AWS: buckets, tables, functions (run from their source directories,
 * TypeScript as it is), the S3 notifications of SAM's S3 events, the user pool with its
 * triggers and app client, Lambda permissions, and custom resources (their function invoked
 * with a CloudFormation event, answering a local ResponseURL).
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
}

export interface ProvisionOptions {
  templatePath?: string;
  stackName?: string;
  /** Values for the template's Parameters (else their defaults). */
  parameters?: Record<string, string>;
}

interface JournalRecord {
  logicalId: string;
  type: string;
  physicalId: string;
  attributes?: Record<string, string>;
  properties?: unknown;
}

const credentials = { accessKeyId: "test", secretAccessKey: "test" };

export function kebab(logicalId: string, type: string): string {
  const suffix = ({ "AWS::S3::Bucket": "Bucket", "AWS::DynamoDB::Table": "Table", "AWS::Serverless::Function": "Function", "AWS::Lambda::Function": "Function", "AWS::Cognito::UserPool": "" } as Record<string, string>)[type] ?? "";
  const base = suffix && logicalId.endsWith(suffix) && logicalId !== suffix ? logicalId.slice(0, -suffix.length) : logicalId;
  return base.replace(/([a-z0-9])([A-Z])/g, "$1-$2").replace(/([A-Z])([A-Z][a-z])/g, "$1-$2").toLowerCase();
}

function camel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function errorName(error: unknown): string {
  return (error as { name?: string }).name ?? "";
}

function notImplemented(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === 501 || errorName(error) === "NotImplemented" || errorName(error) === "NotImplementedException";
}

/**
 * One journal object per stack and stack name: an ephemeral stack's journal lives in memory,
 * so provisioning twice in one process must see the same one to stay idempotent.
 */
const journals = new WeakMap<Persistence, Map<string, Journal<JournalRecord>>>();
function stackJournal(persistence: Persistence, stackName: string): Journal<JournalRecord> {
  let byName = journals.get(persistence);
  if (!byName) journals.set(persistence, (byName = new Map()));
  let journal = byName.get(stackName);
  if (!journal) byName.set(stackName, (journal = persistence.journal<JournalRecord>(`stack-${stackName}`)));
  return journal;
}

export class Provisioner {
  private readonly s3: S3Client;
  private readonly dynamodb: DynamoDBClient;
  private readonly lambda: LambdaClient;
  private readonly cognito: CognitoIdentityProviderClient;
  private readonly template: Template;
  private readonly templateDir: string;
  private readonly stackName: string;
  private readonly parameters: Record<string, unknown>;
  private readonly journal: Journal<JournalRecord>;
  private readonly known = new Map<string, JournalRecord>();
  private readonly created = new Map<string, JournalRecord>();
  readonly notes: string[] = [];

  constructor(
    private readonly target: ProvisionTarget,
    options: ProvisionOptions = {},
  ) {
    const config = { endpoint: target.endpoint, region: target.region, credentials };
    this.s3 = new S3Client({ ...config, forcePathStyle: true });
    this.dynamodb = new DynamoDBClient(config);
    this.lambda = new LambdaClient(config);
    this.cognito = new CognitoIdentityProviderClient(config);
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

  private remember(record: JournalRecord): void {
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

  /**
   * A setting of a resource (encryption, lifecycle, CORS, TTL): applied when the local engine
   * can, otherwise noted in the log. Never fatal: the app runs without it locally.
   */
  private async optional(what: string, call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
    } catch (error) {
      if (notImplemented(error) || errorName(error) === "UnknownOperationException") this.note(`${what}: not applied (the local engine does not implement it)`);
      else this.note(`${what}: not applied (${errorName(error)}: ${(error as Error).message})`);
    }
  }

  async provision(): Promise<FaceLoginResources> {
    const { region, accountId } = this.target;
    for (const id of creationOrder(this.template)) {
      const resource = this.template.Resources[id]!;
      if (resource.Condition && !this.context().condition(resource.Condition)) continue;
      switch (resource.Type) {
        case "AWS::S3::Bucket":
          await this.bucket(id, resource);
          break;
        case "AWS::S3::BucketPolicy": {
          const p = this.props(resource);
          await this.optional(`${id} policy`, () => this.s3.send(new PutBucketPolicyCommand({ Bucket: p.Bucket, Policy: JSON.stringify(p.PolicyDocument) })));
          break;
        }
        case "AWS::DynamoDB::Table":
          await this.table(id, resource);
          break;
        case "AWS::Serverless::Function":
          await this.function(id, resource);
          break;
        case "AWS::Cognito::UserPool":
          await this.userPool(id, resource);
          break;
        case "AWS::Cognito::UserPoolClient":
          await this.userPoolClient(id, resource);
          break;
        case "AWS::Lambda::Permission":
          await this.permission(id, resource);
          break;
        default:
          if (resource.Type.startsWith("Custom::") || resource.Type === "AWS::CloudFormation::CustomResource") await this.customResource(id, resource);
          else throw new Error(`${id}: ${resource.Type} is not supported by rekognito's provisioner`);
      }
    }
    await this.s3Events();
    const outputs: Record<string, string> = {};
    for (const [name, output] of Object.entries(this.template.Outputs ?? {})) outputs[camel(name)] = String(resolve(output.Value, this.context()));
    outputs.region ??= region;
    void accountId;
    return outputs as FaceLoginResources;
  }

  // ------------------------------------------------------------------ S3
  private async bucket(id: string, resource: TemplateResource): Promise<void> {
    const p = this.props(resource);
    const name: string = p.BucketName ?? `${this.stackName}-${kebab(id, resource.Type)}`;
    let exists = true;
    try {
      await this.s3.send(new HeadBucketCommand({ Bucket: name }));
    } catch {
      exists = false;
    }
    if (!exists) await this.s3.send(new CreateBucketCommand({ Bucket: name }));
    if (p.BucketEncryption?.ServerSideEncryptionConfiguration) {
      const rules = (p.BucketEncryption.ServerSideEncryptionConfiguration as any[]).map((rule) => ({
        ApplyServerSideEncryptionByDefault: rule.ServerSideEncryptionByDefault,
        BucketKeyEnabled: rule.BucketKeyEnabled,
      }));
      await this.optional(`${id} encryption`, () => this.s3.send(new PutBucketEncryptionCommand({ Bucket: name, ServerSideEncryptionConfiguration: { Rules: rules } })));
    }
    if (p.PublicAccessBlockConfiguration) {
      await this.optional(`${id} public access block`, () => this.s3.send(new PutPublicAccessBlockCommand({ Bucket: name, PublicAccessBlockConfiguration: p.PublicAccessBlockConfiguration })));
    }
    if (p.LifecycleConfiguration?.Rules) {
      const rules = (p.LifecycleConfiguration.Rules as any[]).map((rule) => ({
        ID: rule.Id,
        Status: rule.Status,
        Filter: { Prefix: rule.Prefix ?? "" },
        ...(rule.ExpirationInDays ? { Expiration: { Days: Number(rule.ExpirationInDays) } } : {}),
        ...(rule.AbortIncompleteMultipartUpload ? { AbortIncompleteMultipartUpload: { DaysAfterInitiation: Number(rule.AbortIncompleteMultipartUpload.DaysAfterInitiation) } } : {}),
      }));
      await this.optional(`${id} lifecycle`, () => this.s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: name, LifecycleConfiguration: { Rules: rules } })));
    }
    if (p.CorsConfiguration?.CorsRules) {
      const rules = (p.CorsConfiguration.CorsRules as any[]).map(({ MaxAge, Id, ...rule }) => ({ ...rule, ID: Id, MaxAgeSeconds: MaxAge === undefined ? undefined : Number(MaxAge) }));
      await this.optional(`${id} CORS`, () => this.s3.send(new PutBucketCorsCommand({ Bucket: name, CORSConfiguration: { CORSRules: rules } })));
    }
    this.remember({ logicalId: id, type: resource.Type, physicalId: name, attributes: { Arn: `arn:aws:s3:::${name}`, DomainName: `${name}.s3.amazonaws.com` } });
  }

  /** SAM's `Events: { X: { Type: S3 } }` on functions, as one notification configuration per bucket. */
  private async s3Events(): Promise<void> {
    const byBucket = new Map<string, LambdaFunctionConfiguration[]>();
    for (const [id, resource] of Object.entries(this.template.Resources)) {
      if (resource.Type !== "AWS::Serverless::Function" || !this.created.has(id)) continue;
      const events = (resource.Properties?.Events ?? {}) as Record<string, { Type: string; Properties: unknown }>;
      for (const [eventName, event] of Object.entries(events)) {
        if (event.Type !== "S3") continue;
        const p = resolve(event.Properties, this.context()) as { Bucket: string; Events: string | string[]; Filter?: { S3Key?: { Rules?: { Name: string; Value: string }[] } } };
        const list = byBucket.get(p.Bucket) ?? [];
        list.push({
          Id: `${id}${eventName}`,
          LambdaFunctionArn: this.created.get(id)!.attributes!.Arn!,
          Events: [p.Events].flat() as LambdaFunctionConfiguration["Events"],
          ...(p.Filter?.S3Key?.Rules ? { Filter: { Key: { FilterRules: p.Filter.S3Key.Rules.map((r) => ({ Name: r.Name as "prefix" | "suffix", Value: r.Value })) } } } : {}),
        });
        byBucket.set(p.Bucket, list);
      }
    }
    for (const [bucket, configurations] of byBucket) {
      await this.s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: { LambdaFunctionConfigurations: configurations } }));
    }
  }

  // ------------------------------------------------------------------ DynamoDB
  private async table(id: string, resource: TemplateResource): Promise<void> {
    const p = this.props(resource);
    const name: string = p.TableName ?? `${this.stackName}-${kebab(id, resource.Type)}`;
    let exists = true;
    try {
      await this.dynamodb.send(new DescribeTableCommand({ TableName: name }));
    } catch (error) {
      if (errorName(error) !== "ResourceNotFoundException") throw error;
      exists = false;
    }
    if (!exists) {
      const input: CreateTableCommandInput = {
        TableName: name,
        AttributeDefinitions: p.AttributeDefinitions,
        KeySchema: p.KeySchema,
        BillingMode: p.BillingMode ?? "PROVISIONED",
        ...(p.ProvisionedThroughput ? { ProvisionedThroughput: p.ProvisionedThroughput } : {}),
        ...(p.GlobalSecondaryIndexes ? { GlobalSecondaryIndexes: p.GlobalSecondaryIndexes } : {}),
        ...(p.LocalSecondaryIndexes ? { LocalSecondaryIndexes: p.LocalSecondaryIndexes } : {}),
      };
      await this.dynamodb.send(new CreateTableCommand(input));
      if (p.TimeToLiveSpecification?.Enabled) {
        const spec = { AttributeName: p.TimeToLiveSpecification.AttributeName, Enabled: true };
        await this.optional(`${id} time to live`, () => this.dynamodb.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: spec })));
      }
    }
    this.remember({ logicalId: id, type: resource.Type, physicalId: name, attributes: { Arn: `arn:aws:dynamodb:${this.target.region}:${this.target.accountId}:table/${name}` } });
  }

  // ------------------------------------------------------------------ Lambda
  private async function(id: string, resource: TemplateResource): Promise<void> {
    const p = this.props(resource);
    const name: string = p.FunctionName ?? `${this.stackName}-${kebab(id, resource.Type)}`;
    if (typeof p.CodeUri !== "string") throw new Error(`${id}: CodeUri must be a local directory`);
    const codeDir = isAbsolute(p.CodeUri) ? p.CodeUri : resolvePath(this.templateDir, p.CodeUri);
    const code = { S3Bucket: "hot-reload", S3Key: codeDir };
    const configuration = {
      FunctionName: name,
      Runtime: p.Runtime as Runtime,
      Handler: p.Handler ?? "index.handler",
      Timeout: p.Timeout === undefined ? 3 : Number(p.Timeout),
      MemorySize: p.MemorySize === undefined ? 128 : Number(p.MemorySize),
      Environment: { Variables: Object.fromEntries(Object.entries((p.Environment?.Variables ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)])) },
      Description: p.Description,
    };
    let exists = true;
    try {
      await this.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    } catch (error) {
      if (errorName(error) !== "ResourceNotFoundException") throw error;
      exists = false;
    }
    if (exists) {
      await this.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ...code }));
      await this.waitActive(name);
      await this.lambda.send(new UpdateFunctionConfigurationCommand(configuration));
    } else {
      await this.lambda.send(
        new CreateFunctionCommand({
          ...configuration,
          Role: `arn:aws:iam::${this.target.accountId}:role/${name}-role`,
          Code: code,
          Architectures: p.Architectures,
          Tags: { "aws:cloudformation:stack-name": this.stackName, "aws:cloudformation:logical-id": id },
        }),
      );
    }
    await this.waitActive(name);
    if (p.Policies) this.note(`IAM policies of the functions are not enforced locally`);
    this.remember({ logicalId: id, type: resource.Type, physicalId: name, attributes: { Arn: `arn:aws:lambda:${this.target.region}:${this.target.accountId}:function:${name}` } });
  }

  private async waitActive(name: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const config = await this.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
      if ((config.State ?? "Active") !== "Pending" && config.LastUpdateStatus !== "InProgress") return;
      await new Promise((done) => setTimeout(done, 50));
    }
    throw new Error(`function ${name} did not become Active`);
  }

  private async permission(id: string, resource: TemplateResource): Promise<void> {
    const p = this.props(resource);
    try {
      await this.lambda.send(
        new AddPermissionCommand({ FunctionName: p.FunctionName, StatementId: id, Action: p.Action, Principal: p.Principal, SourceArn: p.SourceArn, SourceAccount: p.SourceAccount }),
      );
    } catch (error) {
      if (errorName(error) === "ResourceConflictException") {
        // Already there from an earlier start.
      } else if (notImplemented(error)) this.note(`${id}: Lambda permissions not applied locally`);
      else throw error;
    }
    this.remember({ logicalId: id, type: resource.Type, physicalId: id });
  }

  // ------------------------------------------------------------------ Cognito
  private async userPool(id: string, resource: TemplateResource): Promise<void> {
    const { UserPoolName, UserPoolTags, ...p } = this.props(resource);
    const name: string = UserPoolName ?? `${this.stackName}-${kebab(id, resource.Type)}`;
    let poolId: string | undefined;
    const known = this.known.get(id)?.physicalId;
    if (known) {
      try {
        await this.cognito.send(new DescribeUserPoolCommand({ UserPoolId: known }));
        poolId = known;
      } catch (error) {
        if (errorName(error) !== "ResourceNotFoundException") throw error;
      }
    }
    if (!poolId) {
      let token: string | undefined;
      do {
        const page = await this.cognito.send(new ListUserPoolsCommand({ MaxResults: 60, NextToken: token }));
        poolId = page.UserPools?.find((pool) => pool.Name === name)?.Id;
        token = page.NextToken;
      } while (!poolId && token);
    }
    const settings = {
      LambdaConfig: p.LambdaConfig,
      Policies: p.Policies,
      AdminCreateUserConfig: p.AdminCreateUserConfig,
      AccountRecoverySetting: p.AccountRecoverySetting,
      AutoVerifiedAttributes: p.AutoVerifiedAttributes,
      MfaConfiguration: p.MfaConfiguration,
      DeletionProtection: p.DeletionProtection,
    };
    if (poolId) {
      await this.cognito.send(new UpdateUserPoolCommand({ UserPoolId: poolId, ...settings }));
    } else {
      const input: CreateUserPoolCommandInput = {
        PoolName: name,
        ...settings,
        UsernameAttributes: p.UsernameAttributes,
        AliasAttributes: p.AliasAttributes,
        UsernameConfiguration: p.UsernameConfiguration,
        Schema: p.Schema,
        UserPoolTags: UserPoolTags,
      };
      const created = await this.cognito.send(new CreateUserPoolCommand(input));
      poolId = created.UserPool!.Id!;
    }
    const described = await this.cognito.send(new DescribeUserPoolCommand({ UserPoolId: poolId }));
    const arn = described.UserPool?.Arn ?? `arn:aws:cognito-idp:${this.target.region}:${this.target.accountId}:userpool/${poolId}`;
    this.remember({
      logicalId: id,
      type: resource.Type,
      physicalId: poolId,
      attributes: { Arn: arn, ProviderName: `cognito-idp.${this.target.region}.amazonaws.com/${poolId}`, ProviderURL: `https://cognito-idp.${this.target.region}.amazonaws.com/${poolId}`, UserPoolId: poolId },
    });
  }

  private async userPoolClient(id: string, resource: TemplateResource): Promise<void> {
    const { UserPoolId, GenerateSecret, ...p } = this.props(resource);
    let clientId: string | undefined;
    const known = this.known.get(id);
    if (known && (known.attributes?.UserPoolId === UserPoolId)) {
      try {
        await this.cognito.send(new DescribeUserPoolClientCommand({ UserPoolId, ClientId: known.physicalId }));
        clientId = known.physicalId;
      } catch (error) {
        if (errorName(error) !== "ResourceNotFoundException") throw error;
      }
    }
    const numbers = (value: unknown) => (value === undefined ? undefined : Number(value));
    const settings = {
      ...p,
      ClientName: p.ClientName ?? `${this.stackName}-${kebab(id, resource.Type)}`,
      AuthSessionValidity: numbers(p.AuthSessionValidity),
      AccessTokenValidity: numbers(p.AccessTokenValidity),
      IdTokenValidity: numbers(p.IdTokenValidity),
      RefreshTokenValidity: numbers(p.RefreshTokenValidity),
    };
    if (clientId) {
      await this.cognito.send(new UpdateUserPoolClientCommand({ UserPoolId, ClientId: clientId, ...settings }));
    } else {
      const created = await this.cognito.send(new CreateUserPoolClientCommand({ UserPoolId, GenerateSecret: GenerateSecret === true || GenerateSecret === "true", ...settings }));
      clientId = created.UserPoolClient!.ClientId!;
    }
    this.remember({ logicalId: id, type: resource.Type, physicalId: clientId, attributes: { UserPoolId, ClientId: clientId } });
  }

  // ------------------------------------------------------------------ custom resources
  private async customResource(id: string, resource: TemplateResource): Promise<void> {
    const properties = this.props(resource);
    const serviceToken = String(properties.ServiceToken ?? "");
    if (!serviceToken.startsWith("arn:aws:lambda:")) throw new Error(`${id}: ServiceToken must be a Lambda function ARN, got ${serviceToken}`);
    const previous = this.known.get(id);
    const answer = await this.callCustomResource(id, resource.Type, serviceToken, properties, previous);
    if (answer.Status !== "SUCCESS") throw new Error(`${id}: the custom resource failed: ${answer.Reason ?? "(no reason given)"}`);
    const attributes = Object.fromEntries(Object.entries(answer.Data ?? {}).map(([k, v]) => [k, String(v)]));
    this.remember({ logicalId: id, type: resource.Type, physicalId: answer.PhysicalResourceId ?? id, attributes, properties });
  }

  private async callCustomResource(
    id: string,
    type: string,
    serviceToken: string,
    properties: Record<string, unknown>,
    previous: JournalRecord | undefined,
  ): Promise<{ Status: string; Reason?: string; PhysicalResourceId?: string; Data?: Record<string, unknown> }> {
    let received: (body: string) => void = () => undefined;
    const body = new Promise<string>((done) => (received = done));
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        response.writeHead(200).end();
        received(Buffer.concat(chunks).toString("utf8"));
      });
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    try {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      const requestId = `${id}-${this.journal.load().length}`;
      const event = {
        RequestType: previous ? "Update" : "Create",
        ServiceToken: serviceToken,
        ResponseURL: `http://127.0.0.1:${port}/cloudformation-response/${encodeURIComponent(id)}`,
        StackId: this.parameters["AWS::StackId"],
        RequestId: requestId,
        ResourceType: type,
        LogicalResourceId: id,
        ResourceProperties: properties,
        ...(previous ? { PhysicalResourceId: previous.physicalId, OldResourceProperties: previous.properties ?? properties } : {}),
      };
      const invoked = await this.lambda.send(new InvokeCommand({ FunctionName: serviceToken, Payload: new TextEncoder().encode(JSON.stringify(event)) }));
      if (invoked.FunctionError) {
        throw new Error(`${id}: the custom resource function failed: ${new TextDecoder().decode(invoked.Payload ?? new Uint8Array())}`);
      }
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, fail) => {
        timer = setTimeout(() => fail(new Error(`${id}: the custom resource function never answered its ResponseURL`)), 5000);
      });
      try {
        return JSON.parse(await Promise.race([body, timeout])) as { Status: string };
      } finally {
        clearTimeout(timer);
      }
    } finally {
      server.close();
    }
  }
}

/**
 * Provisions the face-login template into a started stack (or anything with its endpoint,
 * account and data directory) and returns the names a client needs.
 */
export async function provisionTemplate(
  stack: { endpoint: string; region: string; app: { core: { accountId: string; persistence: Persistence; logger: Logger }; resources?: Record<string, string> } },
  options: ProvisionOptions = {},
): Promise<FaceLoginResources> {
  const provisioner = new Provisioner(
    { endpoint: stack.endpoint, region: stack.region, accountId: stack.app.core.accountId, persistence: stack.app.core.persistence, logger: stack.app.core.logger },
    options,
  );
  const resources = await provisioner.provision();
  for (const note of provisioner.notes) stack.app.core.logger.info(`[stack] ${note}`);
  if (stack.app.resources) Object.assign(stack.app.resources, resources);
  return resources;
}
