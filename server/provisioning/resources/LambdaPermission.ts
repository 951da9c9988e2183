import { errorName, notImplemented, type ResourceHandler } from "./types.js";

/** AWS::Lambda::Permission: AddPermission (already there from an earlier start is fine). */
export const LambdaPermission: ResourceHandler = async (ctx, id, _resource, p) => {
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
