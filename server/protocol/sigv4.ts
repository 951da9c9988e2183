/**
 * What the gateway needs from a SigV4 request: who signed it and for which region and service.
 * Any credentials are accepted (rekognito does not check signatures); a request with none
 * still gets a region (the stack's default) because Cognito's public actions are unsigned.
 */
export interface Caller {
  accessKeyId: string | null;
  region: string | null;
  service: string | null;
}

const CREDENTIAL = /Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;

export function callerFromHeaders(headers: Record<string, string | string[] | undefined>, query: Record<string, unknown> = {}): Caller {
  const auth = headers["authorization"];
  const value = Array.isArray(auth) ? auth[0] : auth;
  const fromHeader = value ? CREDENTIAL.exec(value) : null;
  if (fromHeader) return { accessKeyId: fromHeader[1]!, region: fromHeader[3]!, service: fromHeader[4]! };
  const credential = query["X-Amz-Credential"];
  if (typeof credential === "string") {
    const parts = credential.split("/");
    if (parts.length >= 5) return { accessKeyId: parts[0]!, region: parts[2]!, service: parts[3]! };
  }
  return { accessKeyId: null, region: null, service: null };
}
