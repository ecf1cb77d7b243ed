// Sentiment, keywords and an extractive summary for post-call ticket text (agent notes, survey
// comments, transcripts) in English or Chinese. Pure: no I/O besides loading the bundled models.
import { createRequire } from 'node:module';
import type * as JiebaPkg from '@node-rs/jieba';
import type * as JiebaDict from '@node-rs/jieba/dict.js'; // no `exports` map, so NodeNext needs the .js
import type * as VaderPkg from 'vader-sentiment';
import type WinkFn from 'wink-nlp';
import type { ItemSentence, ItemToken, ItsFunction, WinkMethods } from 'wink-nlp';

export interface TextAnalysis {
  /** 'zh' when CJK characters dominate the letters, else 'en'. */
  readonly language: 'en' | 'zh';
  /** -1 (very negative) … 1 (very positive); English: VADER's compound score. Rounded to 3 decimals. */
  readonly sentiment: number;
  /** negative below -0.05, positive above 0.05, else neutral (VADER's usual thresholds). */
  readonly sentimentLabel: 'negative' | 'neutral' | 'positive';
  /** Up to maxKeywords (default 5) distinct keywords, most important first, lower-case for English. */
  readonly keywords: readonly string[];
  /** The most informative whole sentences in their original order, at most maxSummaryChars (default 280)
   *  UTF-16 units; a single over-long sentence is cut at a word/char boundary with '…'. */
  readonly summary: string;
}
export interface AnalysisOptions {
  readonly maxKeywords?: number;
  readonly maxSummaryChars?: number;
}

/** Input beyond this is ignored: it bounds one call to ~100 ms, and a ticket's gist is in its start. */
export const MAX_ANALYSED_CHARS = 20_000;
/** Summary scoring uses more terms than are returned, so `maxKeywords: 0` still gives a good summary. */
const SCORING_TERMS = 10;
/** VADER's damped flip of a negated word and its booster increment, reused so Chinese scores scale alike. */
const N_SCALAR = -0.74;
const B_INCR = 0.293;

// The models are required on first use rather than imported: each costs ~0.3 s, together ~110 MB
// of RSS, which an orchestrator that never analyses a ticket should not pay at start.
const requireCjs = createRequire(import.meta.url);
let english: { nlp: WinkMethods; vader: typeof VaderPkg.SentimentIntensityAnalyzer } | undefined;
let chinese: { jieba: JiebaPkg.Jieba; tfidf: JiebaPkg.TfIdf } | undefined;

function loadEnglish(): NonNullable<typeof english> {
  if (!english) {
    const winkNLP = requireCjs('wink-nlp') as typeof WinkFn;
    const model = requireCjs('wink-eng-lite-web-model') as Parameters<typeof WinkFn>[0];
    const vader = requireCjs('vader-sentiment') as typeof VaderPkg;
    // Only sentence boundaries and POS (which lemmas need) are used; NER/negation/sentiment are skipped.
    english = { nlp: winkNLP(model, ['sbd', 'pos']), vader: vader.SentimentIntensityAnalyzer };
  }
  return english;
}

function loadChinese(): NonNullable<typeof chinese> {
  if (!chinese) {
    const { Jieba, TfIdf } = requireCjs('@node-rs/jieba') as typeof JiebaPkg;
    const { dict, idf } = requireCjs('@node-rs/jieba/dict.js') as typeof JiebaDict;
    chinese = { jieba: Jieba.withDict(dict), tfidf: TfIdf.withDict(idf) };
  }
  return chinese;
}

// vader-sentiment 1.1.3 matches negators case-sensitively (the Python original lower-cases first), so
// "Not happy" scored +0.57. Lower-casing only the negators keeps VADER's ALL-CAPS emphasis elsewhere.
const VADER_NEGATORS = new Set(
  (
    'aint arent cannot cant couldnt darent didnt doesnt dont hadnt hasnt havent isnt mightnt mustnt neither ' +
    'neednt never none nope nor not nothing nowhere oughtnt shant shouldnt uhuh uh-uh wasnt werent without ' +
    'wont wouldnt rarely seldom despite'
  ).split(' '),
);
const fixNegators = (text: string): string =>
  text.replace(/[A-Za-z][A-Za-z'’-]*/g, (w) => {
    const l = w.toLowerCase().replace(/’/g, "'");
    return VADER_NEGATORS.has(l) || l.endsWith("n't") ? l : w;
  });

/**
 * Valences on VADER's -4…4 scale for words that on a contact-center ticket nearly always reflect the
 * caller's mood. It exists because npm has no maintained Chinese sentiment package; it is deliberately
 * small and domain-specific. 退款/退货 are mildly negative: a refund request means something went wrong.
 */
