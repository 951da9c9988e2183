/**
 * Whether this is the compiled server (lib/build.js bundles server/ for `npm start`, and puts
 * in place of this module the URL of the folder the build is in) or the TypeScript sources run
 * as they are (vitest, tsx): null.
 */
export const compiledBuild: URL | null = null;
