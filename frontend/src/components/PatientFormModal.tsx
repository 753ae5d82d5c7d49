import { App, DatePicker, Form, Input, Select, Switch } from 'antd';
import type { Dayjs } from 'dayjs';
import { createPatient } from '../api/patients';
import type { Patient, Sex } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { enumOptions } from '../i18n/enums';
import { showFormError, toDateString } from '../utils/formErrors';
import { FormModal } from './FormModal';

interface Values {
  name: string;
  sex: Sex;
  birthDate: Dayjs;
  phone: string;
  nationalId: string;
  severeDisorder: boolean;
  diagnosisCode?: string;
}

const FIELDS = ['name', 'sex', 'birthDate', 'phone', 'nationalId', 'severeDisorder', 'diagnosisCode'] as const;

export function PatientFormModal({
  open,
  onClose,
  onSaved,
}: {
  open: boolean;
  onClose: () => void;
  onSaved: (p: Patient) => void;
}) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();

  const submit = async (v: Values) => {
    try {
      const p = await createPatient({
        name: v.name.trim(),
        sex: v.sex,
        birthDate: toDateString(v.birthDate),
        phone: v.phone?.trim() ?? '',
        nationalId: v.nationalId.trim().toUpperCase(),
        severeDisorder: !!v.severeDisorder,
        ...(v.diagnosisCode?.trim() ? { diagnosisCode: v.diagnosisCode.trim().toUpperCase() } : {}),
      });
      message.success(t('patients.registered'));
      onSaved(p);
    } catch (e) {
      showFormError(form, e, FIELDS, t('common.failed'), (m) => message.error(m));
      throw e;
    }
  };

  return (
    <FormModal<Values>
      open={open}
      title={t('patients.register')}
      testId="patient"
      form={form}
      initialValues={{ sex: 'unknown', severeDisorder: false }}
      onCancel={onClose}
      onSubmit={submit}
    >
      <Form.Item name="name" label={t('field.patientName')} rules={[{ required: true, whitespace: true }]}>
        <Input maxLength={64} data-testid="patient-name" />
      </Form.Item>
      <Form.Item name="sex" label={t('field.sex')} rules={[{ required: true }]}>
        <Select options={enumOptions(t, 'sex')} data-testid="patient-sex" />
      </Form.Item>
      <Form.Item name="birthDate" label={t('field.birthDate')} rules={[{ required: true }]}>
        <DatePicker style={{ width: '100%' }} data-testid="patient-birthDate" />
      </Form.Item>
      <Form.Item name="nationalId" label={t('field.nationalId')} rules={[{ required: true, whitespace: true }]}>
        <Input maxLength={18} autoComplete="off" data-testid="patient-nationalId" />
      </Form.Item>
      <Form.Item name="phone" label={t('field.phone')}>
        <Input maxLength={32} data-testid="patient-phone" />
      </Form.Item>
      <Form.Item name="severeDisorder" label={t('field.severeDisorder')} valuePropName="checked">
        <Switch data-testid="patient-severe" />
      </Form.Item>
      <Form.Item name="diagnosisCode" label={t('field.diagnosisCode')}>
        <Input maxLength={16} placeholder="F20.0" data-testid="patient-diagnosis" />
      </Form.Item>
    </FormModal>
  );
}
