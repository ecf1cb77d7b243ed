/**
 * Card numbers out of what Ariadne stores as text (PCI DSS: never keep a card number in the clear). A caller who
 * reads their card number to an agent says it into the recording whenever the agent did not pause it, and the
 * transcript would keep it; an agent may type one into a ticket. Numbers of 13-19 digits that pass the Luhn check
 * are replaced, whether written as numerals ("4111 1111 1111 1111"), English words ("four one one one ...") or
 * Chinese digits.
 */
export const CARD_PLACEHOLDER = '[card number]';

const WORD_DIGITS: Readonly<Record<string, string>> = {
  zero: '0',
  oh: '0',
  o: '0',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
};
const CJK_DIGITS: Readonly<Record<string, string>> = {
  零: '0',
  〇: '0',
  一: '1',
  幺: '1',
  二: '2',
  两: '2',
  三: '3',
  四: '4',
  五: '5',
  六: '6',
  七: '7',
  八: '8',
  九: '9',
};

/** The Luhn check every payment card number passes. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const isCard = (digits: string): boolean => digits.length >= 13 && digits.length <= 19 && luhnValid(digits);

const WORD = Object.keys(WORD_DIGITS).join('|');
/** Runs of numerals, of digit words, or of Chinese digits, with the spaces and dashes people and engines put in. */
const RUNS = [
  { pattern: /\d(?:[\s-]*\d){12,}/g, digits: (run: string) => run.replace(/\D/g, '') },
  {
    pattern: new RegExp(`\\b(?:${WORD})(?:[\\s,-]+(?:${WORD})){12,}\\b`, 'gi'),
    digits: (run: string) =>
      run
        .toLowerCase()
        .split(/[\s,-]+/)
        .map((w) => WORD_DIGITS[w] ?? '')
        .join(''),
  },
  {
    pattern: new RegExp(`[${Object.keys(CJK_DIGITS).join('')}](?:\\s*[${Object.keys(CJK_DIGITS).join('')}]){12,}`, 'g'),
    digits: (run: string) => [...run].map((c) => CJK_DIGITS[c] ?? '').join(''),
  },
];

/**
 * The text with every card number replaced by CARD_PLACEHOLDER, and how many were. A run of more than 19 digits (a
 * number read twice over, or with the expiry date run on) goes too: nothing else said on a call is that long.
 */
export function redactCardNumbers(text: string): { text: string; redacted: number } {
  let redacted = 0;
  let out = text;
  for (const { pattern, digits } of RUNS) {
    out = out.replace(pattern, (run) => {
      const d = digits(run);
      if (d.length <= 19 && !isCard(d)) return run;
      redacted++;
      return CARD_PLACEHOLDER;
    });
  }
  return { text: out, redacted };
}
