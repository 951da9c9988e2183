/**
 * The web app's configuration file, amplify_outputs.json, in the shape of Amplify Gen 2's own
 * outputs file (`version`, `auth.user_pool_id`, `auth.user_pool_client_id`, `auth.aws_region`,
 * ...), so `Amplify.configure(outputs)` reads it as it is. One addition, for a local stack:
 * `custom.userPoolEndpoint`, the Cognito endpoint to call instead of AWS's (Amplify's
 * `Auth.Cognito.userPoolEndpoint`). `custom` is the outputs file's place for values of your own;
 * without it the app talks to AWS.
 *
 * rekognito serves this file from what it provisioned; `scripts/amplify-outputs.ts` writes it
 * from a deployed stack's CloudFormation outputs.
 */

export interface AmplifyOutputs {
  version: "1.4";
  auth: {
    aws_region: string;
    user_pool_id: string;
    user_pool_client_id: string;
    username_attributes: ["email"];
    standard_required_attributes: ["email"];
    password_policy: {
      min_length: number;
      require_lowercase: boolean;
      require_uppercase: boolean;
      require_numbers: boolean;
      require_symbols: boolean;
    };
  };
  custom?: { userPoolEndpoint?: string };
}

/** What the file is built from: the stack's outputs (template.yaml's Region, UserPoolId, UserPoolClientId). */
export interface OutputsSource {
  region: string;
  userPoolId: string;
  userPoolClientId: string;
  /** A local stack's endpoint (http://127.0.0.1:4566); absent for AWS. */
  userPoolEndpoint?: string;
}

export function amplifyOutputs(source: OutputsSource): AmplifyOutputs {
  return {
    version: "1.4",
    auth: {
      aws_region: source.region,
      user_pool_id: source.userPoolId,
      user_pool_client_id: source.userPoolClientId,
      username_attributes: ["email"],
      standard_required_attributes: ["email"],
      // template.yaml's PasswordPolicy: the app never asks for a password (it makes a random one).
      password_policy: { min_length: 12, require_lowercase: true, require_uppercase: true, require_numbers: true, require_symbols: true },
    },
    ...(source.userPoolEndpoint ? { custom: { userPoolEndpoint: source.userPoolEndpoint } } : {}),
  };
}
