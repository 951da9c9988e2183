import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { S3Client } from "@aws-sdk/client-s3";
import { ANONYMOUS, TEST_CREDENTIALS } from "./credentials.js";

/**
 * How tests make the unmodified AWS SDK clients talk to a stack: its endpoint, a region and the
 * test pair (`new DynamoDBClient(sdkConfig(stack.endpoint))`), S3 path style (`s3Config`).
 * `maxAttempts: 1` where a test must see the first answer, not a retried one.
 */
export interface ClientOptions {
  region?: string;
  maxAttempts?: number;
}

export function sdkConfig(endpoint: string, options: ClientOptions = {}) {
  return { endpoint, region: options.region ?? "us-east-1", credentials: TEST_CREDENTIALS, ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}) };
}

/** S3 with path-style addressing: bucket.localhost names need no DNS, but 127.0.0.1 has no subdomains. */
export function s3Config(endpoint: string, options: ClientOptions = {}) {
  return { ...sdkConfig(endpoint, options), forcePathStyle: true };
}

/** An S3 client that signs nothing: an anonymous caller, as bucket policies see it. */
export function anonymousS3(endpoint: string, options: ClientOptions = {}): S3Client {
  return new S3Client({ ...s3Config(endpoint, options), ...ANONYMOUS });
}

/** A Cognito client that sends no signature: what a browser or Amplify sends for Cognito's public actions. */
export function unsignedCognito(endpoint: string, options: ClientOptions = {}): CognitoIdentityProviderClient {
  const client = new CognitoIdentityProviderClient(sdkConfig(endpoint, options));
  // Drop the SigV4 Authorization header, as AWS's unsigned actions allow.
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers: Record<string, string> };
      delete request.headers.authorization;
      delete request.headers["x-amz-date"];
      delete request.headers["x-amz-content-sha256"];
      return next(args);
    },
    { step: "finalizeRequest", priority: "low", name: "dropSignature" },
  );
  return client;
}
