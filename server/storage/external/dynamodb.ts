import type { CoreServices, StackComponent } from "../../core/services.js";
import type { JsonGateway } from "../../protocol/json.js";
import { callerFromHeaders } from "../../protocol/sigv4.js";
import { Forwarder, forwardableHeaders, relay } from "../forward.js";
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
    const forwarded = await forwarder.send("POST", "/", forwardableHeaders(signed), body);
    return relay(reply, forwarded, "POST");
  });
  return {
    name: "dynamodb",
    health: () => ({ engine: "external", endpoint: base.origin }),
    close: async () => forwarder.close(),
  };
}
