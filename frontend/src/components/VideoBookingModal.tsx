// Booking one free slot of a specialist for a video consultation: the patient and their
// written teleconsultation consent, purpose, record summary and the invited specialty
// (远程医疗服务管理规范, 2018). A convener books on behalf of the doctor who asked the
// linked eConsult; a clinician books for themself.
import { useEffect, useMemo, useState } from 'react';
import { Alert, App, Descriptions, Form, Input, Select, Typography } from 'antd';
import { isApiError } from '../api/client';
import { bookVideo, getConsult, listConsults } from '../api/consults';
import { listConsents } from '../api/patients';
import type { Consult, Consultant, Patient, Slot, VideoConsultDetail } from '../api/types';
import { useMe } from '../auth/AuthProvider';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel, enumOptions } from '../i18n/enums';
import { purposeFrom } from '../consults/logic';
import { beijing, formatSpan } from '../schedule/logic';
import { placeError } from '../utils/formErrors';
import { useLoad } from '../utils/useLoad';
import { ConsentButton } from './ConsentForm';
import { FormModal } from './FormModal';
import { PatientSelect } from './PatientSelect';

interface Values {
  consultId?: string;
  consentId?: string;
  purpose: string;
  recordSummary: string;
  invitedSpecialty?: string;
}

const FIELDS = ['consentId', 'purpose', 'recordSummary', 'invitedSpecialty'];

interface Props {
  /** the slot to book; null: closed */
  slot: Slot | null;
  specialist: Consultant | undefined;
  /** an eConsult to book for (from the consult page) */
  consultId?: string;
  onClose: () => void;
  onBooked: (v: VideoConsultDetail) => void;
  /** the slot was taken meanwhile: refresh the board */
  onTaken: () => void;
}

/** Live eConsults of the user's institution, either side, newest first. */
async function bookableConsults(): Promise<Consult[]> {
  const [queue, sent] = await Promise.all([listConsults('queue'), listConsults('sent')]);
  const seen = new Set<string>();
  return [...queue.items, ...sent.items].filter((c) => c.status !== 'cancelled' && !seen.has(c.id) && !!seen.add(c.id));
}

