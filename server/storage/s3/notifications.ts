import type { S3Request } from "./services.js";
import type {
  Event as S3EventName,
  FilterRule,
  LambdaFunctionConfiguration,
  NotificationConfiguration,
  QueueConfiguration,
  TopicConfiguration,
} from "@aws-sdk/client-s3";
import type { S3EventRecord } from "aws-lambda";
import type { CoreServices } from "../../core/services.js";
import type { S3Notification } from "../../core/events.js";
import { randomString, type IdGenerator } from "../../core/ids.js";
import { S3Errors } from "./errors.js";
import { all, first, text, type XmlObject, type XmlTree } from "./xml.js";

/** The event types S3 accepts in a notification configuration (the model's Event enum). */
const EVENTS = new Set<string>([
  "s3:ReducedRedundancyLostObject",
  "s3:ObjectCreated:*",
  "s3:ObjectCreated:Put",
  "s3:ObjectCreated:Post",
  "s3:ObjectCreated:Copy",
  "s3:ObjectCreated:CompleteMultipartUpload",
  "s3:ObjectRemoved:*",
  "s3:ObjectRemoved:Delete",
  "s3:ObjectRemoved:DeleteMarkerCreated",
  "s3:ObjectRestore:*",
  "s3:ObjectRestore:Post",
  "s3:ObjectRestore:Completed",
  "s3:ObjectRestore:Delete",
  "s3:Replication:*",
  "s3:Replication:OperationFailedReplication",
  "s3:Replication:OperationNotTracked",
  "s3:Replication:OperationMissedThreshold",
  "s3:Replication:OperationReplicatedAfterThreshold",
  "s3:LifecycleTransition",
  "s3:IntelligentTiering",
  "s3:ObjectAcl:Put",
  "s3:LifecycleExpiration:*",
  "s3:LifecycleExpiration:Delete",
  "s3:LifecycleExpiration:DeleteMarkerCreated",
  "s3:ObjectTagging:*",
  "s3:ObjectTagging:Put",
  "s3:ObjectTagging:Delete",
]);

const ARN = {
  lambda: /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:(\$LATEST|[A-Za-z0-9_-]+))?$/,
  queue: /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/,
  topic: /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/,
};

type AnyConfiguration = (LambdaFunctionConfiguration | QueueConfiguration | TopicConfiguration) & { Events: S3EventName[] };

/**
 * Reads a PutBucketNotificationConfiguration document (S3's flattened XML names:
 * CloudFunctionConfiguration/CloudFunction, QueueConfiguration/Queue, TopicConfiguration/Topic)
 * into the SDK's NotificationConfiguration, validating as S3 does. Missing Ids are generated.
 */
export function parseNotificationConfiguration(tree: XmlTree, { ids }: { ids: IdGenerator }): NotificationConfiguration {
  const root = first(tree, "NotificationConfiguration");
  if (root === undefined) throw S3Errors.malformedXml();
  const config: NotificationConfiguration = {};
  const read = (node: XmlTree | string, arnElement: string, kind: keyof typeof ARN) => {
    const arn = text(node, arnElement);
    if (!arn) throw S3Errors.malformedXml();
    if (!ARN[kind].test(arn)) throw S3Errors.invalidArgument("The ARN is not well formed", arnElement, arn);
    const events = all(node, "Event").map((e) => (typeof e === "string" ? e : ""));
    if (!events.length) throw S3Errors.malformedXml();
    for (const e of events) {
      if (!EVENTS.has(e)) throw S3Errors.invalidArgument("The event is not supported for notifications", arnElement, e);
    }
    const id = text(node, "Id") || randomString(ids, 48);
    const rules: FilterRule[] = [];
    for (const rule of all(first(first(node, "Filter"), "S3Key"), "FilterRule")) {
      const name = (text(rule, "Name") ?? "").toLowerCase();
      const value = text(rule, "Value") ?? "";
      if (name !== "prefix" && name !== "suffix") {
        throw S3Errors.invalidArgument("filter rule name must be either prefix or suffix", "FilterRule", name);
      }
      if (rules.some((r) => r.Name === name)) {
        throw S3Errors.invalidArgument(`Cannot specify more than one ${name} rule in a filter.`, "FilterRule", name);
      }
      rules.push({ Name: name, Value: value });
    }
    return { id, arn, events: events as S3EventName[], filter: rules.length ? { Key: { FilterRules: rules } } : undefined };
  };
  for (const node of all(root, "CloudFunctionConfiguration")) {
    const c = read(node, "CloudFunction", "lambda");
    (config.LambdaFunctionConfigurations ??= []).push({ Id: c.id, LambdaFunctionArn: c.arn, Events: c.events, Filter: c.filter });
  }
  for (const node of all(root, "QueueConfiguration")) {
    const c = read(node, "Queue", "queue");
    (config.QueueConfigurations ??= []).push({ Id: c.id, QueueArn: c.arn, Events: c.events, Filter: c.filter });
  }
  for (const node of all(root, "TopicConfiguration")) {
    const c = read(node, "Topic", "topic");
    (config.TopicConfigurations ??= []).push({ Id: c.id, TopicArn: c.arn, Events: c.events, Filter: c.filter });
  }
  if (first(root, "EventBridgeConfiguration") !== undefined) config.EventBridgeConfiguration = {};
  return config;
}

