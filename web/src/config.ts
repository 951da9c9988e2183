import { Amplify } from "aws-amplify";
import { parseAmplifyConfig } from "aws-amplify/utils";
import type { AmplifyOutputs } from "../outputs.js";

export interface AppConfig {
  region: string;
  userPoolId: string;
  userPoolClientId: string;
  /** The local Cognito endpoint (rekognito), or undefined for AWS. */
  userPoolEndpoint: string | undefined;
}

/**
 * Reads amplify_outputs.json from beside app.js and configures Amplify with it: the same file
 * Amplify Gen 2 writes, so the app runs against AWS unchanged; a local stack adds
 * custom.userPoolEndpoint, which becomes Amplify's Auth.Cognito.userPoolEndpoint.
 */
export async function loadConfig(url = new URL("amplify_outputs.json", import.meta.url)): Promise<AppConfig> {
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) throw new Error(`could not read ${url.pathname}: HTTP ${response.status}`);
  const outputs = (await response.json()) as AmplifyOutputs;
  if (!outputs.auth?.user_pool_id || !outputs.auth.user_pool_client_id) throw new Error(`${url.pathname} names no user pool (auth.user_pool_id, auth.user_pool_client_id)`);
  const config = parseAmplifyConfig(outputs);
  const endpoint = outputs.custom?.userPoolEndpoint;
  if (endpoint && config.Auth?.Cognito) config.Auth.Cognito.userPoolEndpoint = endpoint;
  Amplify.configure(config);
  return {
    region: outputs.auth.aws_region,
    userPoolId: outputs.auth.user_pool_id,
    userPoolClientId: outputs.auth.user_pool_client_id,
    userPoolEndpoint: endpoint,
  };
}
