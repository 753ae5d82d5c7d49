import { App, Form, Input, Select, Typography } from 'antd';
import { isApiError } from '../api/client';
import { actOnVideo, freeSlots } from '../api/consults';
import type { VideoAction, VideoActionBody, VideoConsultDetail } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel } from '../i18n/enums';
import { formPath, opinionBody, videoActionSpec, type OpinionValues } from '../consults/logic';
import { beijing, formatBeijing, formatSpan } from '../schedule/logic';
import { placeError } from '../utils/formErrors';
import { useLoad } from '../utils/useLoad';
import { FormModal } from './FormModal';
import { OpinionFields } from './Opinion';

interface Values {
  slot?: string;
  note?: string;
  opinion?: OpinionValues;
}

interface Props {
  video: VideoConsultDetail;
  open: { action: VideoAction; version: number } | null;
  onClose: () => void;
  onDone: (v: VideoConsultDetail) => void;
  onConflict: () => void;
}

/** Move, cancel, mark a no-show or file the opinion of a video consultation. */
export function VideoActionModal({ video: v, open, onClose, onDone, onConflict }: Props) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const action = open?.action;
  const spec = action ? videoActionSpec(action) : null;
  // Moving: the specialist's free slots of the next four weeks.
  const slots = useLoad(() => {
    if (!spec?.slot) return Promise.resolve([]);
    const from = new Date().toISOString();
    const to = new Date(Date.now() + 28 * 86_400_000).toISOString();
    return freeSlots(v.specialistUserId, from, to).then((r) => r.items);
  }, [spec?.slot, v.specialistUserId]);

  const submit = async (vals: Values) => {
    if (!open || !spec) return;
    const body: VideoActionBody = { version: open.version };
    if (spec.slot) {
      const s = (slots.data ?? []).find((x) => x.start === vals.slot);
      body.start = s?.start;
      body.end = s?.end;
    }
    if (spec.note !== 'none' && vals.note?.trim()) body.note = vals.note.trim();
    if (spec.opinion) body.opinion = opinionBody(vals.opinion);
    try {
      const updated = await actOnVideo(v.id, open.action, body);
      message.success(t('referral.actionDone', { action: enumLabel(t, 'vaction', open.action) }));
      onDone(updated);
    } catch (e) {
      if (isApiError(e) && e.status === 409 && e.field !== 'start') {
        message.warning(errorOr(e.message, t('video.conflict')));
        onConflict();
        throw e;
      }
      const field = isApiError(e) ? e.field : undefined;
      const text = placeError(e, [], t('common.failed')).message;
      const shown = [spec.slot ? 'start' : '', spec.note !== 'none' ? 'note' : '', ...(spec.opinion ? ['opinion.impression', 'opinion.recommendations', 'opinion.diagnoses'] : [])];
      if (field && shown.includes(field)) {
        form.setFields([{ name: (field === 'start' ? ['slot'] : formPath(field)) as never, errors: [text] }]);
        if (field === 'start') slots.reload();
      } else message.error(text);
      throw e;
    }
  };

  return (
    <FormModal<Values>
      open={open !== null}
      title={action ? enumLabel(t, 'vaction', action) : ''}
      testId="video-action-modal"
      form={form}
      initialValues={{ opinion: { diagnoses: [], referralAdvised: false, videoConsultAdvised: false } }}
      submitText={action ? enumLabel(t, 'vaction', action) : undefined}
      width={spec?.opinion ? 720 : 520}
      onCancel={onClose}
      onSubmit={submit}
    >
      {spec ? (
        <>
          <Typography.Paragraph type="secondary" style={{ marginTop: 0 }}>
            {formatBeijing(v.start)}–{beijing(v.end).time} {t('schedule.beijingTime')}
          </Typography.Paragraph>
          {spec.slot ? (
            <Form.Item name="slot" label={t('video.newSlot')} rules={[{ required: true }]}>
              <Select
                loading={slots.loading}
                options={(slots.data ?? []).map((s) => {
                  const w = beijing(s.start);
                  return { value: s.start, label: `${w.date} ${enumLabel(t, 'weekday', w.weekday)} ${formatSpan(s)}` };
                })}
                data-testid="video-action-slot"
              />
            </Form.Item>
          ) : null}
          {spec.opinion ? <OpinionFields prefix="video-opinion" /> : null}
          {spec.note !== 'none' ? (
            <Form.Item name="note" label={t('field.reasonNote')} rules={spec.note === 'required' ? [{ required: true, whitespace: true }] : []}>
              <Input.TextArea rows={3} maxLength={2000} data-testid="video-action-note" />
            </Form.Item>
          ) : null}
        </>
      ) : null}
    </FormModal>
  );
}

const errorOr = (m: string, fallback: string) => m || fallback;
