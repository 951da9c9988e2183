import type { FastifyInstance } from "fastify";
import type { CoreServices, StackComponent } from "../core/services.js";
import { AwsError } from "../protocol/errors.js";
import { sendAwsError } from "../protocol/json.js";
import { SendEmail } from "./actions/SendEmail.js";
import { SesErrors } from "./errors.js";

/** Where messages land: the shape of Cognito's Mailbox.send (server/cognito/mailbox.ts). */
export interface MailDrop {
  send(message: { to: string; subject: string; body: string; code: string | null; reason: string; userPoolId: string; username: string }): unknown;
}

export interface SesServices {
  core: CoreServices;
  /** The stack's one mailbox (Cognito's): what SES "sends" lands there too. */
  mailbox: MailDrop;
}

/** SESv2's REST routes rekognito serves; any other SES call is answered by AWS's 404/not-implemented. */
export const sesActions = { SendEmail } as const;

/**
 * Amazon SES v2 (rest-json), only what an app's Lambda needs to mail a code: SendEmail. The
 * message lands in the local mailbox (GET /_rekognito/mailbox) and the log.
 */
export function registerSes(fastify: FastifyInstance, services: SesServices): StackComponent {
  const sendEmail = SendEmail(services);
  let sent = 0;
  fastify.post("/v2/email/outbound-emails", async (request, reply) => {
    request.awsLog = { service: "ses", action: "SendEmail" };
    const requestId = services.core.ids.uuid();
    try {
      const body = request.body as Buffer | undefined;
      let input: unknown;
      try {
        input = JSON.parse(body && body.length ? body.toString("utf8") : "{}");
      } catch {
        throw SesErrors.badRequest("The request body is not valid JSON.");
      }
      if (typeof input !== "object" || input === null || Array.isArray(input)) throw SesErrors.badRequest("The request body must be a JSON object.");
      const output = sendEmail(input as never);
      sent++;
      return reply.code(200).header("content-type", "application/json").header("x-amzn-requestid", requestId).send(JSON.stringify(output));
    } catch (error) {
      if (error instanceof AwsError) return sendAwsError(reply, error, requestId);
      throw error;
    }
  });
  return { name: "ses", health: () => ({ actions: Object.keys(sesActions), sent }), close: async () => {} };
}
