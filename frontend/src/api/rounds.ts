// Remote ward rounds, lectures and case conferences, and training credit.
import { request } from './client';
import type {
  Attendee,
  Items,
  Lecture,
  LectureInput,
  LectureQuery,
  MyAttendance,
  OccurrenceAction,
  Recording,
  RoundCase,
  RoundCaseDetail,
  RoundInput,
  RoundOccurrence,
  RoundOccurrenceDetail,
  RoundSeries,
  RoundTask,
  RoundTaskItem,
  TrainingCredit,
} from './types';

const enc = encodeURIComponent;

// ---- rounds -------------------------------------------------------------------

export const listRounds = () => request<Items<RoundSeries>>('/rounds');
export const createRound = (input: RoundInput) => request<RoundSeries>('/rounds', { method: 'POST', json: input });
export const getRound = (id: string) => request<RoundSeries>(`/rounds/${enc(id)}`);

/** Sessions whose Beijing date is in [from, to] (default: today and four weeks on). */
export const listOccurrences = (seriesId: string, from?: string, to?: string) =>
  request<Items<RoundOccurrence>>(`/rounds/${enc(seriesId)}/occurrences`, { query: { from, to } });

/** An extra session outside the recurrence. */
export const addOccurrence = (seriesId: string, startsAt: string, durationMinutes: number) =>
  request<RoundOccurrenceDetail>(`/rounds/${enc(seriesId)}/occurrences`, {
    method: 'POST',
    json: { startsAt, durationMinutes },
  });

const occ = (id: string) => `/rounds/occurrences/${enc(id)}`;

export const getOccurrence = (id: string) => request<RoundOccurrenceDetail>(occ(id));

export const actOnOccurrence = (id: string, action: OccurrenceAction, version: number, note?: string) =>
  request<RoundOccurrenceDetail>(`${occ(id)}/actions/${enc(action)}`, { method: 'POST', json: { version, note } });

export const listCases = (occurrenceId: string) => request<Items<RoundCase>>(`${occ(occurrenceId)}/cases`);

export const presentCase = (occurrenceId: string, patientId: string, question: string) =>
  request<RoundCaseDetail>(`${occ(occurrenceId)}/cases`, { method: 'POST', json: { patientId, question } });

export const getCase = (id: string) => request<RoundCaseDetail>(`/rounds/cases/${enc(id)}`);

export const writeCaseNotes = (id: string, version: number, notes: string, recommendations: string) =>
  request<RoundCaseDetail>(`/rounds/cases/${enc(id)}/notes`, { method: 'PUT', json: { version, notes, recommendations } });

export const addTask = (caseId: string, text: string, dueOn: string) =>
  request<RoundTask>(`/rounds/cases/${enc(caseId)}/tasks`, { method: 'POST', json: { text, dueOn } });

export const updateTask = (id: string, version: number, done: boolean) =>
  request<RoundTask>(`/rounds/tasks/${enc(id)}`, { method: 'PATCH', json: { version, done } });

/** The caller's follow-up tasks: open ones, or all. */
export const listMyTasks = (all = false) =>
  request<Items<RoundTaskItem>>('/rounds/tasks', { query: { status: all ? 'all' : undefined } });

export const roundAttendance = (occurrenceId: string) => request<Items<Attendee>>(`${occ(occurrenceId)}/attendance`);

export const checkInRound = (occurrenceId: string, event: 'join' | 'leave') =>
  request<MyAttendance>(`${occ(occurrenceId)}/attendance`, { method: 'POST', json: { event } });

export const trainingCredits = () => request<Items<TrainingCredit>>('/me/training-credits');

// ---- lectures -----------------------------------------------------------------

export const listLectures = (q: LectureQuery = {}) =>
  request<Items<Lecture>>('/lectures', {
    query: { from: q.from, to: q.to, kind: q.kind, recorded: q.recorded ? 'true' : undefined },
  });

export const createLecture = (input: LectureInput) => request<Lecture>('/lectures', { method: 'POST', json: input });
export const getLecture = (id: string) => request<Lecture>(`/lectures/${enc(id)}`);

export const registerForLecture = (id: string) =>
  request<Lecture>(`/lectures/${enc(id)}/registration`, { method: 'POST' });
export const unregisterFromLecture = (id: string) =>
  request<Lecture>(`/lectures/${enc(id)}/registration`, { method: 'DELETE' });

export const checkInLecture = (id: string, event: 'join' | 'leave') =>
  request<MyAttendance>(`/lectures/${enc(id)}/attendance`, { method: 'POST', json: { event } });

export const listRecordings = (id: string) => request<Items<Recording>>(`/lectures/${enc(id)}/recordings`);
export const addRecording = (id: string, title: string, location: string) =>
  request<Recording>(`/lectures/${enc(id)}/recordings`, { method: 'POST', json: { title, location } });
