import { App, Form, Input, Select, Typography } from 'antd';
import { isApiError } from '../api/client';
import { actOnConsult, listConsultants } from '../api/consults';
import type { ConsultAction, ConsultDetail } from '../api/types';
import { useMe } from '../auth/AuthProvider';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel } from '../i18n/enums';
import {
  buildConsultActionBody,
  consultActionSpec,
  formPath,
  type ConsultActionValues,
} from '../consults/logic';
import { placeError } from '../utils/formErrors';
import { useLoad } from '../utils/useLoad';
import { FormModal } from './FormModal';
import { OpinionFields } from './Opinion';

const OPINION_FIELDS = [
  'opinion.impression',
  'opinion.diagnoses',
  'opinion.recommendations',
  'opinion.medicationRecommendations',
  'opinion.followUpAdvice',
];

interface Props {
  consult: ConsultDetail;
  /** the action, with the version of the consult the user saw when opening the form */
  open: { action: ConsultAction; version: number } | null;
  onClose: () => void;
  onDone: (c: ConsultDetail) => void;
  /** the consult changed meanwhile (409): reload it */
  onConflict: () => void;
}

/** The form one eConsult action needs, sending the version the user saw. */
export function ConsultActionModal({ consult: c, open, onClose, onDone, onConflict }: Props) {
  const me = useMe();
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<ConsultActionValues>();
  // A convener assigns anyone; a specialist may only take the consultation for themself.
  const self = !me.roles.includes('convener');
  const action = open?.action;
  const spec = action ? consultActionSpec(action) : null;
  const consultants = useLoad(
    () => (spec?.specialist ? listConsultants(c.targetInstitutionId).then((r) => r.items) : Promise.resolve([])),
    [spec?.specialist, c.targetInstitutionId],
  );

  const shown = (): string[] => {
    if (!spec) return [];
    const out: string[] = [];
    if (spec.message !== 'none') out.push('message');
    if (spec.specialist) out.push('specialistUserId');
    if (spec.opinion) out.push(...OPINION_FIELDS);
    return out;
  };

  const submit = async (v: ConsultActionValues) => {
    if (!open) return;
    try {
      const updated = await actOnConsult(c.id, open.action, buildConsultActionBody(open.action, open.version, v));
      message.success(t('referral.actionDone', { action: enumLabel(t, 'caction', open.action) }));
      onDone(updated);
    } catch (e) {
      if (isApiError(e) && e.status === 409) {
        message.warning(t('consult.conflict'));
        onConflict();
        throw e;
      }
      const field = isApiError(e) ? e.field : undefined;
      const text = placeError(e, [], t('common.failed')).message;
      if (field && shown().includes(field)) form.setFields([{ name: formPath(field) as never, errors: [text] }]);
      else message.error(text);
      throw e;
    }
  };

  return (
    <FormModal<ConsultActionValues>
      open={open !== null}
      title={action ? enumLabel(t, 'caction', action) : ''}
      testId="consult-action-modal"
      form={form}
      initialValues={{
        specialistUserId: self ? me.id : c.specialistUserId || undefined,
        opinion: { diagnoses: c.diagnoses ?? [], referralAdvised: false, videoConsultAdvised: false },
      }}
      submitText={action ? enumLabel(t, 'caction', action) : undefined}
      width={spec?.opinion ? 720 : 520}
      onCancel={onClose}
      onSubmit={submit}
    >
      {spec && action ? (
        <>
          <Typography.Paragraph type="secondary" style={{ marginTop: 0 }}>
            {c.patient?.name} · {c.requesterInstitution?.name ?? ''}
          </Typography.Paragraph>
          {action === 'request_info' ? (
            <Typography.Paragraph type="secondary">{t('consult.clockPausesHint')}</Typography.Paragraph>
          ) : null}
          {spec.specialist ? (
            <Form.Item name="specialistUserId" label={t('consult.consultant')} rules={[{ required: true }]}>
              <Select
                showSearch={{ optionFilterProp: 'label' }}
                loading={consultants.loading}
                options={(consultants.data ?? []).filter((u) => !self || u.id === me.id).map((u) => ({
                  value: u.id,
                  label: `${u.displayName} · ${enumLabel(t, 'title', u.title)} · ${t('consult.years', { n: u.practiceYears })}`,
                }))}
                data-testid="consult-action-specialist"
              />
            </Form.Item>
          ) : null}
          {spec.opinion ? <OpinionFields prefix="consult-opinion" /> : null}
          {spec.message !== 'none' ? (
            <Form.Item
              name="message"
              label={t(spec.messageLabel)}
              rules={spec.message === 'required' ? [{ required: true, whitespace: true }] : []}
            >
              <Input.TextArea rows={4} maxLength={8000} data-testid="consult-action-message" />
            </Form.Item>
          ) : null}
        </>
      ) : null}
    </FormModal>
  );
}
