/** The face-login app's figures for npm run bench: filled in once the app is provisioned. */
export interface BenchTools {
  quick: boolean;
  line(label: string, value: string): void;
  percentile(samples: number[], p: number): number;
  ms(n: number): string;
}

export async function benchFaceLogin(tools: BenchTools): Promise<void> {
  tools.line("face login (enrolment, sign-in)", "not measured yet: the face-login app is not provisioned by this build");
}
