import type { FastifyInstance } from "fastify";
import type { CoreServices, StackComponent } from "../core/services.js";
import { loadModel } from "../protocol/model.js";
import { registerRestService, type RestAction } from "../protocol/rest-json.js";
import { SendEmail } from "./actions/SendEmail.js";
import { sesRestErrors } from "./errors.js";
import type { MailDrop, SesServices } from "./services.js";

export type { MailDrop, SesServices } from "./services.js";

/** The SESv2 actions rekognito implements; every other operation of the model answers NotImplementedException. */
export const sesActions = { SendEmail } satisfies Record<string, (services: SesServices) => RestAction>;

/**
 * Amazon SES v2 (rest-json, server/protocol/rest-json.ts), only what an app's Lambda needs to
 * mail a code: SendEmail. The message lands in the local mailbox (GET /_rekognito/mailbox) and
 * the log.
 */
export function registerSes(fastify: FastifyInstance, deps: { core: CoreServices; mailbox: MailDrop }): StackComponent {
  const { core } = deps;
  const services: SesServices = { ids: core.ids, mailbox: deps.mailbox };
  let sent = 0;
  const sendEmail = SendEmail(services);
  const actions: Record<keyof typeof sesActions, RestAction> = {
    SendEmail: (input, ctx) => {
      const output = sendEmail(input, ctx);
      sent++;
      return output;
    },
  };
  registerRestService(fastify, {
    name: "ses",
    model: loadModel("sesv2"),
    actions,
    errors: sesRestErrors,
    requestId: () => core.ids.uuid(),
    accountId: core.accountId,
    defaultRegion: core.defaultRegion,
    prefixes: ["/v2/email"],
  });
  return { name: "ses", health: () => ({ actions: Object.keys(sesActions), sent }), close: async () => {} };
}