function filterXml(c: AnyConfiguration): XmlObject | undefined {
  const rules = c.Filter?.Key?.FilterRules;
  if (!rules?.length) return undefined;
  return { S3Key: { FilterRule: rules.map((r) => ({ Name: r.Name, Value: r.Value ?? "" })) } };
}

/** The GetBucketNotificationConfiguration document body (inside NotificationConfiguration). */
export function notificationConfigurationXml(config: NotificationConfiguration): XmlObject {
  return {
    TopicConfiguration: (config.TopicConfigurations ?? []).map((c) => ({
      Id: c.Id,
      Topic: c.TopicArn,
      Event: c.Events,
      Filter: filterXml(c as AnyConfiguration),
    })),
    QueueConfiguration: (config.QueueConfigurations ?? []).map((c) => ({
      Id: c.Id,
      Queue: c.QueueArn,
      Event: c.Events,
      Filter: filterXml(c as AnyConfiguration),
    })),
    CloudFunctionConfiguration: (config.LambdaFunctionConfigurations ?? []).map((c) => ({
      Id: c.Id,
      CloudFunction: c.LambdaFunctionArn,
      Event: c.Events,
      Filter: filterXml(c as AnyConfiguration),
    })),
    EventBridgeConfiguration: config.EventBridgeConfiguration ? {} : undefined,
  };
}

/** "s3:ObjectCreated:*" matches "ObjectCreated:Put"; "s3:ObjectCreated:Put" matches only itself. */
function eventMatches(configured: string, eventName: string): boolean {
  const name = configured.replace(/^s3:/, "");
  if (name.endsWith(":*")) return eventName.startsWith(name.slice(0, -1));
  return name === eventName;
}

function keyMatches(c: AnyConfiguration, key: string): boolean {
  for (const rule of c.Filter?.Key?.FilterRules ?? []) {
    const value = rule.Value ?? "";
    if (rule.Name === "prefix" && !key.startsWith(value)) return false;
    if (rule.Name === "suffix" && !key.endsWith(value)) return false;
  }
  return true;
}

/**
 * An object key as S3 writes it in an event record: URL-encoded the way
 * application/x-www-form-urlencoded does (space → "+", UTF-8 bytes as %XX), "/" kept.
 */
export function encodeEventKey(key: string): string {
  let out = "";
  for (const byte of Buffer.from(key, "utf8")) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.*/]/.test(c)) out += c;
    else if (c === " ") out += "+";
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

export interface ObjectEvent {
  /** e.g. "ObjectCreated:Put", "ObjectRemoved:Delete" */
  eventName: string;
  bucket: string;
  region: string;
  key: string;
  size?: number;
  etag?: string;
  requestId: string;
  hostId: string;
  sourceIp: string;
  accessKeyId: string | null;
  /** When it happened (core.clock). */
  time: number;
}