// prettier-ignore
const ZH_VALENCE: ReadonlyMap<string, number> = new Map(Object.entries({
  满意: 2, 谢谢: 1.5, 感谢: 2, 好: 1.5, 很好: 2.5, 解决: 1.5, 及时: 1.5, 专业: 1.5, 耐心: 1.5, 热情: 1.5,
  高兴: 2, 开心: 2, 表扬: 2, 好评: 2.5, 棒: 2.5, 完美: 3, 顺利: 1.5, 方便: 1, 快: 1,
  不满: -2, 投诉: -2, 生气: -2.5, 愤怒: -3, 差: -2, 慢: -1.5, 退款: -1, 退货: -1, 失望: -2.5, 糟糕: -2.5,
  延误: -2, 延迟: -1.5, 丢失: -2, 损坏: -2, 骂: -2.5, 差评: -2.5, 抱怨: -2, 故障: -1.5, 错误: -1.5, 麻烦: -1,
}));
const ZH_NEGATORS = new Set(['不', '没', '没有', '别', '未', '无法', '不是', '从未']);
const ZH_BOOSTERS = new Set(['非常', '很', '特别', '太', '十分', '极其', '超级', '真', '挺']);
/** Frequent words jieba's IDF table does not rank low enough for ticket text. */
const ZH_STOP = new Set(
  '没有 已经 可以 这个 那个 我们 他们 你们 什么 就是 还是 因为 所以 但是 如果 然后 现在 一下 一个 自己'.split(' '),
);

function zhValence(token: string): number {
  const exact = ZH_VALENCE.get(token);
  if (exact !== undefined) return exact;
  // jieba keeps some negated phrases whole (不太好, 没解决); split the negator back off.
  const neg = /^[不没别未][太很够]?(.+)$/u.exec(token);
  if (neg) return N_SCALAR * (ZH_VALENCE.get(neg[1] ?? '') ?? 0);
  // Compounds such as 解决问题 carry their leading word's valence; 3-char words (满意度) are left neutral.
  return token.length >= 4 ? (ZH_VALENCE.get(token.slice(0, 2)) ?? 0) : 0;
}

function chineseSentiment(tokens: readonly string[]): number {
  let sum = 0;
  tokens.forEach((token, i) => {
    let v = zhValence(token);
    if (v === 0) return;
    // Look back within the clause only, as VADER does over three words: "没有问题，很慢" must not flip 慢.
    for (let j = i - 1; j >= Math.max(0, i - 3); j--) {
      const prev = tokens[j] ?? '';
      if (ZH_NEGATORS.has(prev)) v *= N_SCALAR;
      else if (ZH_BOOSTERS.has(prev)) v += Math.sign(v) * B_INCR;
      else if (!/\p{L}/u.test(prev)) break;
    }
    sum += v;
  });
  return sum / Math.sqrt(sum * sum + 15);
}

interface Term {
  readonly term: string;
  readonly weight: number;
}
interface Sentence {
  readonly text: string;
  readonly terms: ReadonlySet<string>;
}
interface Parsed {
  readonly sentiment: number;
  readonly terms: readonly Term[];
  readonly sentences: readonly Sentence[];
}

const KEYWORD_POS = new Set(['NOUN', 'PROPN', 'ADJ']);

