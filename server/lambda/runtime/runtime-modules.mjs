// Module resolution hook for function code, for what AWS's Node.js runtimes provide beyond the
// package itself:
//   - the AWS SDK for JavaScript v3 (nodejs18.x and later ship it): when a function's own
//     node_modules do not have "@aws-sdk/client-s3", it is resolved from rekognito's installation;
//   - layers' packages (/opt/nodejs/node_modules on AWS): a bare import the package cannot
//     resolve is looked up in its layers' node_modules, in order (NODE_PATH does that for
//     require(); ES module imports ignore NODE_PATH).
// The function's own copy always wins: these are fallbacks after Node's own resolution fails.
import { pathToFileURL } from "node:url";
import { join } from "node:path";

const PROVIDED = /^@(aws-sdk|smithy|aws-crypto)\//;
const FALLBACK_PARENT = import.meta.url;
let layerParents = [];

export function initialize(data) {
  // A parent URL inside each layer's node_modules folder: resolution from there finds its packages.
  layerParents = (data?.moduleDirs ?? []).map((dir) => pathToFileURL(join(dir, "noop.js")).href);
}

const bare = (specifier) => !/^(\.|\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier);

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (!error || error.code !== "ERR_MODULE_NOT_FOUND" || !bare(specifier)) throw error;
    for (const parentURL of layerParents) {
      try {
        return await nextResolve(specifier, { ...context, parentURL });
      } catch {
        // not in this layer
      }
    }
    if (PROVIDED.test(specifier)) return nextResolve(specifier, { ...context, parentURL: FALLBACK_PARENT });
    throw error;
  }
}
