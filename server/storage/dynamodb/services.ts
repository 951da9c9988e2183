import type { TimeToLiveStore } from "./ttl.js";

/** What rekognito's own DynamoDB actions (those dynalite lacks) are built from. */
export interface DynamoDBServices {
  ttl: TimeToLiveStore;
}

/** An action run in front of the engine, once the table is known to exist. */
export type DynamoDBAction = (input: any) => unknown;
/** One AWS action as index.ts maps it: a factory over (a slice of) the services. */
export type DynamoDBActionFactory = (services: DynamoDBServices) => DynamoDBAction;
