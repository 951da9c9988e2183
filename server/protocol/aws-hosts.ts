/**
 * The AWS endpoint host names of the services rekognito emulates: what a client that ignores
 * AWS_ENDPOINT_URL (the AWS SDK for JavaScript v2, an old boto3) calls from inside a Lambda
 * function, and what the Lambda runner's environments send to the stack instead (LocalStack
 * does the same with DNS). Such a request keeps its Host header, so its SigV4 signature, which
 * covers the Host, still holds when the gateway checks it.
 *
 *   s3.amazonaws.com, s3.us-east-1.amazonaws.com, s3-us-west-2.amazonaws.com, and each of them
 *   behind a bucket (photos.s3.amazonaws.com: virtual-hosted style);
 *   dynamodb, rekognition, cognito-idp, lambda and email (SES) at <service>[-fips].<region>.amazonaws.com.
 *
 * Accepting these names in the request policy does not open the DNS-rebinding hole its Host
 * check closes: rebinding needs a name the attacker's DNS answers, and amazonaws.com is AWS's.
 *
 * One pattern, in a syntax JavaScript and Python share (the runtimes get its source).
 */
export const EMULATED_AWS_HOST_PATTERN =
  "^(?:(?:(.+?)\\.)?s3(?:[.-][a-z0-9-]+)*|(dynamodb|rekognition|cognito-idp|lambda|email)(?:-fips)?\\.[a-z0-9-]+)\\.amazonaws\\.com$";

const EMULATED = new RegExp(EMULATED_AWS_HOST_PATTERN);

export interface EmulatedAwsHost {
  service: "s3" | "dynamodb" | "rekognition" | "cognito-idp" | "lambda" | "email";
  /** The bucket of a virtual-hosted S3 name (photos.s3.amazonaws.com). */
  bucket?: string;
}

/** The emulated service an AWS host name (no port, any case) stands for, or undefined. */
export function emulatedAwsHost(hostname: string): EmulatedAwsHost | undefined {
  const name = hostname.toLowerCase().replace(/\.$/, "");
  if (!name.endsWith(".amazonaws.com")) return undefined;
  const match = EMULATED.exec(name);
  if (!match) return undefined;
  if (match[2]) return { service: match[2] as EmulatedAwsHost["service"] };
  return match[1] ? { service: "s3", bucket: match[1] } : { service: "s3" };
}
