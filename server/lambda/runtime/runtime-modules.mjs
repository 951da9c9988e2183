// Module resolution hook for function code: AWS's Node.js runtimes (nodejs18.x and later)
// ship the AWS SDK for JavaScript v3, so a deployment package may import "@aws-sdk/client-s3"
// without bundling it. When a function's own node_modules do not have such a package, it is
// resolved from rekognito's own installation instead. The function's copy always wins.
const PROVIDED = /^@(aws-sdk|smithy|aws-crypto)\//;
const FALLBACK_PARENT = import.meta.url;

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (PROVIDED.test(specifier) && error && error.code === "ERR_MODULE_NOT_FOUND") {
      return nextResolve(specifier, { ...context, parentURL: FALLBACK_PARENT });
    }
    throw error;
  }
}
