import { EventEmitter } from "node:events";
import type { S3Event } from "aws-lambda";

/**
 * What one part of the stack tells another, inside the process. S3 raises a notification
 * when an object is created in a bucket whose notification configuration targets a Lambda
 * function; the Lambda service subscribes and invokes the function asynchronously.
 */
export interface S3Notification {
  /** The configured destination, e.g. arn:aws:lambda:us-east-1:000000000000:function:index-faces */
  targetArn: string;
  targetType: "lambda" | "queue" | "topic";
  /** The configuration's Id (also in the record's s3.configurationId). */
  configurationId: string;
  /** The event exactly as AWS delivers it to a Lambda function: one record. */
  event: S3Event;
}

interface StackEventMap {
  "s3:notification": [S3Notification];
  /** A message landed in the local mailbox (the console's mailbox page updates live). */
  mail: [{ id: string; to: string; subject: string; code: string | null }];
}

export class StackEvents extends EventEmitter<StackEventMap> {}
