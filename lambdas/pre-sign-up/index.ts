import type { PreSignUpTriggerHandler } from "aws-lambda";

/**
 * Pre Sign-up: confirms the user at once. That is safe here because a user cannot sign in
 * without proving the email: the first sign-in (ENROLL) asks for a code mailed to the address,
 * and only that code binds a face to the account. The email is not marked verified here;
 * Verify Auth Challenge marks it once the code has been given.
 */
export const handler: PreSignUpTriggerHandler = async (event) => {
  event.response.autoConfirmUser = true;
  event.response.autoVerifyEmail = false;
  event.response.autoVerifyPhone = false;
  return event;
};
