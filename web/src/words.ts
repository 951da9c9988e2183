const NUMBERS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];

/** "You have two attempts left." — the count in words, as a screen reader and a person read it. */
export function attemptsInWords(n: number): string {
  if (n <= 1) return "This is your last attempt.";
  return `You have ${NUMBERS[n] ?? String(n)} attempts left.`;
}