/** The event of an object a request wrote or removed, with the request's ids, caller and source. */
export function objectEvent(
  req: Pick<S3Request, "ctx">,
  bucket: { name: string; region: string },
  eventName: string,
  object: { key: string; size?: number; etag?: string },
  time: number,
): ObjectEvent {
  return {
    eventName,
    bucket: bucket.name,
    region: bucket.region,
    ...object,
    requestId: req.ctx.requestId,
    hostId: req.ctx.hostId,
    sourceIp: req.ctx.sourceIp,
    accessKeyId: req.ctx.accessKeyId,
    time,
  };
}

/**
 * Raises `s3:notification` on core.events for every configuration of the bucket that the
 * event and key match, with the record AWS would deliver (S3Event, eventVersion 2.1).
 */
export class Notifier {
  private sequence = 0;
  constructor(private readonly core: CoreServices) {}

  /** The configurations that this event matches, with their target. */
  matches(config: NotificationConfiguration, eventName: string, key: string) {
    const out: Array<{ id: string; arn: string; type: S3Notification["targetType"] }> = [];
    const consider = (list: AnyConfiguration[] | undefined, type: S3Notification["targetType"], arnOf: (c: AnyConfiguration) => string | undefined) => {
      for (const c of list ?? []) {
        if (c.Events.some((e) => eventMatches(e, eventName)) && keyMatches(c, key)) {
          out.push({ id: c.Id ?? "", arn: arnOf(c) ?? "", type });
        }
      }
    };
    consider(config.LambdaFunctionConfigurations as AnyConfiguration[], "lambda", (c) => (c as LambdaFunctionConfiguration).LambdaFunctionArn);
    consider(config.QueueConfigurations as AnyConfiguration[], "queue", (c) => (c as QueueConfiguration).QueueArn);
    consider(config.TopicConfigurations as AnyConfiguration[], "topic", (c) => (c as TopicConfiguration).TopicArn);
    return out;
  }

  notify(config: NotificationConfiguration, event: ObjectEvent): S3Notification[] {
    const targets = this.matches(config, event.eventName, event.key);
    if (!targets.length) return [];
    // A hex sequencer that grows with every event, as S3's does per key.
    const sequencer = (event.time * 1000 + (this.sequence++ % 1000)).toString(16).toUpperCase().padStart(16, "0");
    const principal = event.accessKeyId ? `AWS:${event.accessKeyId}` : "Anonymous";
    const sent: S3Notification[] = [];
    for (const target of targets) {
      const object: S3EventRecord["s3"]["object"] = {
        key: encodeEventKey(event.key),
        size: event.size as number,
        eTag: event.etag as string,
        sequencer,
      };
      if (event.size === undefined) delete (object as Partial<typeof object>).size;
      if (event.etag === undefined) delete (object as Partial<typeof object>).eTag;
      const record: S3EventRecord = {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: event.region,
        eventTime: new Date(event.time).toISOString(),
        eventName: event.eventName,
        userIdentity: { principalId: principal },
        requestParameters: { sourceIPAddress: event.sourceIp },
        responseElements: { "x-amz-request-id": event.requestId, "x-amz-id-2": event.hostId },
        s3: {
          s3SchemaVersion: "1.0",
          configurationId: target.id,
          bucket: {
            name: event.bucket,
            ownerIdentity: { principalId: this.core.accountId },
            arn: `arn:aws:s3:::${event.bucket}`,
          },
          object,
        },
      };
      const notification: S3Notification = {
        targetArn: target.arn,
        targetType: target.type,
        configurationId: target.id,
        event: { Records: [record] },
      };
      sent.push(notification);
      try {
        this.core.events.emit("s3:notification", notification);
      } catch (error) {
        this.core.logger.error(`s3 notification listener failed: ${error instanceof Error ? error.stack : String(error)}`);
      }
    }
    return sent;
  }
}
