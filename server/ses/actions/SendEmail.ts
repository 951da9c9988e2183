import type { SendEmailRequest, SendEmailResponse } from "@aws-sdk/client-sesv2";
import type { RestRequestContext } from "../../protocol/rest-json.js";
import type { SesServices } from "../services.js";
import { SesErrors } from "../errors.js";

const MAX_RECIPIENTS = 50;
const ADDRESS = /^[^\s@<>]+@[^\s@<>]+$/;

/** The first 6-digit run in a message: the code a sign-in flow mailed, for clients reading the mailbox. */
export function codeIn(text: string): string | null {
  return /(?<!\d)(\d{6})(?!\d)/.exec(text)?.[1] ?? null;
}

/**
 * SESv2 SendEmail (POST /v2/email/outbound-emails): a simple message lands in the local mailbox,
 * one copy per recipient, and the answer is a MessageId as SES gives. Nothing leaves the
 * machine. Identities are not checked (as if every sender were verified and out of the sandbox).
 */
export const SendEmail =
  ({ mailbox, ids }: Pick<SesServices, "mailbox" | "ids">) =>
  (input: SendEmailRequest, _ctx: RestRequestContext): SendEmailResponse => {
    if (!input.Content) throw SesErrors.badRequest("Content is required");
    if (input.Content.Raw) throw SesErrors.notImplemented("Content.Raw");
    if (input.Content.Template) throw SesErrors.notImplemented("Content.Template");
    const simple = input.Content.Simple;
    if (!simple) throw SesErrors.badRequest("Content must contain Simple, Raw or Template");
    if (simple.Subject?.Data === undefined) throw SesErrors.badRequest("Subject is required");
    const text = simple.Body?.Text?.Data ?? simple.Body?.Html?.Data;
    if (text === undefined) throw SesErrors.badRequest("Body must contain Text or Html");
    if (!input.FromEmailAddress) throw SesErrors.badRequest("Missing required field FromEmailAddress");
    const to = [...(input.Destination?.ToAddresses ?? []), ...(input.Destination?.CcAddresses ?? []), ...(input.Destination?.BccAddresses ?? [])];
    if (to.length === 0) throw SesErrors.badRequest("Missing required field Destination");
    if (to.length > MAX_RECIPIENTS) throw SesErrors.messageRejected(`Recipient count exceeds ${MAX_RECIPIENTS}.`);
    for (const address of [input.FromEmailAddress, ...to]) {
      if (!ADDRESS.test(address)) throw SesErrors.badRequest(`Illegal address: ${address}`);
    }
    const messageId = `${ids.bytes(16).toString("hex")}-000000`;
    for (const address of to) {
      mailbox.send({
        to: address,
        subject: simple.Subject.Data,
        body: text,
        code: codeIn(`${simple.Subject.Data}\n${text}`),
        reason: "SES SendEmail",
        userPoolId: "",
        username: "",
      });
    }
    return { MessageId: messageId };
  };
