import { describe, expect, it } from 'vitest';
import type { Membership } from '../api/types';
import { translator } from '../i18n/translate';
import {
  buildConsultActionBody,
  canAskConsult,
  consultActionSpec,
  consultBoxesFor,
  formatSeconds,
  formPath,
  isConsultOpen,
  membersByLevel,
  opinionBody,
  purposeFrom,
  videoActionSpec,
} from './logic';

describe('consult worklists', () => {
  it('each role starts where its work is', () => {
    expect(consultBoxesFor(['doctor'])).toEqual(['sent', 'queue']);
    expect(consultBoxesFor(['specialist'])).toEqual(['mine', 'queue', 'sent']);
    expect(consultBoxesFor(['convener'])).toEqual(['queue', 'sent']);
    expect(consultBoxesFor(['convener', 'specialist'])[0]).toBe('mine');
  });

  it('clinicians ask, conveners coordinate', () => {
    expect(canAskConsult(['doctor'])).toBe(true);
    expect(canAskConsult(['specialist'])).toBe(true);
    expect(canAskConsult(['convener'])).toBe(false);
    expect(canAskConsult(['alliance_admin'])).toBe(false);
  });

  it('answered and cancelled consults are closed', () => {
    expect(isConsultOpen('requested')).toBe(true);
    expect(isConsultOpen('info_requested')).toBe(true);
    expect(isConsultOpen('answered')).toBe(false);
    expect(isConsultOpen('cancelled')).toBe(false);
  });
});

describe('consult actions', () => {
  it('each action asks for what the server needs', () => {
    expect(consultActionSpec('assign')).toMatchObject({ specialist: true, opinion: false, message: 'optional' });
    expect(consultActionSpec('request_info')).toMatchObject({ message: 'required', messageLabel: 'consult.infoNeeded' });
    expect(consultActionSpec('provide_info')).toMatchObject({ message: 'required', messageLabel: 'consult.infoProvided' });
    expect(consultActionSpec('answer')).toMatchObject({ opinion: true, message: 'none' });
    expect(consultActionSpec('cancel')).toMatchObject({ message: 'required', danger: true });
  });

  it('builds the bodies with the version the user saw, trimmed', () => {
    expect(buildConsultActionBody('request_info', 3, { message: '  近两周睡眠如何？ ', specialistUserId: 'x' })).toEqual({
      version: 3,
      message: '近两周睡眠如何？',
    });
    expect(buildConsultActionBody('assign', 1, { specialistUserId: 'u1', message: '  ' })).toEqual({ version: 1, specialistUserId: 'u1' });
    expect(buildConsultActionBody('assign', 1, {})).toEqual({ version: 1, specialistUserId: '' });
    const answer = buildConsultActionBody('answer', 4, {
      message: 'ignored',
      opinion: { impression: ' 精神分裂症 ', recommendations: '住院', referralAdvised: true, diagnoses: ['F20.0'] },
    });
    expect(answer).toEqual({
      version: 4,
      opinion: {
        impression: '精神分裂症',
        diagnoses: ['F20.0'],
        recommendations: '住院',
        medicationRecommendations: '',
        referralAdvised: true,
        videoConsultAdvised: false,
        followUpAdvice: '',
      },
    });
  });

  it('an empty opinion is sent empty (the server names the missing field)', () => {
    expect(opinionBody(undefined)).toEqual({
      impression: '',
      diagnoses: [],
      recommendations: '',
      medicationRecommendations: '',
      referralAdvised: false,
      videoConsultAdvised: false,
      followUpAdvice: '',
    });
  });

  it('server field names become form paths', () => {
    expect(formPath('opinion.impression')).toEqual(['opinion', 'impression']);
    expect(formPath('message')).toEqual(['message']);
  });

  it('video actions: move picks a slot, cancel and no-show need a reason, the opinion completes it', () => {
    expect(videoActionSpec('move')).toMatchObject({ slot: true, note: 'none' });
    expect(videoActionSpec('cancel')).toMatchObject({ note: 'required', danger: true });
    expect(videoActionSpec('no_show')).toMatchObject({ note: 'required', danger: true });
    expect(videoActionSpec('file_opinion')).toMatchObject({ opinion: true });
  });
});

describe('response time and texts', () => {
  it('formats seconds of specialist clock time', () => {
    const zh = translator('zh');
    const en = translator('en');
    expect(formatSeconds(30, en)).toBe('under 1 min');
    expect(formatSeconds(30, zh)).toBe('不到1分钟');
    expect(formatSeconds(5 * 60, en)).toBe('5 min');
    expect(formatSeconds(3 * 3600 + 5 * 60 + 59, en)).toBe('3h 5m');
    expect(formatSeconds(2 * 86400 + 3 * 3600, zh)).toBe('2天3小时');
    expect(formatSeconds(-5, en)).toBe('under 1 min');
  });

  it('a purpose from a question is cut to 500 characters, by character not byte', () => {
    expect(purposeFrom('  明确诊断  ')).toBe('明确诊断');
    const long = '诊'.repeat(600);
    expect(Array.from(purposeFrom(long))).toHaveLength(500);
  });
});

describe('institutions to ask', () => {
  const m = (id: string, level: string, role: 'core' | 'member' = 'member'): Membership =>
    ({ allianceId: 'a', institutionId: id, role, joinedOn: '', convenerUserId: null, convener: null, subRegionalExpertUserId: null, subRegionalExpert: null, institution: { id, name: id, level } }) as unknown as Membership;

  it('core hospitals first, then by level; each once; one’s own left out', () => {
    const list = [m('chc1', 'chc'), m('county', 'second_grade'), m('general', 'tertiary', 'core'), m('centre', 'tertiary', 'core'), m('chc1', 'chc'), m('mine', 'chc')];
    expect(membersByLevel(list, 'mine').map((x) => x.institutionId)).toEqual(['general', 'centre', 'county', 'chc1']);
    expect(membersByLevel([m('x', 'tertiary'), m('y', 'tertiary', 'core')]).map((x) => x.institutionId)).toEqual(['y', 'x']);
  });
});
