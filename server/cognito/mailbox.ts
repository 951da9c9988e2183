import type { CoreServices } from "../core/services.js";
import type { Journal, JournalRecord } from "../core/persistence.js";

/** A message Cognito would have e-mailed, kept locally instead. */
export interface MailMessage {
  id: string;
  /** ISO time it was "sent", from the stack's clock. */
  sentAt: string;
  to: string;
  subject: string;
  body: string;
  /** The code it carries, when it carries one. */
  code: string | null;
  /** Why it was sent: "SignUp", "ResendCode", "AdminCreateUser". */
  reason: string;
  userPoolId: string;
  username: string;
}

/** A message as the `cognito-mailbox` journal keeps it (server/core/persistence.ts: one shape for every journal). */
type MailRecord = JournalRecord & { op: "send-mail"; message: MailMessage };

/**
 * The local mailbox: every code Cognito would e-mail lands here (and in the log), to be read
 * at GET /_rekognito/mailbox. Kept in the "cognito-mailbox" journal.
 */
export class Mailbox {
  private readonly messages: MailMessage[];
  private readonly journal: Journal<MailRecord>;

  constructor(private readonly core: CoreServices) {
    this.journal = core.persistence.journal<MailRecord>("cognito-mailbox");
    // Data directories written before the one shape of journal records hold the bare messages.
    this.messages = this.journal.load().flatMap((r: MailRecord | MailMessage) => ("op" in r ? (r.op === "send-mail" ? [r.message] : []) : [r]));
  }

  send(message: Omit<MailMessage, "id" | "sentAt">): MailMessage {
    const full: MailMessage = { id: this.core.ids.uuid(), sentAt: new Date(this.core.clock.now()).toISOString(), ...message };
    this.journal.append({ op: "send-mail", message: full });
    this.messages.push(full);
    // The code once: most subjects already carry it ("Your sign-up code: 478212").
    this.core.logger.info(`mail to ${full.to}: ${full.subject}${full.code && !full.subject.includes(full.code) ? ` (code ${full.code})` : ""}`);
    this.core.events.emit("mail", { id: full.id, to: full.to, subject: full.subject, code: full.code });
    return full;
  }

  /** Newest last; filtered by recipient address, case-insensitively. */
  list(address?: string): MailMessage[] {
    if (!address) return [...this.messages];
    const lower = address.toLowerCase();
    return this.messages.filter((m) => m.to.toLowerCase() === lower);
  }

  count(): number {
    return this.messages.length;
  }
}