export function VideoBookingModal({ slot, specialist, consultId, onClose, onBooked, onTaken }: Props) {
  const me = useMe();
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const open = slot !== null;
  const clinician = me.roles.includes('doctor') || me.roles.includes('specialist');

  const consults = useLoad(() => (open ? bookableConsults() : Promise.resolve([])), [open]);
  const chosenId = Form.useWatch('consultId', form);
  const chosen = useLoad(() => (chosenId ? getConsult(chosenId) : Promise.resolve(null)), [chosenId]);
  const consult = chosen.data && chosen.data.id === chosenId ? chosen.data : null;

  const [picked, setPicked] = useState<Patient | null>(null);
  const [patientError, setPatientError] = useState('');
  useEffect(() => {
    if (!open) {
      setPicked(null);
      setPatientError('');
    }
  }, [open]);
  const patientId = consult ? consult.patientId : picked?.id;

  const consents = useLoad(
    () => (patientId ? listConsents(patientId).then((r) => r.items.filter((c) => c.scope === 'teleconsult')) : Promise.resolve([])),
    [patientId],
  );
  // The latest teleconsultation consent is the one this booking records.
  useEffect(() => {
    if (!open) return;
    const list = consents.data ?? [];
    const cur = form.getFieldValue('consentId') as string | undefined;
    if (!list.some((c) => c.id === cur)) form.setFieldValue('consentId', list.length ? list[list.length - 1].id : undefined);
  }, [consents.data, form, open]);

  // An eConsult prefills what it already says.
  useEffect(() => {
    if (!consult || !open) return;
    const cur = form.getFieldsValue();
    form.setFieldsValue({
      purpose: cur.purpose?.trim() ? cur.purpose : purposeFrom(consult.question),
      recordSummary: cur.recordSummary?.trim() ? cur.recordSummary : consult.summary,
      invitedSpecialty: cur.invitedSpecialty || consult.subSpecialty || undefined,
    });
  }, [consult, form, open]);

  const requester = useMemo(() => {
    if (consult) {
      const created = consult.messages.find((m) => m.action === 'create');
      return { id: consult.requesterUserId, label: `${created?.username ?? ''} · ${consult.requesterInstitution?.name ?? ''}` };
    }
    return clinician ? { id: me.id, label: `${me.displayName} · ${me.institution?.name ?? ''}` } : null;
  }, [consult, clinician, me]);

  const submit = async (v: Values) => {
    if (!slot || !specialist) return;
    if (!patientId) {
      setPatientError(t('referralForm.needPatient'));
      throw new Error('no patient');
    }
    if (!requester) {
      form.setFields([{ name: 'consultId', errors: [t('booking.needConsult')] }]);
      throw new Error('no requester');
    }
    try {
      const booked = await bookVideo({
        patientId,
        specialistUserId: specialist.id,
        start: slot.start,
        end: slot.end,
        purpose: v.purpose.trim(),
        recordSummary: v.recordSummary.trim(),
        invitedSpecialty: v.invitedSpecialty ?? '',
        consentId: v.consentId ?? '',
        onBehalfOfUserId: requester.id !== me.id ? requester.id : undefined,
        consultId: v.consultId || undefined,
      });
      message.success(t('booking.booked'));
      onBooked(booked);
    } catch (e) {
      if (isApiError(e) && e.status === 409 && e.field === 'start') {
        message.warning(e.message || t('booking.taken'));
        onTaken();
        throw e;
      }
      const placed = placeError(e, [...FIELDS, 'patientId', 'onBehalfOfUserId'], t('common.failed'));
      if (placed.field === 'patientId') setPatientError(placed.message);
      else if (placed.field === 'onBehalfOfUserId') form.setFields([{ name: 'consultId', errors: [placed.message] }]);
      else if (placed.field) form.setFields([{ name: placed.field as keyof Values, errors: [placed.message] }]);
      else message.error(placed.message);
      throw e;
    }
  };

  const day = slot ? beijing(slot.start) : null;

  return (
    <FormModal<Values>
      open={open}
      title={t('booking.title')}
      testId="booking"
      form={form}
      initialValues={{ consultId: consultId || undefined }}
      submitText={t('booking.submit')}
      width={680}
      onCancel={onClose}
      onSubmit={submit}
    >
      {slot && day ? (
        <Descriptions column={1} size="small" bordered style={{ marginBottom: 16 }} data-testid="booking-slot">
          <Descriptions.Item label={t('booking.when')}>
            {day.date} {enumLabel(t, 'weekday', day.weekday)} {formatSpan(slot)} {t('schedule.beijingTime')}
          </Descriptions.Item>
          <Descriptions.Item label={t('booking.invited')}>
            {specialist ? `${specialist.displayName} · ${enumLabel(t, 'title', specialist.title)} · ${t('consult.years', { n: specialist.practiceYears })}` : ''}
          </Descriptions.Item>
          <Descriptions.Item label={t('booking.requester')}>
            <span data-testid="booking-requester">{requester ? requester.label : t('booking.needConsult')}</span>
          </Descriptions.Item>
        </Descriptions>
      ) : null}

      <Form.Item name="consultId" label={t('booking.consult')} extra={clinician ? t('booking.consultOptional') : t('booking.consultHint')}>
        <Select
          allowClear
          showSearch={{ optionFilterProp: 'label' }}
          loading={consults.loading}
          placeholder={t('booking.consultPlaceholder')}
          options={(consults.data ?? []).map((c) => ({
            value: c.id,
            label: `${c.patient?.name ?? ''} · ${c.requesterInstitution?.name ?? ''} · ${enumLabel(t, 'cstatus', c.status)} · ${purposeFrom(c.question).slice(0, 30)}`,
          }))}
          data-testid="booking-consult"
        />
      </Form.Item>

      {!consult ? (
        <Form.Item label={t('field.patient')} required validateStatus={patientError ? 'error' : undefined} help={patientError || undefined}>
          <PatientSelect
            value={picked}
            onChange={(p) => {
              setPicked(p);
              setPatientError('');
            }}
            status={patientError ? 'error' : undefined}
            data-testid="booking-patient"
          />
        </Form.Item>
      ) : (
        <Typography.Paragraph data-testid="booking-patient-name">
          {t('field.patient')}: <Typography.Text strong>{consult.patient?.name}</Typography.Text>
        </Typography.Paragraph>
      )}

      {patientId && !consents.loading && !(consents.data ?? []).length ? (
        <div style={{ marginBottom: 16 }}>
          <Alert type="warning" showIcon style={{ marginBottom: 12 }} data-testid="booking-consent-missing" title={t('consultForm.teleconsultMissing')} />
          <ConsentButton patientId={patientId} scope="teleconsult" onAdded={() => consents.reload()} />
        </div>
      ) : null}
      <Form.Item name="consentId" label={t('booking.consent')} rules={[{ required: true, message: t('booking.needConsent') }]}>
        <Select
          loading={consents.loading}
          options={(consents.data ?? []).map((c) => ({
            value: c.id,
            label: `${enumLabel(t, 'scope', c.scope)} · ${c.signerName}${c.signerRelation ? `（${c.signerRelation}）` : ''} · ${enumLabel(t, 'signedBy', c.signedBy)} · ${c.signedOn}`,
          }))}
          data-testid="booking-consent"
        />
      </Form.Item>
      <Form.Item name="purpose" label={t('booking.purpose')} rules={[{ required: true, whitespace: true }]}>
        <Input.TextArea rows={2} maxLength={500} data-testid="booking-purpose" />
      </Form.Item>
      <Form.Item name="recordSummary" label={t('booking.recordSummary')} rules={[{ required: true, whitespace: true }]}>
        <Input.TextArea rows={4} maxLength={8000} data-testid="booking-recordSummary" />
      </Form.Item>
      <Form.Item name="invitedSpecialty" label={t('booking.invitedSpecialty')} rules={[{ required: true }]}>
        <Select options={enumOptions(t, 'sub')} data-testid="booking-specialty" />
      </Form.Item>
    </FormModal>
  );
}
