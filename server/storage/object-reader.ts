/** What the rest of the stack (Rekognition's Image.S3Object) reads from S3, whatever engine serves it. */
export interface StoredObject {
  body: Buffer;
  contentType: string | undefined;
  etag: string;
  lastModified: number;
  metadata: Record<string, string>;
}

export interface ObjectReader {
  /** The object, or undefined when the bucket or the key does not exist. */
  readObject(bucket: string, key: string, versionId?: string): Promise<StoredObject | undefined>;
}