function analyseEnglish(text: string): Parsed {
  const { nlp, vader } = loadEnglish();
  const its = nlp.its;
  // wink-nlp 2.4 types its.lemma with a signature out() rejects; the call itself is the documented one.
  const lemma = its.lemma as ItsFunction<string>;
  const found: { key: string; sentence: number }[] = [];
  const sentenceTexts: string[] = [];
  // wink's tokenizer is quadratic in the length of a run without spaces (a 20,000-char blob took 1.2 s),
  // so over-long runs (base64, minified junk) are broken up; real words and most URLs are shorter. A line
  // (subject, note, comment) is a sentence of its own, but wink ends one only at exactly one blank line.
  const prepared = text.replace(/\S{100}(?=\S)/gu, '$& ').replace(/\s*\n\s*/g, '\n\n');
  nlp
    .readDoc(prepared)
    .sentences()
    .each((s: ItemSentence) => {
      const sentence = sentenceTexts.push(s.out().replace(/\s+/g, ' ').trim()) - 1;
      s.tokens().each((t: ItemToken) => {
        if (!KEYWORD_POS.has(String(t.out(its.pos))) || t.out(its.stopWordFlag) === true) return;
        const key = String(t.out(lemma)).toLowerCase();
        if (key.length > 1 && key.length <= 40 && /^\p{L}[\p{L}\p{N}'-]*$/u.test(key)) found.push({ key, sentence });
      });
    });
  // The tagger calls a capitalised sentence-initial plural a proper noun ("Orders" keeps its -s), so
  // fold plurals into a singular seen elsewhere in the text.
  const keys = new Set(found.map((f) => f.key));
  const canonical = (k: string): string =>
    [k.replace(/ies$/, 'y'), k.replace(/es$/, ''), k.replace(/s$/, '')].find((c) => c !== k && keys.has(c)) ?? k;
  const counts = new Map<string, number>(); // insertion order = first position, the tie-breaker
  const sentences = sentenceTexts.map((t) => ({ text: t, terms: new Set<string>() }));
  for (const f of found) {
    const key = canonical(f.key);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    sentences[f.sentence]?.terms.add(key);
  }
  const terms = [...counts].map(([term, weight]) => ({ term, weight })).sort((a, b) => b.weight - a.weight);
  return { sentiment: vader.polarity_scores(fixNegators(text)).compound, terms, sentences };
}

function analyseChinese(text: string): Parsed {
  const { jieba, tfidf } = loadChinese();
  const terms: Term[] = [];
  for (const k of tfidf.extractKeywords(jieba, text, SCORING_TERMS * 3)) {
    const term = k.keyword.trim().toLowerCase(); // Latin words keep their case in jieba's output
    const useful = term.length > 1 && /\p{L}/u.test(term) && !ZH_STOP.has(term);
    if (useful && !terms.some((t) => t.term === term)) terms.push({ term, weight: k.weight });
  }
  const sentences = text
    .split(/(?<=[。！？!?；;])|\n+/u)
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter((s) => /[\p{L}\p{N}]/u.test(s))
    .map((s) => ({
      text: s,
      terms: new Set(terms.filter((t) => s.toLowerCase().includes(t.term)).map((t) => t.term)),
    }));
  return { sentiment: chineseSentiment(jieba.cut(text, true)), terms, sentences };
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1).replace(/[\uD800-\uDBFF]$/, '');
  const space = cut.lastIndexOf(' ');
  // Back off to a word boundary only when one is near: CJK text has none and is cut at any char.
  if (!/\s/.test(text[cut.length] ?? '') && space > cut.length / 2) cut = cut.slice(0, space);
  return cut.replace(/[\s,;:，、；：]+$/u, '') + '…';
}

function summarise(parsed: Parsed, max: number): string {
  const weight = new Map(parsed.terms.slice(0, SCORING_TERMS).map((t) => [t.term, t.weight]));
  const ranked = parsed.sentences
    .map((s, i) => ({ i, text: s.text, score: [...s.terms].reduce((sum, t) => sum + (weight.get(t) ?? 0), 0) }))
    .sort((a, b) => b.score - a.score || a.i - b.i);
  const chosen: typeof ranked = [];
  let used = 0;
  for (const s of ranked) {
    const cost = s.text.length + (chosen.length > 0 ? 1 : 0); // a separator is at most one char
    if (used + cost <= max) {
      chosen.push(s);
      used += cost;
    }
  }
  if (chosen.length === 0) return truncate(ranked[0]?.text ?? '', max);
  return chosen
    .sort((a, b) => a.i - b.i)
    .reduce((out, s) => (out === '' ? s.text : out + (/[。！？；]$/u.test(out) ? '' : ' ') + s.text), '');
}

/** Cuts at MAX_ANALYSED_CHARS without leaving half a word (or half a surrogate pair) to become a keyword. */
function cap(text: string): string {
  if (text.length <= MAX_ANALYSED_CHARS) return text;
  const head = text.slice(0, MAX_ANALYSED_CHARS).replace(/[\uD800-\uDBFF]$/, '');
  return /\s/.test(text[head.length] ?? ' ') ? head : head.replace(/\s\S{1,40}$/u, '');
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};
const limit = (v: number | undefined, fallback: number, min: number): number =>
  v === undefined || !Number.isFinite(v) ? fallback : Math.max(min, Math.floor(v));

/** null when the text has nothing to analyse (empty/whitespace/only punctuation). Never throws on any string input. */
export function analyseText(text: string, options: AnalysisOptions = {}): TextAnalysis | null {
  if (typeof text !== 'string') return null; // JS callers and bad JSON get null, not a TypeError
  const input = cap(text)
    .replace(/<\/?[a-z][^<>]*>/gi, ' ') // rich-text notes: tags and entities are not words
    .replace(/&(?:nbsp|amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e] ?? ' ')
    .replace(/\p{Cc}/gu, (c) => (c === '\n' ? c : ' '));
  if (!/[\p{L}\p{N}]/u.test(input)) return null;
  const han = input.match(/\p{Script=Han}/gu)?.length ?? 0;
  const letters = input.match(/\p{L}/gu)?.length ?? 0;
  const language = han > letters - han ? 'zh' : 'en';
  const parsed = language === 'zh' ? analyseChinese(input) : analyseEnglish(input);
  const sentiment = Math.round(parsed.sentiment * 1000) / 1000 || 0; // `|| 0` turns -0 and NaN into 0
  return {
    language,
    sentiment,
    sentimentLabel: sentiment < -0.05 ? 'negative' : sentiment > 0.05 ? 'positive' : 'neutral',
    keywords: parsed.terms.slice(0, limit(options.maxKeywords, 5, 0)).map((t) => t.term),
    summary: summarise(parsed, limit(options.maxSummaryChars, 280, 1)),
  };
}
