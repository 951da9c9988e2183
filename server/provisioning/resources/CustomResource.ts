import { createServer } from "node:http";
import { isDeepStrictEqual } from "node:util";
import type { ResourceContext, ResourceHandler, ResourceRecord } from "./types.js";

interface CustomResourceAnswer {
  Status: string;
  Reason?: string;
  PhysicalResourceId?: string;
  Data?: Record<string, unknown>;
}

/**
 * `Custom::<Name>` and AWS::CloudFormation::CustomResource: the ServiceToken's function invoked
 * with a CloudFormation event (Create, or Update with the old properties), answering on its
 * ResponseURL (a local server, since the function runs in a process of its own).
 *
 * As CloudFormation does, a resource whose properties have not changed since it was made is not
 * sent again: a restart on the same data directory does not invoke the function (no cold start
 * of its environment on every boot).
 */
export const CustomResource: ResourceHandler = async (ctx, id, resource, properties) => {
  const serviceToken = String(properties.ServiceToken ?? "");
  if (!serviceToken.startsWith("arn:aws:lambda:")) throw new Error(`${id}: ServiceToken must be a Lambda function ARN, got ${serviceToken}`);
  const previous = ctx.known(id);
  if (previous && previous.type === resource.Type && isDeepStrictEqual(previous.properties, JSON.parse(JSON.stringify(properties)))) {
    return { physicalId: previous.physicalId, attributes: previous.attributes ?? {}, properties, kept: true };
  }
  const answer = await callCustomResource(ctx, id, resource.Type, serviceToken, properties, previous);
  if (answer.Status !== "SUCCESS") throw new Error(`${id}: the custom resource failed: ${answer.Reason ?? "(no reason given)"}`);
  const attributes = Object.fromEntries(Object.entries(answer.Data ?? {}).map(([k, v]) => [k, String(v)]));
  return { physicalId: answer.PhysicalResourceId ?? id, attributes, properties };
};

async function callCustomResource(
  ctx: ResourceContext,
  id: string,
  type: string,
  serviceToken: string,
  properties: Record<string, unknown>,
  previous: ResourceRecord | undefined,
): Promise<CustomResourceAnswer> {
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
    const event = {
      RequestType: previous ? "Update" : "Create",
      ServiceToken: serviceToken,
      ResponseURL: `http://127.0.0.1:${port}/cloudformation-response/${encodeURIComponent(id)}`,
      StackId: ctx.parameters["AWS::StackId"],
      RequestId: `${id}-${ctx.journalLength()}`,
      ResourceType: type,
      LogicalResourceId: id,
      ResourceProperties: properties,
      ...(previous ? { PhysicalResourceId: previous.physicalId, OldResourceProperties: previous.properties ?? properties } : {}),
    };
    const invoked = await ctx.client.lambda("POST", `/functions/${encodeURIComponent(serviceToken)}/invocations`, Buffer.from(JSON.stringify(event)));
    if (invoked.headers["x-amz-function-error"]) {
      throw new Error(`${id}: the custom resource function failed: ${invoked.raw.toString("utf8")}`);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new Error(`${id}: the custom resource function never answered its ResponseURL`)), 5000);
    });
    try {
      return JSON.parse(await Promise.race([body, timeout])) as CustomResourceAnswer;
    } finally {
      clearTimeout(timer);
    }
  } finally {
    server.close();
  }
}
