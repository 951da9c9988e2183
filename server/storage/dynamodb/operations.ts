/** Every DynamoDB_20120810 operation in AWS's model (botocore dynamodb 2012-08-10). */
export const DYNAMODB_OPERATIONS: ReadonlySet<string> = new Set([
  "BatchExecuteStatement", "BatchGetItem", "BatchWriteItem", "CreateBackup", "CreateGlobalTable", "CreateTable",
  "DeleteBackup", "DeleteItem", "DeleteResourcePolicy", "DeleteTable", "DescribeBackup", "DescribeContinuousBackups",
  "DescribeContributorInsights", "DescribeEndpoints", "DescribeExport", "DescribeGlobalTable",
  "DescribeGlobalTableSettings", "DescribeImport", "DescribeKinesisStreamingDestination", "DescribeLimits",
  "DescribeTable", "DescribeTableReplicaAutoScaling", "DescribeTimeToLive", "DisableKinesisStreamingDestination",
  "EnableKinesisStreamingDestination", "ExecuteStatement", "ExecuteTransaction", "ExportTableToPointInTime", "GetItem",
  "GetResourcePolicy", "ImportTable", "ListBackups", "ListContributorInsights", "ListExports", "ListGlobalTables",
  "ListImports", "ListTables", "ListTagsOfResource", "PutItem", "PutResourcePolicy", "Query", "RestoreTableFromBackup",
  "RestoreTableToPointInTime", "Scan", "TagResource", "TransactGetItems", "TransactWriteItems", "UntagResource",
  "UpdateContinuousBackups", "UpdateContributorInsights", "UpdateGlobalTable", "UpdateGlobalTableSettings",
  "UpdateItem", "UpdateKinesisStreamingDestination", "UpdateTable", "UpdateTableReplicaAutoScaling", "UpdateTimeToLive",
]);

/**
 * What the embedded DynamoDB serves: dynalite's own operations, plus DescribeTimeToLive and
 * UpdateTimeToLive, which rekognito answers in front of it (index.ts, actions/). The rest of
 * AWS's operations answer NotImplementedException.
 */
export const DYNALITE_OPERATIONS: ReadonlySet<string> = new Set([
  "BatchGetItem", "BatchWriteItem", "CreateTable", "DeleteItem", "DeleteTable", "DescribeTable", "DescribeTimeToLive",
  "GetItem", "ListTables", "PutItem", "Query", "Scan", "TagResource", "UntagResource", "ListTagsOfResource",
  "UpdateItem", "UpdateTable", "UpdateTimeToLive",
]);
