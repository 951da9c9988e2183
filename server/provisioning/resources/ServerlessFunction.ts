import { isAbsolute, resolve as resolvePath } from "node:path";
import { xmlDocument, type StackClient } from "../client.js";
import { resolve, type ResolveContext, type Template } from "../template.js";
import { errorName, generatedName, type ResourceHandler, type ResourceRecord } from "./types.js";

/**
 * AWS::Serverless::Function: a function run from its source directory (CodeUri), TypeScript as
 * it is, through Lambda's API: created, or its code and configuration updated (a restart picks up
 * edited settings). IAM roles and policies are not enforced locally (noted).
 */
export const ServerlessFunction: ResourceHandler = async (ctx, id, resource, p) => {
  const { client } = ctx;
  const name: string = p.FunctionName ?? generatedName(ctx.stackName, id, resource.Type);
  if (typeof p.CodeUri !== "string") throw new Error(`${id}: CodeUri must be a local directory`);
  const codeDir = isAbsolute(p.CodeUri) ? p.CodeUri : resolvePath(ctx.templateDir, p.CodeUri);
  const code = { S3Bucket: "hot-reload", S3Key: codeDir };
  const configuration = {
    Runtime: p.Runtime,
    Handler: p.Handler ?? "index.handler",
    Timeout: p.Timeout === undefined ? 3 : Number(p.Timeout),
    MemorySize: p.MemorySize === undefined ? 128 : Number(p.MemorySize),
    Environment: { Variables: Object.fromEntries(Object.entries((p.Environment?.Variables ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)])) },
    ...(p.Description === undefined ? {} : { Description: p.Description }),
  };
  const path = `/functions/${encodeURIComponent(name)}`;
  let exists = true;
  try {
    await client.lambda("GET", `${path}/configuration`);
  } catch (error) {
    if (errorName(error) !== "ResourceNotFoundException") throw error;
    exists = false;
  }
  const arn = `arn:aws:lambda:${ctx.region}:${ctx.accountId}:function:${name}`;
  // Its code is read from CodeUri at each invocation: the same properties need no update.
  if (exists && ctx.unchanged(id, p)) return { physicalId: name, attributes: { Arn: arn }, kept: true };
  if (exists) {
    await client.lambda("PUT", `${path}/code`, code);
    await waitActive(client, path);
    await client.lambda("PUT", `${path}/configuration`, configuration);
  } else {
    await client.lambda("POST", "/functions", {
      FunctionName: name,
      ...configuration,
      Role: `arn:aws:iam::${ctx.accountId}:role/${name}-role`,
      Code: code,
      ...(p.Architectures ? { Architectures: p.Architectures } : {}),
      Tags: { "aws:cloudformation:stack-name": ctx.stackName, "aws:cloudformation:logical-id": id },
    });
  }
  await waitActive(client, path);
  if (p.Policies) ctx.note(`IAM policies of the functions are not enforced locally`);
  return { physicalId: name, attributes: { Arn: arn } };
};

/** As CloudFormation waits: a function is usable once its State is Active and its last update done. */
async function waitActive(client: StackClient, path: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { output } = await client.lambda<{ State?: string; LastUpdateStatus?: string }>("GET", `${path}/configuration`);
    if ((output.State ?? "Active") !== "Pending" && output.LastUpdateStatus !== "InProgress") return;
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`function ${path.split("/").pop()} did not become Active`);
}

/**
 * SAM's `Events: { X: { Type: S3 } }` on functions, as one notification configuration per
 * bucket (PUT /bucket?notification), once every function exists.
 */
export async function functionS3Events(
  client: StackClient,
  template: Template,
  created: ReadonlyMap<string, ResourceRecord>,
  context: ResolveContext,
  kept: ReadonlySet<string> = new Set(),
): Promise<void> {
  const byBucket = new Map<string, unknown[]>();
  // A bucket whose configuration is put again: not when it and every function it notifies were found as they were.
  const changed = new Set<string>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== "AWS::Serverless::Function" || !created.has(id)) continue;
    const events = (resource.Properties?.Events ?? {}) as Record<string, { Type: string; Properties: unknown }>;
    for (const [eventName, event] of Object.entries(events)) {
      if (event.Type !== "S3") continue;
      const p = resolve(event.Properties, context) as { Bucket: string; Events: string | string[]; Filter?: { S3Key?: { Rules?: { Name: string; Value: string }[] } } };
      const list = byBucket.get(p.Bucket) ?? [];
      // S3's XML names: a LambdaFunctionConfiguration is a CloudFunctionConfiguration on the wire.
      list.push({
        Id: `${id}${eventName}`,
        CloudFunction: created.get(id)!.attributes!.Arn!,
        Event: [p.Events].flat(),
        ...(p.Filter?.S3Key?.Rules ? { Filter: { S3Key: { FilterRule: p.Filter.S3Key.Rules.map((r) => ({ Name: r.Name, Value: r.Value })) } } } : {}),
      });
      byBucket.set(p.Bucket, list);
      const bucketId = [...created.values()].find((r) => r.type === "AWS::S3::Bucket" && r.physicalId === p.Bucket)?.logicalId;
      if (!kept.has(id) || !bucketId || !kept.has(bucketId)) changed.add(p.Bucket);
    }
  }
  for (const [bucket, configurations] of byBucket) {
    if (!changed.has(bucket)) continue;
    await client.s3("PUT", bucket, "notification", xmlDocument("NotificationConfiguration", { CloudFunctionConfiguration: configurations }));
  }
}
