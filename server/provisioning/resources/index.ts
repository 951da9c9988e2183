import { CognitoUserPool } from "./CognitoUserPool.js";
import { CognitoUserPoolClient } from "./CognitoUserPoolClient.js";
import { CustomResource } from "./CustomResource.js";
import { DynamoDBTable } from "./DynamoDBTable.js";
import { LambdaPermission } from "./LambdaPermission.js";
import { S3Bucket } from "./S3Bucket.js";
import { S3BucketPolicy } from "./S3BucketPolicy.js";
import { ServerlessFunction } from "./ServerlessFunction.js";
import type { ResourceHandler } from "./types.js";

export { functionS3Events } from "./ServerlessFunction.js";
export type { ResourceContext, ResourceHandler, ResourceRecord } from "./types.js";

/** The resource types rekognito provisions, one module each; any other type is refused by name. */
export const RESOURCE_TYPES: Record<string, ResourceHandler> = {
  "AWS::S3::Bucket": S3Bucket,
  "AWS::S3::BucketPolicy": S3BucketPolicy,
  "AWS::DynamoDB::Table": DynamoDBTable,
  "AWS::Serverless::Function": ServerlessFunction,
  "AWS::Cognito::UserPool": CognitoUserPool,
  "AWS::Cognito::UserPoolClient": CognitoUserPoolClient,
  "AWS::Lambda::Permission": LambdaPermission,
  "AWS::CloudFormation::CustomResource": CustomResource,
};

/** The handler of a type: custom resources (`Custom::<Name>`) all share one. */
export function handlerOf(type: string): ResourceHandler | undefined {
  if (type.startsWith("Custom::")) return CustomResource;
  return Object.hasOwn(RESOURCE_TYPES, type) ? RESOURCE_TYPES[type] : undefined;
}
