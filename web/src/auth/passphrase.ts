/** A passphrase's strength as a rough estimate of its guessing entropy, for a hint next to
 * the field. Written here rather than taken from zxcvbn: its dictionaries weigh hundreds of
 * kilobytes, and the file's real protection is PBKDF2's 600,000 rounds on top of this. */
export interface PassphraseStrength {
  /** 0 (weak) to 100 (strong). */
  score: number;
  label: "too short" | "weak" | "fair" | "strong";
  hint: string;
}

export const MIN_PASSPHRASE_LENGTH = 12;
const CHARACTER_CLASSES: readonly (readonly [RegExp, number])[] =
  [[/[a-z]/, 26], [/[A-Z]/, 26], [/[0-9]/, 10], [/[^A-Za-z0-9]/, 33]];

export function passphraseStrength(passphrase: string): PassphraseStrength {
  const characters = Array.from(passphrase); // code points: an emoji counts once
  if (characters.length < MIN_PASSPHRASE_LENGTH) {
    return { score: (characters.length / MIN_PASSPHRASE_LENGTH) * 25, label: "too short",
      hint: `Use at least ${MIN_PASSPHRASE_LENGTH} characters; a few unrelated words work well.` };
  }
  const pool = CHARACTER_CLASSES
    .reduce((size, [kind, count]) => (kind.test(passphrase) ? size + count : size), 0);
  // Repeats add little: count distinct characters, not length alone.
  const distinct = new Set(characters).size;
  // People's passphrases are words, not random characters: count 60% of the random figure.
  const bits = 0.6 * Math.min(characters.length, distinct * 2) * Math.log2(Math.max(pool, 2));
  if (bits < 50) return { score: 40, label: "weak", hint: "Add more words or characters of other kinds." };
  if (bits < 80) return { score: 70, label: "fair", hint: "Good; a longer passphrase is better still." };
  return { score: 100, label: "strong", hint: "Strong." };
}
