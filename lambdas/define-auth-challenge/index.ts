import type { DefineAuthChallengeTriggerEvent, DefineAuthChallengeTriggerHandler } from "aws-lambda";

/**
 * Define Auth Challenge: the referee of the custom-auth flow. Every round is one
 * CUSTOM_CHALLENGE (ENROLL or FACE, chosen by Create Auth Challenge); a right answer issues
 * tokens, the third wrong answer ends the sign-in (Cognito answers NotAuthorizedException).
 * Any other challenge in the session (SRP, a password) fails the sign-in: this app signs in by
 * face or by the mailed enrolment code only.
 */
export const MAX_WRONG_ANSWERS = 3;

type Session = DefineAuthChallengeTriggerEvent["request"]["session"];
export type Decision = { issueTokens: boolean; failAuthentication: boolean; challengeName?: string };

export function decide(session: Session, userNotFound: boolean): Decision {
  const fail: Decision = { issueTokens: false, failAuthentication: true };
  if (session.some((round) => round.challengeName !== "CUSTOM_CHALLENGE")) return fail;
  const last = session[session.length - 1];
  // An unknown user (PreventUserExistenceErrors) goes through the same rounds as a real one and
  // can never succeed: Verify answers false for it, and this guard makes sure of it.
  if (last?.challengeResult === true && !userNotFound) return { issueTokens: true, failAuthentication: false };
  const wrong = session.filter((round) => round.challengeResult !== true).length;
  if (wrong >= MAX_WRONG_ANSWERS) return fail;
  return { issueTokens: false, failAuthentication: false, challengeName: "CUSTOM_CHALLENGE" };
}

export const handler: DefineAuthChallengeTriggerHandler = async (event) => {
  const decision = decide(event.request.session ?? [], event.request.userNotFound === true);
  event.response.issueTokens = decision.issueTokens;
  event.response.failAuthentication = decision.failAuthentication;
  if (decision.challengeName) event.response.challengeName = decision.challengeName;
  return event;
};
