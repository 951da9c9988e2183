import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdminGetUserCommand, CognitoIdentityProviderClient, SignUpCommand } from "@aws-sdk/client-cognito-identity-provider";
import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { RekognitoControl } from "../../server/control/client.js";
import { randomPassword } from "../../server/face-login/face-login-client.js";
import { startCliServer, type CliServer } from "../support/cli.js";
import { sdkConfig } from "../support/clients.js";

/**
 * `npm start` stopped and started again on the same data directory, as a developer does every
 * day: the app's users and its tables' items are there again (the CLI starts the DynamoDB engine
 * on the restored tables before the rest of the server has loaded), and a reset goes back to the
 * state the first start set up, not to the restored one.
 */

const dataDir = mkdtempSync(join(tmpdir(), "rekognito-cli-restart-"));
let server: CliServer;
let resources: { region: string; userPoolId: string; userPoolClientId: string; facesTable: string };
const email = "restart.reader@example.com";

const health = async () => (await (await fetch(`${server.endpoint}/_rekognito/health`)).json()) as { resources: typeof resources };

beforeAll(async () => {
  server = await startCliServer(["--data-dir", dataDir, "--quiet"]);
  resources = (await health()).resources;
  const cognito = new CognitoIdentityProviderClient(sdkConfig(server.endpoint, { region: resources.region }));
  await cognito.send(new SignUpCommand({ ClientId: resources.userPoolClientId, Username: email, Password: randomPassword(), UserAttributes: [{ Name: "email", Value: email }] }));
  const dynamodb = new DynamoDBClient(sdkConfig(server.endpoint, { region: resources.region }));
  await dynamodb.send(new PutItemCommand({ TableName: resources.facesTable, Item: { sub: { S: "restart-check" }, email: { S: email } } }));
  await server.stop();
  server = await startCliServer(["--data-dir", dataDir, "--quiet"]);
}, 120_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("npm start again on the same data directory", () => {
  it("serves the same app with its users and its tables' items", async () => {
    expect((await health()).resources).toMatchObject(resources);
    const cognito = new CognitoIdentityProviderClient(sdkConfig(server.endpoint, { region: resources.region }));
    expect((await cognito.send(new AdminGetUserCommand({ UserPoolId: resources.userPoolId, Username: email }))).Username).toBeDefined();
    const dynamodb = new DynamoDBClient(sdkConfig(server.endpoint, { region: resources.region }));
    const item = await dynamodb.send(new GetItemCommand({ TableName: resources.facesTable, Key: { sub: { S: "restart-check" } } }));
    expect(item.Item?.email?.S).toBe(email);
  });

  it("resets to what the first start set up: the app without the user or the item", async () => {
    await new RekognitoControl(server.endpoint).reset();
    const cognito = new CognitoIdentityProviderClient(sdkConfig(server.endpoint, { region: resources.region }));
    await expect(cognito.send(new AdminGetUserCommand({ UserPoolId: resources.userPoolId, Username: email }))).rejects.toMatchObject({ name: "UserNotFoundException" });
    const dynamodb = new DynamoDBClient(sdkConfig(server.endpoint, { region: resources.region }));
    const item = await dynamodb.send(new GetItemCommand({ TableName: resources.facesTable, Key: { sub: { S: "restart-check" } } }));
    expect(item.Item).toBeUndefined();
    expect((await health()).resources).toMatchObject(resources);
  });
});
