/**
 * Writes the web app's amplify_outputs.json for the face-login stack deployed on AWS, from its
 * CloudFormation outputs (template.yaml's Region, UserPoolId, UserPoolClientId): the same file
 * rekognito serves, without custom.userPoolEndpoint, so the app talks to AWS.
 *
 *   npx tsx scripts/amplify-outputs.ts --stack-name face-login --out dist/amplify_outputs.json
 *       runs `aws cloudformation describe-stacks` (the AWS CLI, with your credentials)
 *   aws cloudformation describe-stacks --stack-name face-login > stack.json
 *   npx tsx scripts/amplify-outputs.ts --describe-stacks stack.json --out dist/amplify_outputs.json
 *       the same from a saved answer
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { amplifyOutputs } from "../web/outputs.js";

interface DescribeStacks {
  Stacks?: { StackName?: string; Outputs?: { OutputKey?: string; OutputValue?: string }[] }[];
}

function main(): void {
  const { values } = parseArgs({
    options: {
      "stack-name": { type: "string", default: "face-login" },
      region: { type: "string" },
      "describe-stacks": { type: "string" },
      out: { type: "string", default: "amplify_outputs.json" },
    },
  });
  const text = values["describe-stacks"]
    ? readFileSync(values["describe-stacks"], "utf8")
    : execFileSync("aws", ["cloudformation", "describe-stacks", "--stack-name", values["stack-name"]!, "--output", "json", ...(values.region ? ["--region", values.region] : [])], { encoding: "utf8" });
  const described = JSON.parse(text) as DescribeStacks;
  const outputs = Object.fromEntries((described.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  const missing = ["Region", "UserPoolId", "UserPoolClientId"].filter((k) => !outputs[k]);
  if (missing.length) throw new Error(`the stack's outputs lack ${missing.join(", ")} (template.yaml's Outputs)`);
  const file = amplifyOutputs({ region: outputs.Region!, userPoolId: outputs.UserPoolId!, userPoolClientId: outputs.UserPoolClientId! });
  mkdirSync(dirname(values.out!), { recursive: true });
  writeFileSync(values.out!, `${JSON.stringify(file, null, 2)}\n`);
  process.stdout.write(`wrote ${values.out} (user pool ${outputs.UserPoolId}, app client ${outputs.UserPoolClientId}, ${outputs.Region})\n`);
}

try {
  main();
} catch (error) {
  process.stderr.write(`amplify-outputs: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
