import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SESv2Client, SendEmailCommand, BadRequestException, GetAccountCommand } from "@aws-sdk/client-sesv2";
import { startStack, type Stack } from "../../server/stack.js";
import { signedHeaders } from "../support/sign.js";
import { sdkConfig } from "../support/clients.js";

let stack: Stack;
let ses: SESv2Client;

beforeAll(async () => {
  stack = await startStack();
  ses = new SESv2Client(sdkConfig(stack.endpoint));
});
afterAll(() => stack?.close());

const mailbox = async (address: string) =>
  (await (await fetch(`${stack.endpoint}/_rekognito/mailbox?address=${encodeURIComponent(address)}`)).json()) as { to: string; subject: string; body: string; code: string | null }[];

describe("SESv2 SendEmail", () => {
  it("delivers a simple message to the local mailbox, one copy per recipient, with its code", async () => {
    const sent = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: "no-reply@example.com",
        Destination: { ToAddresses: ["Ana.Silva@example.com"], BccAddresses: ["audit@example.com"] },
        Content: { Simple: { Subject: { Data: "Your code" }, Body: { Text: { Data: "Your code is 042917." } } } },
      }),
    );
    expect(sent.MessageId).toMatch(/^[0-9a-f]{32}-000000$/);
    const [ana] = await mailbox("ana.silva@example.com");
    expect(ana).toMatchObject({ subject: "Your code", body: "Your code is 042917.", code: "042917" });
    expect(await mailbox("audit@example.com")).toHaveLength(1);
  });

  it("answers BadRequestException for a message with no recipient, and not-implemented for templates", async () => {
    await expect(
      ses.send(new SendEmailCommand({ FromEmailAddress: "a@example.com", Destination: {}, Content: { Simple: { Subject: { Data: "s" }, Body: { Text: { Data: "b" } } } } })),
    ).rejects.toBeInstanceOf(BadRequestException);
    await expect(
      ses.send(new SendEmailCommand({ FromEmailAddress: "a@example.com", Destination: { ToAddresses: ["b@example.com"] }, Content: { Template: { TemplateName: "t" } } })),
    ).rejects.toMatchObject({ name: "NotImplementedException", $metadata: { httpStatusCode: 501 } });
  });

  it("lists ses in health", async () => {
    const health = (await (await fetch(`${stack.endpoint}/_rekognito/health`)).json()) as { services: Record<string, unknown> };
    expect(health.services.ses).toMatchObject({ actions: ["SendEmail"] });
  });

  it("answers an SES action it does not serve with NotImplementedException, not a fake success", async () => {
    await expect(ses.send(new GetAccountCommand({}))).rejects.toMatchObject({ name: "NotImplementedException", $metadata: { httpStatusCode: 501 } });
  });

  it("validates SendEmail against SES's model and answers a path that is no operation in JSON", async () => {
    await expect(ses.send(new SendEmailCommand({ FromEmailAddress: "a@example.com", Destination: { ToAddresses: ["b@example.com"] } } as never))).rejects.toMatchObject({
      name: "BadRequestException",
      message: "1 validation error detected: Value null at 'content' failed to satisfy constraint: Member must not be null",
    });
    const res = await fetch(`${stack.endpoint}/v2/email/no-such-thing`, { method: "POST", headers: await signedHeaders("ses", { method: "POST", path: "/v2/email/no-such-thing", headers: {}, host: new URL(stack.endpoint).host }) });
    expect(res.status).toBe(404);
    expect(res.headers.get("x-amzn-errortype")).toBe("UnknownOperationException");
  });
});
