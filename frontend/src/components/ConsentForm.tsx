import { useState } from 'react';
import { App, Button, DatePicker, Form, Input, Modal, Select } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { addConsent } from '../api/patients';
import type { Consent, ConsentScope, SignedBy } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { enumOptions } from '../i18n/enums';
import { showFormError, toDateString } from '../utils/formErrors';

interface Values {
  scope: ConsentScope;
  signedBy: SignedBy;
  signerName: string;
  signerRelation?: string;
  signedOn: Dayjs;
}

const FIELDS = ['scope', 'signedBy', 'signerName', 'signerRelation', 'signedOn'] as const;

/** Inline form to record a signed consent for one patient (scope preset to `defaultScope`, referral by default). */
export function ConsentForm({
  patientId,
  onAdded,
  defaultScope = 'referral',
}: {
  patientId: string;
  onAdded: (c: Consent) => void;
  defaultScope?: ConsentScope;
}) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const signedBy = Form.useWatch('signedBy', form);

  const submit = async (v: Values) => {
    setBusy(true);
    try {
      const c = await addConsent(patientId, {
        scope: v.scope,
        signedBy: v.signedBy,
        signerName: v.signerName.trim(),
        ...(v.signedBy === 'guardian' ? { signerRelation: v.signerRelation?.trim() } : {}),
        signedOn: toDateString(v.signedOn),
      });
      message.success(t('patients.consentAdded'));
      form.resetFields();
      onAdded(c);
    } catch (e) {
      showFormError(form, e, FIELDS, t('common.failed'), (m) => message.error(m));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Form<Values>
      form={form}
      layout="vertical"
      initialValues={{ scope: defaultScope, signedBy: 'patient', signedOn: dayjs() }}
      onFinish={submit}
      data-testid="consent-form"
    >
      <Form.Item name="scope" label={t('field.scope')} rules={[{ required: true }]}>
        <Select options={enumOptions(t, 'scope')} data-testid="consent-scope" />
      </Form.Item>
      <Form.Item name="signedBy" label={t('field.signedBy')} rules={[{ required: true }]}>
        <Select options={enumOptions(t, 'signedBy')} data-testid="consent-signedBy" />
      </Form.Item>
      <Form.Item name="signerName" label={t('field.signerName')} rules={[{ required: true, whitespace: true }]}>
        <Input maxLength={64} data-testid="consent-signerName" />
      </Form.Item>
      {signedBy === 'guardian' ? (
        <Form.Item name="signerRelation" label={t('field.signerRelation')} rules={[{ required: true, whitespace: true }]}>
          <Input maxLength={32} data-testid="consent-signerRelation" />
        </Form.Item>
      ) : null}
      <Form.Item name="signedOn" label={t('field.signedOn')} rules={[{ required: true }]}>
        <DatePicker style={{ width: '100%' }} data-testid="consent-signedOn" />
      </Form.Item>
      <Button type="primary" htmlType="submit" loading={busy} data-testid="consent-submit">
        {t('patients.addConsent')}
      </Button>
    </Form>
  );
}

/**
 * A button opening the consent form in its own dialog: for forms that are themselves
 * inside a form (a dialog renders apart, so the two forms do not nest).
 */
export function ConsentButton({
  patientId,
  scope,
  onAdded,
}: {
  patientId: string;
  scope: ConsentScope;
  onAdded: (c: Consent) => void;
}) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button onClick={() => setOpen(true)} data-testid="consent-open">
        {t('patients.addConsent')}
      </Button>
      <Modal open={open} title={t('patients.addConsent')} footer={null} onCancel={() => setOpen(false)} destroyOnHidden>
        <ConsentForm
          patientId={patientId}
          defaultScope={scope}
          onAdded={(c) => {
            setOpen(false);
            onAdded(c);
          }}
        />
      </Modal>
    </>
  );
}
