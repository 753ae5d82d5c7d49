import { describe, expect, it } from 'vitest';
import { constraintsFor, deviceLists, mainProblem, mediaProblem } from './media';

describe('mediaProblem', () => {
  it('classifies getUserMedia failures by name', () => {
    const err = (name: string) => Object.assign(new Error(name), { name });
    expect(mediaProblem(err('NotAllowedError'))).toBe('denied');
    expect(mediaProblem(err('PermissionDeniedError'))).toBe('denied');
    expect(mediaProblem(err('SecurityError'))).toBe('denied');
    expect(mediaProblem(err('NotFoundError'))).toBe('notFound');
    expect(mediaProblem(err('OverconstrainedError'))).toBe('notFound');
    expect(mediaProblem(err('NotReadableError'))).toBe('busy');
    expect(mediaProblem(new TypeError('no media'))).toBe('unsupported');
    expect(mediaProblem(err('Weird'))).toBe('other');
    expect(mediaProblem('boom')).toBe('other');
  });

  it('the page leads with a refusal when the two devices failed differently', () => {
    expect(mainProblem(null, null)).toBeNull();
    expect(mainProblem('notFound', 'denied')).toBe('denied');
    expect(mainProblem(null, 'busy')).toBe('busy');
  });
});

describe('constraintsFor', () => {
  it('asks for a chosen device exactly, and modest video', () => {
    expect(constraintsFor('audio', 'mic-2')).toEqual({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, deviceId: { exact: 'mic-2' } },
    });
    const v = constraintsFor('video') as { video: MediaTrackConstraints };
    expect(v.video.deviceId).toBeUndefined();
    expect(v.video.width).toEqual({ ideal: 640 });
  });
});

describe('deviceLists', () => {
  it('keeps inputs, drops aliases and duplicates, and names unnamed devices', () => {
    const lists = deviceLists(
      [
        { deviceId: 'default', kind: 'audioinput', label: 'Default - Mic A' },
        { deviceId: 'communications', kind: 'audioinput', label: 'Comms' },
        { deviceId: 'a1', kind: 'audioinput', label: '' },
        { deviceId: 'a1', kind: 'audioinput', label: '' },
        { deviceId: 'o1', kind: 'audiooutput', label: 'Speakers' },
        { deviceId: 'v1', kind: 'videoinput', label: 'fake_device_0' },
        { deviceId: '', kind: 'videoinput', label: '' },
      ],
      (kind, n) => `${kind}-${n}`,
    );
    expect(lists.audioinput).toEqual([
      { deviceId: 'default', label: 'Default - Mic A' },
      { deviceId: 'a1', label: 'audioinput-2' },
    ]);
    expect(lists.videoinput).toEqual([{ deviceId: 'v1', label: 'fake_device_0' }]);
  });
});
