import type { AttributeType } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoErrors } from "./errors.js";
import type { StringMap } from "./triggers/events.js";

/** Values read off a request as the flows and triggers take them. */

/** ClientMetadata as triggers receive it: AWS passes it only when the caller gave some. */
export function clientMetadata(value: Record<string, string> | undefined): StringMap | undefined {
  return value && Object.keys(value).length ? value : undefined;
}

/** ValidationData (a list of name/value pairs on the wire) as the triggers' map, or undefined. */
export function validationData(list: AttributeType[] | undefined): StringMap | undefined {
  return clientMetadata(Object.fromEntries((list ?? []).map((a) => [a.Name!, a.Value ?? ""])));
}

/** An AuthParameters / ChallengeResponses entry the flow cannot do without. */
export function required(map: Record<string, string>, name: string, options: { emptyAllowed?: boolean } = {}): string {
  const value = map[name];
  if (value === undefined || (!value && !options.emptyAllowed)) throw CognitoErrors.invalidParameter(`Missing required parameter ${name}`);
  return value;
}
