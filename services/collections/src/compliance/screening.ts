import { addDays, BusinessTime, type IsoDate } from '@ar/kernel';

/**
 * Compliance rules for outgoing messages (DOMAIN.md §4, "no harassment"): prohibited wording
 * (threats, abuse, disclosure to third parties; Chinese and English, configurable), contact
 * hours and frequency limits.
 */
export interface ComplianceRules {
  prohibited: { rule: string; patterns: string[] }[];
  /** Hours (24h, in the business time zone) within which customers may be contacted: [from, to). */
  contactHours: { from: number; to: number };
  maxPerDay: number;
  maxPer7Days: number;
}

export const DEFAULT_COMPLIANCE_RULES: ComplianceRules = {
  prohibited: [
    {
      rule: 'threat',
      patterns: [
        'we will come to your home',
        'you will regret',
        'or else',
        'ruin you',
        '后果自负',
        '你等着',
        '上门找你',
        '让你好看',
      ],
    },
    { rule: 'abuse', patterns: ['idiot', 'liar', 'scum', 'cheat', '骗子', '无赖', '老赖', '混蛋'] },
    {
      rule: 'third-party-disclosure',
      patterns: [
        'your family',
        'your employer',
        'your colleagues',
        'your neighbours',
        '你的家人',
        '你的同事',
        '你的邻居',
        '你的领导',
      ],
    },
  ],
  contactHours: { from: 9, to: 20 },
  maxPerDay: 1,
  maxPer7Days: 3,
};

export type ScreeningResult =
  | { outcome: 'SEND' }
  | { outcome: 'BLOCKED'; rule: string; matched: string }
  | { outcome: 'DEFERRED'; rule: string; matched: string; until: IsoDate };

const DEFAULT_BUSINESS_TIME = new BusinessTime();

/**
 * Screens one message before it goes out, at its instant read in the business time zone
 * (09:00-20:00 in Shanghai is 01:00-12:00 UTC). Prohibited wording blocks it for good; outside
 * contact hours or over a frequency limit it is deferred to a later day, not sent.
 * `sentOn` are the days earlier messages to this customer went out.
 */
export function screenMessage(
  message: { text: string; at: Date },
  sentOn: IsoDate[],
  rules: ComplianceRules = DEFAULT_COMPLIANCE_RULES,
  time: BusinessTime = DEFAULT_BUSINESS_TIME,
): ScreeningResult {
  const text = message.text.toLowerCase();
  for (const { rule, patterns } of rules.prohibited) {
    const matched = patterns.find((p) => text.includes(p.toLowerCase()));
    if (matched) return { outcome: 'BLOCKED', rule: `prohibited-wording:${rule}`, matched };
  }
  const { date: day, hour, minute } = time.local(message.at);
  const { from, to } = rules.contactHours;
  if (hour < from || hour >= to) {
    const hhmm = `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
    return {
      outcome: 'DEFERRED',
      rule: 'contact-hours',
      matched: `${hhmm} is outside ${from}:00-${to}:00 (${time.timeZone})`,
      until: hour < from ? day : addDays(day, 1),
    };
  }
  const today = sentOn.filter((d) => d === day).length;
  if (today >= rules.maxPerDay) {
    return {
      outcome: 'DEFERRED',
      rule: 'frequency-per-day',
      matched: `${today} message(s) already today`,
      until: addDays(day, 1),
    };
  }
  const week = sentOn.filter((d) => d > addDays(day, -7) && d <= day).length;
  if (week >= rules.maxPer7Days) {
    return {
      outcome: 'DEFERRED',
      rule: 'frequency-per-week',
      matched: `${week} message(s) in 7 days`,
      until: addDays(day, 1),
    };
  }
  return { outcome: 'SEND' };
}
