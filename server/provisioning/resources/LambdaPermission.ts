import { errorName, notImplemented, type ResourceHandler } from "./types.js";

/**
 * AWS::Lambda::Permission: AddPermission (already there from an earlier start is fine); not sent
 * again for the same statement on a function found as it was.
 */
export const LambdaPermission: ResourceHandler = async (ctx, id, _resource, p) => {
  if (ctx.unchanged(id, p)) return { physicalId: id, kept: true };
  try {
    await ctx.client.lambda("POST", `/functions/${encodeURIComponent(p.FunctionName)}/policy`, {
      StatementId: id,
      Action: p.Action,
      Principal: p.Principal,
      ...(p.SourceArn === undefined ? {} : { SourceArn: p.SourceArn }),
      ...(p.SourceAccount === undefined ? {} : { SourceAccount: p.SourceAccount }),
    });
  } catch (error) {
    if (errorName(error) === "ResourceConflictException") {
      // Already there from an earlier start.
    } else if (notImplemented(error)) ctx.note(`${id}: Lambda permissions not applied locally`);
    else throw error;
  }
  return { physicalId: id };
};
