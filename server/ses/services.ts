import type { IdGenerator } from "../core/ids.js";

/** Where messages land: the shape of Cognito's Mailbox.send (server/cognito/mailbox.ts). */
export interface MailDrop {
  send(message: { to: string; subject: string; body: string; code: string | null; reason: string; userPoolId: string; username: string }): unknown;
}

/** What SES's actions are built from; each action takes the slice it needs. */
export interface SesServices {
  ids: IdGenerator;
  /** The stack's one mailbox (Cognito's): what SES "sends" lands there too. */
  mailbox: MailDrop;
}
