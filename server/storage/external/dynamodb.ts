import type { CoreServices, StackComponent } from "../../core/services.js";
import { callerFromHeaders } from "../../protocol/sigv4.js";
import { Forwarder, forwardableHeaders, relay, UpstreamError } from "../forward.js";
import { sendAwsError, type JsonGateway } from "../../protocol/json.js";
import { DynamoDBErrors } from "../dynamodb/errors.js";
import { DYNAMODB_TARGET_PREFIX } from "../dynamodb/index.js";
import { ExternalSigner } from "./signer.js";

/**
 * DynamoDB passed through to an external endpoint (LocalStack, moto): every operation goes,
 * re-signed for that endpoint; the external engine decides what it implements.
 */
export async function createExternalDynamoDB(core: CoreServices, gateway: JsonGateway, endpoint: string): Promise<StackComponent> {
  const base = new URL(endpoint);
  const forwarder = new Forwarder(endpoint);
  const signer = new ExternalSigner();
  gateway.registerProxy(DYNAMODB_TARGET_PREFIX, "dynamodb", async (request, reply) => {
    const region = callerFromHeaders(request.headers).region ?? core.defaultRegion;
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const headers = forwardableHeaders(request.headers);
    delete headers["x-amz-content-sha256"];
    const signed = await signer.sign("dynamodb", region, { method: "POST", endpoint: base, path: "/", query: {}, headers, body }, new Date(core.clock.now()));
    try {
      return relay(reply, await forwarder.send("POST", "/", forwardableHeaders(signed), body), "POST");
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      return sendAwsError(reply, DynamoDBErrors.unavailable(error.origin, error.reason), core.ids.uuid());
    }
  });
  return {
    name: "dynamodb",
    health: () => ({ engine: "external", endpoint: base.origin }),
    close: async () => forwarder.close(),
  };
}
